"""The engine facade: every use case, each in one transaction.

This package knows nothing of Flask or HTTP. The CLI and the web app both call
``build_engine`` and then the methods here; no business rule lives in either of them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine as DbEngine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from . import appraisal, auth, calendar, instances, jobs, notifications, org, schedules, tasks
from .catalog import DefinitionCatalog
from .db import PROJECT_ROOT, make_engine, make_session_factory
from .deployment import DeployResult, deploy
from .errors import Conflict, NotAllowed, ProcessError
from .execution import WorkflowRunner
from .history import ChainProblem, PendingEvent, verify
from .mailer import SmtpMailer
from .models import ProcessDefinition, ProcessInstance
from .sandbox import make_script_engine
from .services import Clock, Services, utc_now
from .state import StateCodec
from .steps import save_step

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Engine:
    """Runs use cases; each method is one transaction that commits or leaves nothing."""

    def __init__(self, db: DbEngine, session_factory: sessionmaker[Session], services: Services) -> None:
        self.db = db
        self.session_factory = session_factory
        self.services = services

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise Conflict("someone else changed the same data at the same time; reload and try again") from exc
        except OperationalError as exc:
            session.rollback()
            reason = str(exc.orig).lower()
            if "database is locked" in reason or "deadlock" in reason:
                raise Conflict("the database was busy with the same data; try again") from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _run(self, use_case: Callable[..., T], *args: Any) -> T:
        with self.transaction() as session:
            return use_case(session, *args)

    # -- set-up ------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest migration."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.db.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def init(self, demo: bool = False, demo_password: str | None = None) -> dict[str, Any]:
        """Create the schema, the roles, (the demo organisation) and deploy ``processes/``.

        Demo users get ``demo_password`` (hashed) when they are created; None leaves them
        without a password, so they cannot sign in.
        """
        password_hash = auth.hash_password(demo_password) if demo and demo_password else None
        self.migrate()
        services = self.services
        with self.transaction() as session:
            roles = json.loads((services.data_root / "roles.json").read_text(encoding="utf-8"))
            added_roles = org.ensure_roles(session, roles)
            session.flush()
            added_users = 0
            if demo:
                demo_file = services.data_root / "demo_org.json"
                added_users = org.load_demo_organisation(session, demo_file, services.clock(), password_hash)
                session.flush()
            results = deploy(session, [services.processes_root], services.forms_root, services.codec,
                             services.clock(), "opsflow init")
        return {"roles_added": added_roles, "users_added": added_users,
                "deployments": [r.__dict__ for r in results]}

    # -- organisation ----------------------------------------------------------------------
    def add_user(self, username: str, roles: list[str], reports_to: str | None = None,
                 display_name: str = "", email: str | None = None) -> dict[str, Any]:
        with self.transaction() as session:
            org.add_user(session, username, roles, self.services.clock(), reports_to, display_name, email)
        return {"username": username, "roles": sorted(set(roles)), "reports_to": reports_to}

    def users(self) -> list[dict[str, Any]]:
        return self._run(org.list_users)

    def actor(self, username: str) -> org.Actor:
        return self._run(org.load_actor, username)

    def set_password(self, username: str, password: str) -> None:
        self._run(auth.set_password, username, password)

    def login(self, username: str, password: str) -> org.Actor:
        """Check a password. A failure is counted (and committed) before it is raised."""
        with self.transaction() as session:
            try:
                return auth.authenticate(session, username, password, self.services.clock())
            except auth.LoginFailed as exc:
                failure = exc
        raise failure

    def create_token(self, username: str, label: str = "") -> str:
        return self._run(auth.create_token, username, self.services.clock(), label)

    def actor_for_token(self, token: str) -> org.Actor:
        return self._run(auth.actor_for_token, token)

    # -- definitions -----------------------------------------------------------------------
    def deploy(self, paths: list[Path], by: str = "") -> list[DeployResult]:
        s = self.services
        return self._run(lambda session: deploy(session, paths, s.forms_root, s.codec, s.clock(), by))

    def processes(self, username: str | None = None) -> list[dict[str, Any]]:
        """The latest version of each deployed process (for ``username``: those they may start)."""
        with self.transaction() as session:
            actor = org.load_actor(session, username) if username is not None else None
            keys = session.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)).all()
            result = []
            for key in keys:
                process = self.services.catalog.latest(session, key)
                if actor is not None and not instances.may_start(self.services, process, actor):
                    continue
                result.append({"key": process.key, "version": process.version, "title": process.title,
                               "title_zh": process.title_zh, "start_roles": sorted(process.start_roles),
                               "start_form": process.start_form,
                               "started_by": self.services.started_by_parent.get(key)})
            return result

    # -- instances ---------------------------------------------------------------------------
    def start(self, key: str, username: str, data: Any = None) -> dict[str, Any]:
        return self._run(instances.start_instance, self.services, key, username, data)

    def cancel(self, instance_id: int, username: str, reason: str) -> dict[str, Any]:
        return self._run(instances.cancel_instance, self.services, instance_id, username, reason)

    def instances(self, process_key: str | None = None, started_by: str | None = None,
                  status: str | None = None, limit: int = 200, visible_to: str | None = None,
                  before_id: int | None = None, involving: str | None = None) -> list[dict[str, Any]]:
        """Newest first; ``visible_to`` keeps what that user may see, ``before_id`` pages,
        ``involving`` keeps what others started and that user worked on."""
        return self._run(instances.list_instances, process_key, started_by, limit, status, visible_to, before_id,
                         involving)

    def show(self, instance_id: int, username: str | None = None) -> dict[str, Any]:
        """An instance; with ``username``, only if that user may see it."""
        return self._run(instances.show_instance, instance_id, username)

    def history(self, instance_id: int, username: str | None = None) -> list[dict[str, Any]]:
        return self._run(instances.instance_history, instance_id, username)

    def forms(self, instance_id: int, username: str | None = None) -> dict[str, dict[str, Any]]:
        """The start and task forms of an instance's process version (to label its data)."""
        return self._run(instances.instance_forms, self.services, instance_id, username)

    def verify(self, instance_id: int | None = None) -> tuple[int, list[ChainProblem]]:
        return self._run(verify, instance_id)

    # -- tasks -------------------------------------------------------------------------------
    def tasks(self, username: str, process: str | None = None, text: str | None = None,
              sort: str = "age") -> list[dict[str, Any]]:
        return self._run(tasks.list_tasks, username, process, text, sort)

    def task(self, task_id: int, username: str | None = None) -> dict[str, Any]:
        """A task with form and context; with ``username``, only if that user may see it."""
        return self._run(tasks.show_task, self.services, task_id, username)

    def task_counts(self, username: str) -> dict[str, int]:
        """Open tasks the user holds ("mine") and unclaimed ones of their roles ("team"), uncapped."""
        return self._run(tasks.task_counts, username)

    def add_comment(self, task_id: int, username: str, body: str) -> dict[str, Any]:
        return self._run(tasks.add_comment, self.services, task_id, username, body)

    def comments(self, task_id: int, username: str | None = None) -> list[dict[str, Any]]:
        return self._run(tasks.list_comments, task_id, username)

    def claim(self, task_id: int, username: str) -> dict[str, Any]:
        return self._run(tasks.claim_task, self.services, task_id, username)

    def unclaim(self, task_id: int, username: str) -> dict[str, Any]:
        return self._run(tasks.unclaim_task, self.services, task_id, username)

    def assign(self, task_id: int, to_username: str, username: str) -> dict[str, Any]:
        return self._run(tasks.assign_task, self.services, task_id, to_username, username)

    def complete(self, task_id: int, username: str, data: Any) -> dict[str, Any]:
        try:
            return self._run(tasks.complete_task, self.services, task_id, username, data)
        except ProcessError as exc:
            self._record_failure(exc, username)
            raise

    # -- jobs, schedules, notifications, appraisal cycles ---------------------------------------
    def incidents(self) -> list[dict[str, Any]]:
        return self._run(jobs.list_incidents)

    def retry(self, job_id: int) -> dict[str, Any]:
        return self._run(jobs.retry_incident, job_id, self.services.clock())

    def job_counts(self) -> dict[str, int]:
        return self._run(jobs.job_counts)

    def add_schedule(self, process_key: str, cadence: str, username: str,
                     data: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._run(schedules.add_schedule, self.services, process_key, cadence, username, data,
                         self.services.clock())

    def schedules(self) -> list[dict[str, Any]]:
        return self._run(schedules.list_schedules)

    def remove_schedule(self, schedule_id: int) -> None:
        self._run(schedules.remove_schedule, schedule_id)

    def notifications(self, username: str, unread_only: bool = False) -> list[dict[str, Any]]:
        return self._run(notifications.list_notifications, username, unread_only)

    def unread_count(self, username: str) -> int:
        return self._run(notifications.unread_count, username)

    def open_notification(self, username: str, notification_id: int) -> dict[str, Any]:
        """A notification of the user's, marked read as it is opened."""
        return self._run(notifications.open_notification, username, notification_id, self.services.clock())

    def mark_read(self, username: str, notification_id: int | None = None) -> int:
        return self._run(notifications.mark_read, username, self.services.clock(), notification_id)

    def may_see_dashboard(self, username: str) -> bool:
        """Directors and managers (and auditors) follow appraisal cycles."""
        return bool(self.actor(username).roles & appraisal.DASHBOARD_ROLES)

    def _require_dashboard(self, session: Session, username: str | None) -> None:
        if username is not None and not org.load_actor(session, username).roles & appraisal.DASHBOARD_ROLES:
            raise NotAllowed(f"{username} may not see the cycle dashboard")

    def cycles(self, username: str | None = None) -> list[dict[str, Any]]:
        """Appraisal cycles, newest first; with ``username``, for those who may see the dashboard."""
        with self.transaction() as session:
            self._require_dashboard(session, username)
            return appraisal.list_cycles(session)

    def cycle_dashboard(self, period: str, username: str | None = None) -> dict[str, Any]:
        """Stages, overdue steps and grades of a cycle; with ``username``, for managers and directors."""
        with self.transaction() as session:
            self._require_dashboard(session, username)
            return appraisal.cycle_dashboard(session, period, self.services.clock())

    def _record_failure(self, exc: ProcessError, username: str) -> None:
        """Put a model failure on the record; the instance itself stays as it was."""
        instance_id = getattr(exc, "instance_id", None)
        if instance_id is None:
            return
        try:
            with self.transaction() as session:
                instance = session.get(ProcessInstance, instance_id)
                if instance is not None:
                    save_step(session, instance, self.services.clock(), [PendingEvent(
                        "error", username, getattr(exc, "task_name", None), payload={"message": exc.message})])
        except Conflict:
            log.warning("could not record the failure of instance %s: it changed meanwhile", instance_id)


def script_helpers(clock: Clock) -> dict[str, Callable[..., Any]]:
    """Functions a process's scripts may call, besides the sandbox's builtins."""

    def working_deadline(window: str) -> str:
        """Now plus an ISO-8601 duration whose days are working days, as ISO text."""
        return calendar.deadline(clock(), window).isoformat()

    return {"working_deadline": working_deadline}


def build_engine(
    url: str | None = None, clock: Clock = utc_now, project_root: Path = PROJECT_ROOT,
    script_time_limit: float = 1.0, mailer: SmtpMailer | None = None, **engine_kwargs: Any,
) -> Engine:
    """Assemble the engine with its collaborators; the CLI and the web app both call this.

    E-mail goes out through ``mailer`` or, if None, the one ``OPSFLOW_SMTP_*`` configures.
    Working days follow the package's holiday data and the operator's ``data/calendar.json``.

    :raise calendar.CalendarFileInvalid: when that file cannot be used (named in the message).
    """
    calendar.load_calendar_file(project_root / "data" / "calendar.json")
    codec = StateCodec()
    helpers = script_helpers(clock)
    services = Services(
        codec=codec, catalog=DefinitionCatalog(codec),
        runner=WorkflowRunner(codec, lambda: make_script_engine(script_time_limit, helpers)),
        clock=clock, forms_root=project_root / "forms", processes_root=project_root / "processes",
        data_root=project_root / "data", mailer=mailer or SmtpMailer.from_env(),
        start_hooks={appraisal.CYCLE_PROCESS: appraisal.open_cycle},
        started_by_parent={appraisal.APPRAISAL_PROCESS: appraisal.CYCLE_PROCESS},
        complete_hooks={(appraisal.CYCLE_PROCESS, appraisal.CLOSE_STEP): appraisal.close_cycle,
                        (appraisal.APPRAISAL_PROCESS, "calibration"): appraisal.require_another_grade,
                        (appraisal.APPRAISAL_PROCESS, "objection_review"): appraisal.require_another_grade},
    )
    db = make_engine(url, **engine_kwargs)
    return Engine(db, make_session_factory(db), services)


__all__ = ["Engine", "build_engine", "script_helpers"]
