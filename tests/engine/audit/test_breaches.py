"""Deadline breaches (超时): steps done after their due time, closed unfinished at it or open past it, with how
late and whether they were escalated; found by process, person and due days, and as a filter of the audit
search; only among the instances the looker may audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import InvalidInput, NotAllowed
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.journey import RESEARCH, start_plan, step

AUDITOR = Person("he.ping")


def test_late_and_open_steps_are_listed_with_how_late_and_the_escalation(demo, clock):
    late, open_late = start_plan(demo), start_plan(demo)
    clock.advance(days=9)  # research is due in 5 working days: past it now
    Worker(demo.core, slots=50).run_once()  # the overdue checks: escalated to the holder's manager
    on_time = start_plan(demo)
    step(demo, "wang.lei", "research", on_time, RESEARCH)  # done at once: no breach
    step(demo, "wang.lei", "research", late, RESEARCH)
    found = {b["instance_id"]: b for b in demo.audit.breaches(AUDITOR, {"process": "market_plan"})}
    assert set(found) == {late, open_late}
    done, still = found[late], found[open_late]
    assert (done["state"], done["step"], done["holder"], done["escalated"]) == \
        ("completed", "research", "wang.lei", True)
    assert done["done_at"] is not None and done["late_minutes"] > 0
    assert (still["state"], still["done_at"], still["escalated"]) == ("open", None, True)
    assert still["late_minutes"] >= done["late_minutes"]
    assert done["step_title"] == "Market research report" and done["step_title_zh"] == "市场调研报告"


def test_filters_and_the_audit_search_find_the_same_instances(demo, clock):
    late = start_plan(demo)
    clock.advance(days=9)
    on_time = start_plan(demo)
    assert [b["instance_id"] for b in demo.audit.breaches(AUDITOR, {"person": "zhang.min"})] == []
    today = (clock() + timedelta(hours=8)).date()  # China's date
    assert demo.audit.breaches(AUDITOR, {"from": (today + timedelta(days=1)).isoformat()}) == []
    searched = demo.audit.search(AUDITOR, {"breached": "true"})["items"]
    assert [r["id"] for r in searched] == [late]
    assert on_time in [r["id"] for r in demo.audit.search(AUDITOR, {"breached": "false"})["items"]]
    with pytest.raises(InvalidInput, match="from/to"):
        demo.audit.breaches(AUDITOR, {"from": "yesterday"})
    with pytest.raises(NotAllowed):
        demo.audit.breaches(Person("zhou.jie"), {})


def test_a_director_sees_the_breaches_of_his_department_only(demo, clock):
    mine = start_plan(demo, "li.na")  # li.na reports to chen.yu: his department
    clock.advance(days=9)
    assert [b["instance_id"] for b in demo.audit.breaches(Person("chen.yu"), {})] == [mine]
    assert demo.separation.report(Person("chen.yu"), {}) == []
