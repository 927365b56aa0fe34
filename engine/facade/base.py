"""What every part of the facade shares: the database, the collaborators, one transaction per use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

from .. import db
from ..org.directory import Directory, DirectoryCache
from ..runtime.collaborators import Collaborators

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class EngineBase:
    def __init__(self, database: DbEngine, session_factory: sessionmaker[Session],
                 collaborators: Collaborators) -> None:
        self.db = database
        self.session_factory = session_factory
        self.collaborators = collaborators
        self.directory_cache = DirectoryCache(self._read_directory)

    def directory(self) -> Directory:
        """Everyone (with roles and manager) and every deployed process, as of now: kept between calls
        until a user, role or definition changes (read-only: shared by all callers)."""
        with self.reading() as session:
            return self.directory_cache.get(session)

    def _read_directory(self, session: Session) -> Directory:
        raise NotImplementedError  # the definitions' use cases know how

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case: it commits at the end or leaves nothing (see ``engine.db.transaction``)."""
        with db.transaction(self.session_factory) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One use case that only reads: no commit at its end."""
        with db.reading(self.session_factory) as session:
            yield session
