"""The composition root: the one place that builds an engine and owns its state.

The CLI, the web app, the worker and the tests all call ``build_engine``; nothing else creates
a calendar, a catalog or a script engine, and no module keeps state of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from .. import calendar_store
from ..appraisal import cycles
from ..calendar import EnteredDays, WorkingCalendar
from ..clock import Clock, utc_now
from ..db import PROJECT_ROOT, make_engine, make_session_factory, reading
from ..definitions.catalog import DefinitionCatalog
from ..definitions.sandbox import make_script_engine
from ..definitions.spec_codec import SpecCodec
from ..history.checkpoints import CheckpointSettings
from ..org import people
from ..runtime.collaborators import Collaborators, LetterSettings, Mailer
from ..runtime.execution import WorkflowRunner
from ..runtime.hooks import ProcessHooks
from ..runtime.state import StateCodec
from ..scheduling.mailer import SmtpMailer
from .engine import Engine

# The process domains that plug into the runtime; each registers its own hooks.
DOMAINS = (cycles.register,)


def script_helpers(clock: Clock, calendar: WorkingCalendar,
                   session_factory: sessionmaker[Session] | None = None) -> dict[str, Callable[..., Any]]:
    """Functions a process's scripts may call, besides the sandbox's builtins: a working-day deadline and,
    with a database, the organisation (a countersign's people: a role's holders, someone's manager)."""

    def working_deadline(window: str) -> str:
        """Now plus an ISO-8601 duration whose days are working days, as ISO text."""
        return calendar.deadline(clock(), window).isoformat()

    helpers: dict[str, Callable[..., Any]] = {"working_deadline": working_deadline}
    if session_factory is None:
        return helpers

    def role_holders(role: str) -> list[str]:
        """The usernames of the active holders of ``role``, in order."""
        with reading(session_factory) as session:
            return people.role_holders(session, str(role))

    def manager_of(username: str) -> str:
        """Whom ``username`` reports to ('' for nobody)."""
        with reading(session_factory) as session:
            return people.manager_of(session, str(username))

    return {**helpers, "role_holders": role_holders, "manager_of": manager_of}


def build_engine(
    url: str | None = None, clock: Clock = utc_now, project_root: Path = PROJECT_ROOT,
    script_time_limit: float = 1.0, mailer: Mailer | None = None,
    checkpoints: CheckpointSettings | None = None, letters: LetterSettings | None = None, **engine_kwargs: Any,
) -> Engine:
    """Assemble the engine with its collaborators.

    E-mail goes out through ``mailer`` or, if None, the one ``OPSFLOW_SMTP_*`` configures; its links and
    dates follow ``letters`` or, if None, ``OPSFLOW_BASE_URL`` and ``OPSFLOW_TIMEZONE``.
    Working days follow the package's holiday data and the days operators entered in the database.
    Checkpoints go where ``checkpoints`` says or, if None, ``OPSFLOW_CHECKPOINT_DIR`` and
    ``OPSFLOW_SIGNING_KEY`` (default ``instance/checkpoints/`` and ``instance/signing_key``).
    """
    db = make_engine(url, **engine_kwargs)
    session_factory = make_session_factory(db)

    def entered_days() -> EnteredDays:
        with reading(session_factory) as session:
            return calendar_store.entered_days(session)

    calendar = WorkingCalendar(source=entered_days)
    specs = SpecCodec()
    codec = StateCodec()
    helpers = script_helpers(clock, calendar, session_factory)
    hooks = ProcessHooks()
    for register in DOMAINS:
        register(hooks)
    collaborators = Collaborators(
        specs=specs, codec=codec, catalog=DefinitionCatalog(specs),
        runner=WorkflowRunner(codec, lambda: make_script_engine(script_time_limit, helpers)),
        clock=clock, calendar=calendar, forms_root=project_root / "forms",
        processes_root=project_root / "processes", data_root=project_root / "data",
        packs_root=project_root / "packs", hooks=hooks,
        mailer=mailer or SmtpMailer.from_env(), letters=letters or LetterSettings.from_env(),
        checkpoints=checkpoints or CheckpointSettings.from_env(project_root / "instance"),
    )
    return Engine(db, session_factory, collaborators)
