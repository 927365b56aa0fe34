"""Form data and helpers for appraisal tests."""

from __future__ import annotations

import time
from typing import Any

from engine.facade import Engine
from engine.org.people import Person
from engine.runtime.views import Started, Task

CRITERIA = ("goals", "quality", "teamwork", "innovation")


def scores(goals: int, quality: int, teamwork: int, innovation: int, note: str = "ok") -> dict[str, Any]:
    values = dict(zip(CRITERIA, (goals, quality, teamwork, innovation), strict=True))
    data: dict[str, Any] = {}
    for key, value in values.items():
        data[key] = value
        data[f"{key}_comment"] = f"{note}: {key}"
    return data


def self_assessment(*values: int) -> dict[str, Any]:
    return {**scores(*values), "achievements": "Launched the WeChat channel"}


def open_cycle(engine: Engine, period: str = "2026-Q4", **windows: str) -> Started:
    return engine.work.start(Person("chen.yu"), "appraisal_cycle", {"period": period, "period_type": "quarterly",
                                                                    **windows})


def task_of(engine: Engine, username: str, name: str, employee: str) -> Task:
    found = [t for t in engine.work.tasks(Person(username))
             if t["name"] == name and f"({employee})" in t["instance_title"]]
    assert len(found) == 1, (username, name, employee, engine.work.tasks(Person(username)))
    return found[0]


def wait_until_past(due_at: str) -> None:
    from datetime import UTC, datetime

    due = datetime.fromisoformat(due_at.replace("Z", "+00:00"))
    delay = (due - datetime.now(UTC)).total_seconds()
    if delay > 0:
        time.sleep(delay + 0.2)
