"""Where the time of an Engine call goes: cProfile shares by code location, and the database's time
without a profiler (for bench/durable_limit.py; not a benchmark itself).

``breakdown`` gives each function's own time to a share by where its code lives (the driver's commit
and statements, SQLAlchemy, SpiffWorkflow, the state codec, history hashing, step recording, form
validation, other engine code). Standard-library and built-in helpers have no share of their own:
their time goes to their callers' shares, in proportion to the time each caller spent in them.
``DbClock`` measures commits and statements with SQLAlchemy's events, without a profiler.
"""

from __future__ import annotations

import pstats
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from engine.facade import Engine

SHARES = ["DB commit (driver)", "DB statements (driver)", "SQLAlchemy (Python side)", "SpiffWorkflow (running)",
          "state codec (load, prune, dump)", "history hashing", "step recording (tasks, jobs, notifications)",
          "form validation (jsonschema)", "other engine code", "other"]
HISTORY_FOLDER = "/engine/history/"  # the log: encoding, hash chain, sequencing
RECORDING = ("step_writer.py", "step_plan.py", "outbox.py", "notifications.py", "jobs.py", "calendar.py")
Func = tuple[str, int, str]
CUMULATIVE = [("step_writer.py", "write_step"), ("step_plan.py", "plan_tasks"), ("execution.py", "load"),
              ("execution.py", "advance"), ("forms.py", "validate_form"), ("org.py", "load_actor")]


def share_of(func: Func, engine_root: str) -> str | None:
    """The share a function's own time belongs to, or None: it counts for its callers."""
    path, _line, name = func
    path = path.replace("\\", "/")
    if path == "~":
        if "sqlite3.Connection" in name and "commit" in name:
            return SHARES[0]
        if "sqlite3.Cursor" in name or "sqlite3.Connection" in name:
            return SHARES[1]
        return None
    if "/psycopg/" in path:
        return SHARES[0] if name == "commit" and path.endswith("connection.py") else "driver*"
    if "/sqlalchemy/" in path:
        return SHARES[2]
    if "/SpiffWorkflow/" in path:
        return SHARES[4] if "/serializer/" in path else SHARES[3]
    if "/jsonschema" in path or "/referencing/" in path or "/rpds" in path:
        return SHARES[7]
    if path.startswith(engine_root):
        file = path.rsplit("/", 1)[-1]
        if file == "state.py":
            return SHARES[4]
        if HISTORY_FOLDER in path:
            return SHARES[5]
        if file in RECORDING:
            return SHARES[6]
        if file == "forms.py":
            return SHARES[7]
        return SHARES[8]
    return None


def breakdown(stats: pstats.Stats, engine_root: str) -> dict[str, float]:
    """Seconds per share: own time by location; helpers inherit their callers' mix, weighted by time."""
    table: dict[Func, Any] = stats.stats  # (calls, primitive calls, own time, cumulative, callers)
    memo: dict[Func, dict[str, float]] = {}

    def mix(func: Func, seen: frozenset[Func]) -> dict[str, float]:
        if func in memo:
            return memo[func]
        own = share_of(func, engine_root)
        if own is not None and own != "driver*":
            result = {own: 1.0}
        else:
            callers = table[func][4] if func in table else {}
            weights: dict[str, float] = {}
            total = 0.0
            for caller, edge in callers.items():
                if caller in seen:
                    continue
                for share, part in mix(caller, seen | {func}).items():
                    weights[share] = weights.get(share, 0.0) + part * edge[3]
                total += edge[3]
            result = {k: v / total for k, v in weights.items()} if total else {SHARES[-1]: 1.0}
            if own == "driver*":  # psycopg's internals: the commit's, or else the statements'
                commit = result.get(SHARES[0], 0.0)
                result = {SHARES[0]: commit, SHARES[1]: 1.0 - commit} if commit else {SHARES[1]: 1.0}
        memo[func] = result
        return result

    seconds = dict.fromkeys(SHARES, 0.0)
    for func, (_cc, _nc, own_time, _cum, _callers) in table.items():
        for share, part in mix(func, frozenset()).items():
            seconds[share] += own_time * part
    return seconds


class DbClock:
    """Unprofiled time in the driver: commits (the engine's commit event to the session's after_commit)
    and statements (before to after cursor execute), measured with SQLAlchemy's events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.commit = self.statements = 0.0
        self._t = 0.0
        self.hooks: list[tuple[Any, str, Callable[..., None]]] = [
            (engine.db, "commit", self._commit_begins), (engine.core.session_factory, "after_commit", self._done),
            (engine.db, "before_cursor_execute", self._before), (engine.db, "after_cursor_execute", self._after)]
        for target, name, fn in self.hooks:
            event.listen(target, name, fn)

    def _commit_begins(self, conn: Any) -> None:
        self._t = time.perf_counter()

    def _done(self, session: Any) -> None:
        self.commit += time.perf_counter() - self._t

    def _before(self, *args: Any) -> None:
        self._t = time.perf_counter()

    def _after(self, *args: Any) -> None:
        self.statements += time.perf_counter() - self._t

    def close(self) -> None:
        for target, name, fn in self.hooks:
            event.remove(target, name, fn)
