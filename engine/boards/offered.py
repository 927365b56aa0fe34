"""Which boards someone is offered: a board's process is deployed, and they may see one of its instances or
hold a role that starts it or works on one of its steps (or an oversight role).

Every page's navigation asks this, so each node keeps the answer per viewer (``OfferedBoards``): while the
directory stays (its revision moves with any change of people, roles or deployed processes) and for at most
``RECHECK`` seconds, since an instance can come into someone's view at any time (a start, a copy, a transfer)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..definitions.catalog import DefinitionCatalog
from ..models import ProcessInstance
from ..org.directory import Directory
from ..org.people import Actor
from ..org.rights import Right, holds, visible_condition

RECHECK = timedelta(seconds=60)  # the longest a board offered (or not) by the instances its viewer sees is kept
MAX_KEPT = 10_000  # viewers kept at most; past it the memo starts again


def offered_boards(session: Session, catalog: DefinitionCatalog, directory: Directory, viewer: Actor,
                   keys: tuple[str, ...]) -> tuple[str, ...]:
    """The ``keys`` whose boards ``viewer`` is offered, in their order (the deployed versions from the directory;
    one query when some are offered only if the viewer may see one of their instances)."""
    offered = []
    unseen = []
    for key in keys:
        shown = directory.processes.get(key)
        if shown is None:
            continue
        process = catalog.version(session, key, int(shown["version"]))
        roles = set(process.start_roles) | {t.lane for t in process.tasks.values()}
        if holds(viewer, Right.SEE_INSTANCE) or viewer.has_any_role(roles):
            offered.append(key)
        else:
            unseen.append(key)
    if unseen:  # one query for the rest: may they see an instance of it?
        seen = set(session.scalars(select(ProcessInstance.process_key).where(
            ProcessInstance.process_key.in_(unseen), visible_condition(session, viewer)).distinct()))
        offered += [key for key in unseen if key in seen]
    return tuple(key for key in keys if key in offered)


@dataclass(frozen=True, slots=True)
class _Kept:
    directory: Directory
    at: datetime
    keys: tuple[str, ...]


class OfferedBoards:
    """Each viewer's offered boards, as ``offered_boards`` answers, kept on this node (see the module's note)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, tuple[str, ...]], _Kept] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, catalog: DefinitionCatalog, directory: Directory, viewer: Actor,
            keys: tuple[str, ...], now: datetime) -> tuple[str, ...]:
        """The boards ``viewer`` is offered, as of ``now`` (the engine's clock)."""
        slot = (viewer.username, keys)
        kept = self._kept.get(slot)
        now = aware_utc(now)
        if kept is not None and kept.directory is directory and now - RECHECK < kept.at <= now:
            return kept.keys
        found = offered_boards(session, catalog, directory, viewer, keys)
        with self._lock:
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[slot] = _Kept(directory, now, found)
        return found
