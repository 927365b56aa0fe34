"""The activity-filing pack (活动策划需提前报备; 文案需经过审核): an activity filed in advance (a late one needs the
director's exception), reviewed against the overall plan, its copy reviewed before publishing by the author's
manager — never by the author."""

from __future__ import annotations

import pytest

from engine.errors import FormInvalid, NotAllowed, ProcessError
from engine.org.people import Person
from tests.journey import OPERATOR, step
from tests.packs.support import install_pack
from tests.packs.walkthrough import on_monday, status, task_of, verdicts, xes_traces

FILING = {"name": "Safe gas at home week", "kind": "public_event", "start_date": "2027-03-05",
          "end_date": "2027-03-07", "place": "Riverside mall atrium", "budget_cny": 18000,
          "audience": "Families, about 500 visitors", "plan": "Stand, leaflets, detector demos",
          "copywriter": "feng.yi"}
COPY = {"copy_title": "燃气安全进万家", "copy_text": "Come and test your detector with us",
        "channels": ["wechat", "poster"]}


def filed(engine, clock, by: str = "liu.yang", **changes) -> int:
    on_monday(clock)  # Monday 1 March: 3 working days on is Thursday 4 March
    install_pack(engine, "activity_filing")
    return engine.work.start(Person(by), "activity_filing", {**FILING, **changes}).id


def test_filed_in_advance_reviewed_copy_returned_once_then_published(demo, clock):
    instance = filed(demo, clock)
    data = demo.work.show(OPERATOR, instance)["data"]
    assert (data["earliest_start"], data["filed_in_advance"], data["copy_reviewer"]) == ("2027-03-04", True, "liu.yang")
    step(demo, "li.na", "filing_review", instance, {"decision": "approve"})
    assert task_of(demo, "feng.yi", "write_copy", instance)["assignee"] == "feng.yi"
    step(demo, "feng.yi", "write_copy", instance, COPY)
    review = task_of(demo, "liu.yang", "copy_review", instance)
    assert review["assignee"] == "liu.yang"  # feng.yi's manager reviews her copy
    step(demo, "liu.yang", "copy_review", instance, {"decision": "revise", "comment": "Add the hotline number"})
    rework = demo.work.task(Person("feng.yi"), task_of(demo, "feng.yi", "write_copy", instance)["id"])
    assert rework["context"]["copy_review"]["comment"] == "Add the hotline number"
    step(demo, "feng.yi", "write_copy", instance, {**COPY, "copy_text": "Test your detector with us. Hotline 96777"})
    step(demo, "liu.yang", "copy_review", instance, {"decision": "approve"})
    step(demo, "feng.yi", "publish", instance, {"published_on": "2027-03-02", "where": "WeChat article; 40 posters"})
    assert status(demo, instance) == ("completed", "published")
    assert instance in {c["instance_id"] for c in demo.work.copies(Person("li.na"))}
    assert verdicts(demo, "activity_filing")[instance].fits is True
    assert xes_traces(demo, "activity_filing") == [
        ["filing_review", "write_copy", "copy_review", "write_copy", "copy_review", "publish"]]


def test_the_author_never_reviews_their_own_copy(demo, clock):
    """The manager who files and writes the copy is reviewed by the director, her own manager."""
    instance = filed(demo, clock, by="li.na", copywriter="li.na")
    step(demo, "li.na", "filing_review", instance, {"decision": "approve"})
    step(demo, "li.na", "write_copy", instance, COPY)
    review = task_of(demo, "chen.yu", "copy_review", instance)
    assert review["assignee"] == "chen.yu"
    assert [t for t in demo.work.tasks(Person("li.na")) if t["name"] == "copy_review"] == []
    with pytest.raises(NotAllowed):
        demo.work.complete(Person("li.na"), review["id"], {"decision": "approve"})
    step(demo, "chen.yu", "copy_review", instance, {"decision": "approve"})
    assert task_of(demo, "li.na", "publish", instance)["assignee"] == "li.na"


def test_a_late_filing_needs_the_directors_exception(demo, clock):
    instance = filed(demo, clock, start_date="2027-03-03", end_date="2027-03-03")  # only 2 working days ahead
    assert demo.work.show(OPERATOR, instance)["data"]["filed_in_advance"] is False
    step(demo, "chen.yu", "late_filing_approval", instance, {"decision": "approve"})
    step(demo, "li.na", "filing_review", instance, {"decision": "approve"})
    assert task_of(demo, "feng.yi", "write_copy", instance)["state"] == "open"
    late = filed(demo, clock, start_date="2027-03-02", end_date="2027-03-02")
    with pytest.raises(FormInvalid):
        step(demo, "chen.yu", "late_filing_approval", late, {"decision": "reject"})
    step(demo, "chen.yu", "late_filing_approval", late, {"decision": "reject", "comment": "File a week ahead"})
    assert status(demo, late) == ("completed", "late_rejected")
    fits = verdicts(demo, "activity_filing")
    assert fits[late].fits is True and fits[instance].fits is True


def test_a_filing_that_does_not_fit_the_plan_is_rejected(demo, clock):
    instance = filed(demo, clock)
    step(demo, "li.na", "filing_review", instance, {"decision": "reject", "comment": "Clashes with the spring launch"})
    assert status(demo, instance) == ("completed", "filing_rejected")
    assert verdicts(demo, "activity_filing")[instance].fits is True


def test_bad_input_is_refused_and_changes_nothing(demo, clock):
    on_monday(clock)
    install_pack(demo, "activity_filing")
    with pytest.raises(ProcessError, match=r"no\.one"):  # a copywriter who is not a user
        demo.work.start(Person("liu.yang"), "activity_filing", {**FILING, "copywriter": "no.one"})
    with pytest.raises(FormInvalid):
        demo.work.start(Person("liu.yang"), "activity_filing", {**FILING, "budget_cny": -5})
    with pytest.raises(NotAllowed):  # the dispatch section files no marketing activities
        demo.work.start(Person("xu.tao"), "activity_filing", FILING)
    assert demo.work.instances(OPERATOR, process_key="activity_filing") == []
