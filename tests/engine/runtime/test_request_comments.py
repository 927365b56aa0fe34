"""Comments belong to the request: made on one step, listed on every step; ``@username`` tells that person."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput, NotAllowed
from engine.org.people import Person
from engine.runtime.comments import mentioned
from tests.journey import OPERATOR, RESEARCH, only_task, start_plan, step


def test_a_comment_made_on_one_step_is_listed_on_the_request_with_its_step(engine):
    plan = start_plan(engine)
    research = only_task(engine, "wang.lei", "research", plan)["id"]
    engine.work.add_comment(Person("wang.lei"), research, "Prices from two suppliers attached below")
    step(engine, "wang.lei", "research", plan, RESEARCH)
    draft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    engine.work.add_comment(Person("zhang.min"), draft, "Working on it")
    listed = engine.work.request_comments(Person("zhang.min"), plan)
    assert [(c["step"], c["author"], c["body"]) for c in listed] == [
        ("research", "wang.lei", "Prices from two suppliers attached below"),
        ("draft_plan", "zhang.min", "Working on it")]
    assert [c["body"] for c in engine.work.comments(Person("zhang.min"), draft)] == ["Working on it"]  # the task's own
    with pytest.raises(NotAllowed):
        engine.work.request_comments(Person("zhou.jie"), plan)  # staff see none of a plan


def test_a_mention_tells_that_person_once_and_is_on_the_record(engine):
    plan = start_plan(engine)
    research = only_task(engine, "wang.lei", "research", plan)["id"]
    before = len(engine.work.notifications(Person("li.na")))
    engine.work.add_comment(Person("wang.lei"), research,
                            "请@li.na看一下预算，also @li.na again, @nobody.here and mail me at x@wang.lei.example")
    told = [n for n in engine.work.notifications(Person("li.na")) if n.kind == "mention"]
    assert len(told) == 1 and len(engine.work.notifications(Person("li.na"))) == before + 1
    assert told[0].task_id == research and told[0].instance_id == plan and "请@li.na看一下预算" in told[0].body
    assert "mentioned you" in told[0].subject and "提到了你" in told[0].subject
    assert not [n for n in engine.work.notifications(Person("wang.lei")) if n.kind == "mention"]  # not the author
    [event] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "comment_added"]
    assert event["payload"]["mentions"] == ["li.na"]


def test_a_mention_of_someone_who_may_not_see_the_request_stores_nothing(engine):
    plan = start_plan(engine)
    research = only_task(engine, "wang.lei", "research", plan)["id"]
    events = len(engine.work.history(OPERATOR, plan))
    with pytest.raises(InvalidInput, match=r"zhou\.jie may not see this request"):
        engine.work.add_comment(Person("wang.lei"), research, "@zhou.jie can you help?")
    assert engine.work.request_comments(OPERATOR, plan) == []
    assert len(engine.work.history(OPERATOR, plan)) == events
    assert not [n for n in engine.work.notifications(Person("zhou.jie")) if n.kind == "mention"]


def test_what_counts_as_a_mention():
    assert mentioned("@wang.lei, @li.na and @wang.lei again") == ["wang.lei", "li.na"]
    assert mentioned("请@zhang.min修改。") == ["zhang.min"]  # after Chinese text, before a full stop
    assert mentioned("write to li.na@example.com or @@x, @A.b") == []  # an address, a double @, capitals
    assert mentioned("ends with @he.ping.") == ["he.ping"]
