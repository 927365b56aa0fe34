"""What every area of the facade shares: the database, one transaction per use case, the collaborators.

``Core`` owns the per-node state (the directory cache, the heatmap memo); each area (``work``, ``audit``,
...) is a small object over it (``Area``) that opens one transaction per use case, finds who acts
(``acting``) and calls the use case, which asks the rights.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine as DbEngine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .. import db, models
from ..audit import heat_kept
from ..audit.heatmap_memo import HeatmapMemo
from ..boards.offered import OfferedBoards
from ..definitions.catalog import DeployedProcess
from ..errors import Conflict, ProcessError, SeparationOfDuties, Unavailable
from ..history.log import PendingEvent
from ..org.directory import Directory, DirectoryCache
from ..org.people import ACTORS, RELATIONSHIP_ROLES, Person, read_people, read_relationship_roles
from ..org.token_cache import TokenCache
from ..org.views import RoleTitle
from ..runtime import request_keys, separation
from ..runtime.collaborators import Collaborators
from ..runtime.request_keys import RequestKey
from ..runtime.step_writer import Step, write_step
from ..runtime.views import ProcessDefinition

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DIRECTORY = "directory"  # what a shared read session remembers of the directory cache
# The core and session of the innermost ``Core.reads_together`` of this thread or task.
_shared_reading: ContextVar[tuple[Core, Session] | None] = ContextVar("opsflow_shared_reading", default=None)


def latest_processes(session: Session,
                     collaborators: Collaborators) -> list[tuple[DeployedProcess, ProcessDefinition]]:
    """The latest version of each deployed process, with what lists show of it, by key."""
    c = collaborators
    key_column = models.ProcessDefinition.key
    keys = session.scalars(select(key_column).distinct().order_by(key_column)).all()
    result: list[tuple[DeployedProcess, ProcessDefinition]] = []
    for key in keys:
        process = c.catalog.latest(session, key)
        result.append((process, {"key": process.key, "version": process.version, "title": process.title,
                                 "title_zh": process.title_zh, "start_roles": sorted(process.start_roles),
                                 "start_form": process.start_form, "started_by": c.hooks.started_by_parent.get(key)}))
    return result


def read_directory(session: Session, collaborators: Collaborators) -> Directory:
    """Everyone and every deployed process, read anew (what ``DirectoryCache`` keeps)."""
    people, actors = read_people(session)
    return Directory(people={u.username: u for u in people},
                     processes={shown["key"]: dict(shown) for _, shown in latest_processes(session, collaborators)},
                     actors=actors, relationship_roles=read_relationship_roles(session),
                     role_titles={key: RoleTitle(title, title_zh) for key, title, title_zh
                                  in session.execute(select(models.Role.key, models.Role.title, models.Role.title_zh))})


class Core:
    """The database and its sessions, the collaborators, and what this node keeps between use cases."""

    def __init__(self, database: DbEngine, session_factory: sessionmaker[Session],
                 collaborators: Collaborators) -> None:
        self.db = database
        self.session_factory = session_factory
        self.collaborators = collaborators
        self.directory_cache = DirectoryCache(lambda session: read_directory(session, collaborators))
        self.heatmaps = HeatmapMemo()
        self.token_cache = TokenCache()  # API tokens' actors, while the directory revision stays
        self.offered_boards = OfferedBoards()  # each viewer's boards for the navigation (engine.boards.offered)
        self.write_refused: tuple[float, str] | None = None  # when (monotonic) and why a write was last refused

    def directory(self) -> Directory:
        """Everyone (with roles and manager) and every deployed process, as of now: kept between calls
        until a user, role or definition changes (read-only: shared by all callers)."""
        with self.reading() as session:
            return self.directory_of(session)

    @contextmanager
    def transaction(self, request_key: RequestKey | None = None) -> Iterator[Session]:
        """One use case: it commits at the end or leaves nothing (see ``engine.db.transaction``); with a
        ``request_key``, the key is held in the same transaction (``engine.runtime.request_keys``).

        A write the database refused (read-only, full) is remembered for a while (``refused_writes``)."""
        try:
            with db.transaction(self.session_factory) as session:
                yield session
                if request_key is not None:
                    request_keys.hold(session, request_key, self.collaborators.clock())
        except Unavailable as exc:
            self.write_refused = (time.monotonic(), exc.reason)
            raise
        self.write_refused = None

    @contextmanager
    def refusals_recorded(self, by: Person) -> Iterator[None]:
        """Around a use case: a separation-of-duties refusal inside it is put on the record, then raised."""
        try:
            yield
        except SeparationOfDuties as exc:
            self.record_refusal(exc, by.username)
            raise

    def record_refusal(self, exc: SeparationOfDuties, username: str) -> None:
        """Put an attempt that separation of duties refused on its request's record (``separation_refused``, by
        ``username``, naming the person kept away and the rule's step), after the refused transaction left
        nothing: auditors see attempts, not only exceptions. The task stays as it was."""
        try:
            with self.transaction() as session:
                task = session.get(models.HumanTask, exc.task_id)
                instance = session.get(models.ProcessInstance, task.instance_id) if task is not None else None
                if task is not None and instance is not None:
                    event = PendingEvent(separation.REFUSED, username, task.name, task.id,
                                         payload={"person": exc.username, "other_step": exc.other[0]})
                    write_step(session, self.collaborators, Step(instance, [event]), self.collaborators.clock())
        except Conflict:
            log.warning("could not record the refusal on task %s: its request changed meanwhile", exc.task_id)

    def record_failure(self, exc: ProcessError, username: str) -> None:
        """Put a model failure met by ``username`` on its instance's record; the instance stays as it was."""
        if exc.instance_id is None:
            return
        try:
            with self.transaction() as session:
                instance = session.get(models.ProcessInstance, exc.instance_id)
                if instance is not None:
                    event = PendingEvent("error", username, exc.task_name, payload={"message": exc.message})
                    write_step(session, self.collaborators, Step(instance, [event]), self.collaborators.clock())
        except Conflict:
            log.warning("could not record the failure of instance %s: it changed meanwhile", exc.instance_id)

    def refused_writes(self) -> str | None:
        """Why this node's last write was refused, if it was within the last ``Unavailable`` retry period
        (a full disk shows only when something is written: the health check cannot try it)."""
        refused = self.write_refused
        if refused is None or time.monotonic() - refused[0] > Unavailable(refused[1]).retry_after:
            return None
        return refused[1]

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One use case that only reads: no commit at its end (inside ``reads_together``, its session)."""
        shared = _shared_reading.get()
        if shared is not None and shared[0] is self:
            try:
                self._start_from_directory(shared[1])
                yield shared[1]
            except BaseException:
                shared[1].rollback()  # a failed statement must not spoil the reads after it
                raise
            return
        with db.reading(self.session_factory) as session:
            yield session

    @contextmanager
    def reads_together(self) -> Iterator[None]:
        """The read-only use cases inside share one session: one connection, the directory read once
        and the people and relationship roles taken from it (a page's lists, counts and navigation;
        on PostgreSQL each statement is a round trip). Use cases that write keep their own."""
        if _shared_reading.get() is not None:
            yield
            return
        with db.reading(self.session_factory) as session:
            token = _shared_reading.set((self, session))
            try:
                yield
            finally:
                _shared_reading.reset(token)

    def refresh_statistics(self) -> None:
        """Let the query planner see how the tables have grown (the worker does this hourly)."""
        db.refresh_statistics(self.db)

    def keep_heatmaps(self, limit: int = heat_kept.BATCH) -> int:
        """Bring the kept heatmap parts up to date (``heat_kept``), ``limit`` instances per transaction; how many
        were worked out. The worker calls it every few seconds; a look is exact either way."""
        calendar, clock = self.collaborators.calendar, self.collaborators.clock
        with self.transaction() as session:
            plan = heat_kept.start_round(session, calendar)
        done, after = 0, 0
        while True:
            with self.transaction() as session:
                count, after = heat_kept.keep(session, calendar, plan, after, limit)
            if count == 0:
                break
            done += count
        with self.transaction() as session:
            heat_kept.end_round(session, plan, clock())
        return done

    def directory_of(self, session: Session) -> Directory:
        """The directory as of ``session`` (a read-only session checks its revision once)."""
        return db.remembered(session, DIRECTORY, lambda: self.directory_cache.get(session))

    def _start_from_directory(self, session: Session) -> None:
        """A shared session's first read: the directory, and who is who from it (no lookup per use case)."""
        if DIRECTORY not in session.info[db.READ_ONLY]:
            directory = self.directory_of(session)
            db.remembered(session, ACTORS, lambda: directory.actors)
            db.remembered(session, RELATIONSHIP_ROLES, lambda: directory.relationship_roles)


class Area:
    """One area of the facade: its use cases, each in one transaction over the shared ``Core``."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.collaborators = core.collaborators
