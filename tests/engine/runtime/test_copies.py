"""Copying a request (抄送, CC): who may, what the people copied get (a notice, read access, a list), once."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput, NotAllowed, NotFound, UserNotFound
from engine.org.people import Person
from tests.journey import OPERATOR, only_task, start_plan

STAFF = Person("zhou.jie")  # sees no market plan of his own accord


def test_the_starter_copies_a_request_and_the_person_copied_is_told_and_may_read_it(engine):
    plan = start_plan(engine)
    with pytest.raises(NotAllowed):
        engine.work.show(STAFF, plan)
    result = engine.work.copy(Person("li.na"), plan, ["zhou.jie", "zhou.jie", "li.na"], "请了解")
    assert result == {"instance_id": plan, "copied": ["zhou.jie"], "already": ["li.na"]}  # once each; not oneself
    assert engine.work.show(STAFF, plan)["id"] == plan
    assert [i["id"] for i in engine.work.instances(STAFF)] == [plan]  # in the lists he may see, too
    [told] = [n for n in engine.work.notifications(STAFF) if n.kind == "copied"]
    assert told.instance_id == plan and told.body == "请了解" and "copied you" in told.subject
    [event] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "instance_copied"]
    assert event["actor"] == "li.na" and event["payload"] == {"copied_to": ["zhou.jie"], "note": "请了解"}
    again = engine.work.copy(Person("li.na"), plan, ["zhou.jie"])
    assert again["copied"] == [] and again["already"] == ["zhou.jie"]
    assert len([e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "instance_copied"]) == 1


def test_who_may_copy_a_request_and_what_is_refused(engine):
    plan = start_plan(engine)
    research = only_task(engine, "wang.lei", "research", plan)["id"]
    with pytest.raises(NotAllowed):
        engine.work.copy(Person("wang.lei"), plan, ["zhou.jie"])  # may see it, but holds none of its steps
    engine.work.claim(Person("wang.lei"), research)
    assert engine.work.copy(Person("wang.lei"), plan, ["zhou.jie"])["copied"] == ["zhou.jie"]  # its holder
    with pytest.raises(NotAllowed):
        engine.work.copy(STAFF, plan, ["wu.fang"])  # a copy reads; it does not copy on
    with pytest.raises(UserNotFound):
        engine.work.copy(Person("li.na"), plan, ["no.such.person"])
    with pytest.raises(InvalidInput):
        engine.work.copy(Person("li.na"), plan, [" "])
    with pytest.raises(InvalidInput):
        engine.work.copy(Person("li.na"), plan, ["wu.fang"], "x" * 1001)
    copied = [e["actor"] for e in engine.work.history(OPERATOR, plan) if e["kind"] == "instance_copied"]
    assert copied == ["wang.lei"]  # the refusals stored nothing


def test_the_list_of_requests_copied_to_me_and_opening_one(engine):
    first, second = start_plan(engine), start_plan(engine, "zhang.min")
    engine.work.copy(Person("li.na"), first, ["zhou.jie"])
    engine.work.copy(Person("zhang.min"), second, ["zhou.jie"], "FYI")
    listed = engine.work.copies(STAFF)
    assert [(c["instance_id"], c["copied_by"], c["read"]) for c in listed] == [
        (second, "zhang.min", False), (first, "li.na", False)]
    assert engine.work.open_copy(STAFF, second) == second
    assert [c["instance_id"] for c in engine.work.copies(STAFF, unread_only=True)] == [first]
    assert engine.work.open_copy(STAFF, second) == second  # opening it again is fine
    with pytest.raises(NotFound):
        engine.work.open_copy(Person("wu.fang"), first)  # not copied to her
