"""What the scenario tests of the dispatch, shift-handover, gas-leak and activity-filing packs share: a fixed
working Monday on the clock, the worker's due jobs, the notifications someone received, and the pack's history
checked by conformance and exported as XES."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from engine.audit.conformance import Verdict
from engine.audit.xes import LogFilter
from engine.facade import Engine
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.clocks import FakeClock
from tests.journey import OPERATOR
from tests.paths import REPO

# Monday 1 March 2027, 09:00 in China: a working day far from holidays, so working-day windows are plain.
MONDAY_MORNING = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
AUDITOR = Person("he.ping")
XES = "{http://www.xes-standard.org/}"
XES_SCHEMA = etree.XMLSchema(etree.parse(str(REPO / "tests" / "fixtures" / "xes" / "ieee-1849-2016.xsd")))
FOLLOW_UPS = ("reminder", "overdue", "escalation")


def on_monday(clock: FakeClock) -> None:
    clock.now = MONDAY_MORNING


def run_due_jobs(engine: Engine) -> int:
    """Run the worker once over the jobs now due; how many it did."""
    report = Worker(engine.core).run_once()
    assert report.incidents == 0, report
    return int(report.done)


def follow_ups(engine: Engine, username: str, instance_id: int | None = None) -> list[str]:
    """The reminders, overdue notices and escalations ``username`` received (about ``instance_id``), sorted."""
    return sorted(n.kind for n in engine.work.notifications(Person(username))
                  if n.kind in FOLLOW_UPS and (instance_id is None or n.instance_id == instance_id))


def task_of(engine: Engine, username: str, name: str, instance_id: int) -> dict[str, Any]:
    [task] = [t for t in engine.work.tasks(Person(username)) if t["name"] == name and t["instance_id"] == instance_id]
    return dict(task)


def verdicts(engine: Engine, key: str) -> dict[int, Verdict]:
    """Each instance of ``key`` replayed against its model, by instance."""
    return {v.instance_id: v for v in engine.audit.conformance(AUDITOR, LogFilter(key))}


def xes_traces(engine: Engine, key: str) -> list[list[str]]:
    """The XES log of ``key`` (checked against IEEE 1849-2016): each trace's user steps done (by element id), in
    order: its ``complete`` events less the automatic steps."""
    text = "".join(engine.audit.xes_log(AUDITOR, LogFilter(key, label="id"))).encode("utf-8")
    document = etree.parse(io.BytesIO(text))
    XES_SCHEMA.assertValid(document)
    traces = []
    for trace in document.getroot().iter(f"{XES}trace"):
        names = [a.get("value") for event in trace.iter(f"{XES}event")
                 if {(a.get("key"), a.get("value")) for a in event} >= {("lifecycle:transition", "complete")}
                 and not any(a.get("key") == "opsflow:automatic" for a in event)
                 for a in event if a.get("key") == "concept:name"]
        traces.append([str(n) for n in names])
    return traces


def status(engine: Engine, instance_id: int) -> tuple[str, str | None]:
    shown = engine.work.show(OPERATOR, instance_id)
    return shown["status"], shown["end_event"]
