"""Conformance replays a timer where the history says it fired: the appraisal's self-assessment window closing
it as not submitted fits its model; a history that says a timer closed a step the model has no timer on deviates."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select, update

from engine.audit.xes import LogFilter
from engine.models import HistoryEvent
from engine.scheduling.worker import Worker
from tests.appraisal_steps import open_cycle, task_of
from tests.journey import OPERATOR
from tests.packs.moved_timers import timers_follow


def test_a_fired_timer_replays_and_a_timer_on_the_wrong_step_deviates(demo, clock, monkeypatch):
    timers_follow(clock, monkeypatch)
    open_cycle(demo, self_assessment_window="P2D")
    Worker(demo.core).run_once()  # the cycle opens its appraisals
    task = task_of(demo, "wu.fang", "self_assessment", "wu.fang")
    clock.now = datetime.fromisoformat(task["due_at"]) + timedelta(minutes=5)
    assert Worker(demo.core).run_once().incidents == 0
    task_of(demo, "wang.lei", "manager_scoring", "wu.fang")
    verdicts = demo.audit.conformance(OPERATOR, LogFilter("appraisal"))
    assert verdicts and all(v.fits for v in verdicts), [v.deviation for v in verdicts if not v.fits]
    with demo.core.transaction() as session:  # the history now says the timer closed another step
        event = session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == task["instance_id"],
                                                           HistoryEvent.kind == "task_expired")).one()
        session.execute(update(HistoryEvent).where(HistoryEvent.id == event.id).values(task_name="manager_scoring"))
    [verdict] = [v for v in demo.audit.conformance(OPERATOR, LogFilter("appraisal"))
                 if v.instance_id == task["instance_id"]]
    assert verdict.fits is False and "no timer waiting on manager_scoring" in (verdict.deviation or "")
    assert json.loads(event.payload_json)["reason"] == "deadline passed"
