"""Steps the packs' scenario tests share: start a request, do a step, run the worker's due jobs, check the log."""

from __future__ import annotations

from typing import Any

from engine.audit.xes import LogFilter
from engine.facade import Engine
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.journey import OPERATOR, only_task


def start(engine: Engine, username: str, key: str, data: dict[str, Any]) -> int:
    return int(engine.work.start(Person(username), key, data).id)


def act(engine: Engine, username: str, name: str, instance_id: int, data: dict[str, Any]) -> list[str]:
    """Complete ``username``'s one open ``name`` task of the instance; the tasks it opened."""
    task = only_task(engine, username, name, instance_id)
    return list(engine.work.complete(Person(username), task["id"], data)["next_tasks"])


def open_steps(engine: Engine, instance_id: int) -> list[tuple[str, str | None]]:
    """(step, holder) of each open task of the instance."""
    return sorted((t["name"], t.get("assignee")) for t in engine.work.show(OPERATOR, instance_id)["open_tasks"])


def ended(engine: Engine, instance_id: int) -> tuple[str, str | None]:
    shown = engine.work.show(OPERATOR, instance_id)
    return shown["status"], shown["end_event"]


def run_worker(engine: Engine) -> None:
    Worker(engine.core).run_once()


def notified(engine: Engine, username: str, kind: str) -> list[str]:
    return [n.subject for n in engine.work.notifications(Person(username)) if n.kind == kind]


def conformance_and_xes(engine: Engine, key: str, instances: int) -> str:
    """Every instance of ``key`` fits its model, and the XES log holds each of them; the log."""
    verdicts = engine.audit.conformance(OPERATOR, LogFilter(key))
    assert len(verdicts) == instances and all(v.fits for v in verdicts), [v.deviation for v in verdicts]
    xes = "".join(engine.audit.xes_log(OPERATOR, LogFilter(key)))
    assert xes.count("<trace>") == instances
    return xes
