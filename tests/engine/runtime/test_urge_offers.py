""""My requests" offers to urge (催办) the open steps of one's own running requests, and says from when a step
urged within the hour may be urged again; not a step one holds oneself, not an ended request (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from engine.clock import utc_iso
from engine.facade import Engine
from engine.org.people import Person
from tests.journey import only_task, research_and_draft, start_plan

LI_NA = Person("li.na")


def test_her_open_steps_are_offered_now_then_from_an_hour_after_the_last_urge(demo: Engine, clock):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    assert demo.work.my_requests(LI_NA).urge == {research: None}
    demo.work.urge(LI_NA, research)
    assert demo.work.my_requests(LI_NA).urge == {research: utc_iso(clock() + timedelta(hours=1))}
    clock.advance(minutes=61)
    assert demo.work.my_requests(LI_NA).urge == {research: None}


def test_a_step_she_holds_herself_and_an_ended_request_are_not_offered(demo: Engine):
    plan = start_plan(demo)
    research_and_draft(demo, plan)
    review = only_task(demo, "li.na", "manager_review", plan)["id"]
    demo.work.claim(LI_NA, review)
    other = start_plan(demo)
    demo.work.withdraw(LI_NA, other, "Not needed")
    assert demo.work.my_requests(LI_NA).urge == {}


def test_only_the_starters_own_list_offers_it(demo: Engine):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    assert research not in demo.work.my_requests(Person("wang.lei")).urge  # he holds it, did not start it
    assert demo.work.my_requests(Person("chen.yu")).urge == {}  # he did not start it either
