"""Out of office (代理): a proxy gets the new tasks of someone away and acts on their behalf, on the record;
the absence ends by itself after its last day; who may set one, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.audit.xes import LogFilter
from engine.errors import InvalidInput, NotAllowed, NotFound, UserNotFound
from engine.org.absences import china_today
from engine.org.people import Person
from tests.journey import OPERATOR, RESEARCH, only_task, start_plan

RESEARCHER = Person("wang.lei")  # the only research supervisor
PROXY = Person("zhou.jie")  # a staff member of his


def _days(clock, first: int, last: int):
    today = china_today(clock())
    return today + timedelta(days=first), today + timedelta(days=last)


def test_a_proxy_receives_a_new_task_and_completes_it_on_behalf_of_the_absent(demo, clock):
    before = start_plan(demo)  # opened before the absence: stays with the research supervisors' queue
    start, end = _days(clock, 0, 2)
    away = demo.org.set_away(RESEARCHER, start, end, "zhou.jie")
    assert (away["user"], away["proxy"], away["from"], away["to"], away["active"]) == (
        "wang.lei", "zhou.jie", start.isoformat(), end.isoformat(), True)
    plan = start_plan(demo)
    task = only_task(demo, "zhou.jie", "research", plan)
    assert (task["assignee"], task["on_behalf_of"], task["mine"]) == ("zhou.jie", "wang.lei", True)
    assert demo.work.task(PROXY, task["id"])["on_behalf_of"] == "wang.lei"
    assert [t["instance_id"] for t in demo.work.tasks(PROXY)] == [plan]  # not the one from before
    assert only_task(demo, "wang.lei", "research", before)["on_behalf_of"] is None
    [told] = [n for n in demo.work.notifications(PROXY) if n.kind == "new_task"]
    assert told.instance_id == plan and "on behalf of wang.lei" in told.subject and "代 wang.lei 处理" in told.subject
    assert demo.work.notifications(RESEARCHER) == [n for n in demo.work.notifications(RESEARCHER)
                                                   if n.instance_id != plan]  # the absent one is not told

    done = demo.work.complete(PROXY, task["id"], RESEARCH)
    assert done["next_tasks"] == ["draft_plan"]
    history = demo.work.history(OPERATOR, plan)
    [created] = [e for e in history if e["kind"] == "task_created" and e["task_name"] == "research"]
    assert (created["payload"]["proxy"], created["payload"]["on_behalf_of"]) == ("zhou.jie", "wang.lei")
    [completed] = [e for e in history if e["kind"] == "task_completed"]
    assert (completed["actor"], completed["payload"]["on_behalf_of"]) == ("zhou.jie", "wang.lei")
    assert demo.work.task(PROXY, task["id"])["completed_by"] == "zhou.jie"
    ocel = demo.audit.ocel_log(OPERATOR, LogFilter("market_plan"))
    related = [r for e in ocel["events"] for r in e["relationships"]]
    assert {"objectId": "person:wang.lei", "qualifier": "on behalf of"} in related
    xes = "".join(demo.audit.xes_log(OPERATOR, LogFilter("market_plan")))
    assert '<string key="opsflow:on_behalf_of" value="wang.lei"/>' in xes

    clock.advance(days=3)  # past the last day: the absence ended by itself, no job needed
    assert demo.org.away(RESEARCHER)["active"] is False and demo.org.away(RESEARCHER)["ended"] is True
    after = start_plan(demo)
    again = only_task(demo, "wang.lei", "research", after)
    assert (again["assignee"], again["on_behalf_of"]) == (None, None)


def test_a_task_for_a_named_person_goes_to_their_proxy_and_a_release_ends_the_stand_in(demo, clock):
    start, end = _days(clock, 0, 0)
    demo.org.set_away(Person("zhang.min"), start, end, "zheng.hui")
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)
    demo.work.complete(RESEARCHER, research["id"], RESEARCH)
    draft = only_task(demo, "zheng.hui", "draft_plan", plan)
    assert draft["on_behalf_of"] == "zhang.min"
    demo.work.unclaim(Person("zheng.hui"), draft["id"])  # given back to the role: held in nobody's name now
    back = only_task(demo, "zhang.min", "draft_plan", plan)
    assert (back["assignee"], back["on_behalf_of"]) == (None, None)


def test_no_chains_a_proxy_who_is_away_passes_nothing_on(demo, clock):
    start, end = _days(clock, 0, 3)
    demo.org.set_away(RESEARCHER, start, end, "zhou.jie")
    with pytest.raises(InvalidInput, match="away themselves"):
        demo.org.set_away(Person("li.na"), start, end, "wang.lei")  # wang.lei is away on those days
    demo.org.set_away(PROXY, start, end, "wu.fang")  # the proxy goes away too (his own choice)
    plan = start_plan(demo)
    task = only_task(demo, "wang.lei", "research", plan)  # stays with the role; not passed on to wu.fang
    assert (task["assignee"], task["on_behalf_of"]) == (None, None)
    assert [t for t in demo.work.tasks(Person("wu.fang")) if t["instance_id"] == plan] == []


def test_who_may_set_an_absence_and_what_is_refused(demo, clock):
    start, end = _days(clock, 1, 5)
    with pytest.raises(NotAllowed):
        demo.org.set_away(PROXY, start, end, "wu.fang", user="wang.lei")  # someone else's: admins only
    set_by_admin = demo.org.set_away(Person("admin"), start, end, "zhou.jie", user="wang.lei")
    assert (set_by_admin["user"], set_by_admin["set_by"], set_by_admin["active"]) == ("wang.lei", "admin", False)
    assert demo.org.away(RESEARCHER)["proxy_name"] == "周杰"
    with pytest.raises(InvalidInput):
        demo.org.set_away(PROXY, end, start, "wu.fang")  # the wrong way round
    with pytest.raises(InvalidInput):
        demo.org.set_away(PROXY, *_days(clock, -5, -1), "wu.fang")  # over already
    with pytest.raises(InvalidInput):
        demo.org.set_away(PROXY, start, end, "zhou.jie")  # oneself
    with pytest.raises(UserNotFound):
        demo.org.set_away(PROXY, start, end, "no.such.person")
    with pytest.raises(NotFound):
        demo.org.away(PROXY)  # the refusals stored nothing
    plan = start_plan(demo)  # not away yet (it starts tomorrow): the task is the role's
    assert only_task(demo, "wang.lei", "research", plan)["on_behalf_of"] is None
    assert demo.org.end_away(RESEARCHER) is True
    assert demo.org.end_away(RESEARCHER) is False
    with pytest.raises(NotFound):
        demo.org.away(RESEARCHER)
