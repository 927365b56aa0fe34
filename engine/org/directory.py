"""What every page reads and rarely changes (the people, the deployed processes), kept between requests.

A copy is kept with the database's directory revision at the time it was read; each use reads that
one number (a one-row table that triggers move on any change to users, roles and definitions, made
by any node or tool, see migration 0013) and reads the rest again only when it has moved. Readers
must treat what they get as read-only: it is shared by every request of the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import DirectoryRevision
from .people import Actor
from .views import DirectoryPerson, RoleTitle


@dataclass(frozen=True)
class Directory:
    people: dict[str, DirectoryPerson]  # every user by username, with roles and manager
    processes: dict[str, dict[str, Any]]  # the latest version of every deployed process by key
    actors: dict[str, Actor] = field(default_factory=dict)  # the active users, as use cases run for them
    relationship_roles: frozenset[str] = frozenset()  # roles resolved per instance (never granted)
    role_titles: dict[str, RoleTitle] = field(default_factory=dict)  # every role's title in both languages


def read_revision(session: Session) -> int | None:
    """The directory's revision (database triggers move it on any change of people, roles or processes)."""
    return session.scalar(select(DirectoryRevision.revision).where(DirectoryRevision.id == 1))


class DirectoryCache:
    def __init__(self, load: Callable[[Session], Directory]) -> None:
        self._load = load
        self._kept: tuple[int, Directory] | None = None
        self._lock = threading.Lock()

    def get(self, session: Session) -> Directory:
        """The directory as of ``session``'s view of the database (one small read when nothing changed)."""
        revision = read_revision(session)
        kept = self._kept
        if revision is not None and kept is not None and kept[0] == revision:
            return kept[1]
        directory = self._load(session)  # read after the revision: never older than the number kept with it
        if revision is not None:
            with self._lock:
                self._kept = (revision, directory)
        return directory
