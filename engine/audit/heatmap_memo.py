"""Heatmaps kept for a while: one over 100,000 instances reads about a million events (seconds).

The heatmap page asks for its numbers twice (the page, then its diagram), and auditors come back to it.
A heatmap is kept per version and viewer and given again while it is young (``FRESH``), or while nothing
it depends on has moved: no history event written since (any instance) and the directory unchanged (who
may audit what) — up to ``LONGEST``. Each node keeps its own; nothing here is ever written to the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import HistoryEvent
from ..org.directory import read_revision
from .views import Heatmap

FRESH = timedelta(seconds=60)  # the page and its diagram, a reload: the same numbers without asking
LONGEST = timedelta(hours=1)  # even with nothing new (the working calendar may have changed)
KEPT = 64  # heatmaps per node


def state_mark(session: Session) -> tuple[int, int]:
    """What a heatmap depends on, in two index lookups: the newest history event and the directory revision."""
    newest = session.scalar(select(func.max(HistoryEvent.id))) or 0
    return int(newest), int(read_revision(session) or 0)


@dataclass(frozen=True)
class _Kept:
    mark: tuple[int, int]
    at: datetime
    numbers: Heatmap


class HeatmapMemo:
    """The heatmaps this node worked out lately, by (definition id, viewer)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[int, str], _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, key: tuple[int, str], mark: tuple[int, int], now: datetime) -> Heatmap | None:
        with self._lock:
            kept = self._kept.get(key)
        if kept is None:
            return None
        age = now - kept.at
        if age < FRESH or (kept.mark == mark and age < LONGEST):
            return kept.numbers.copy()
        return None

    def keep(self, key: tuple[int, str], mark: tuple[int, int], now: datetime, numbers: Heatmap) -> None:
        with self._lock:
            self._kept[key] = _Kept(mark, now, numbers.copy())
            self._kept.move_to_end(key)
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
