"""What the people administration pages read and do beyond the organisation's own use cases (issue 20): adding a
role (on the organisation's record), a person's record of changes, whether someone may leave now, who holds each
role, and a password reset shown once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput, NotAllowed, UserNotFound
from engine.models import HistoryEvent
from engine.org.people import Person
from engine.org.sign_in import LoginFailed
from engine.org.staffing import PersonSpec
from tests.journey import DEMO_PASSWORD, START, only_task

ADMIN = Person("admin")


def org_kinds(engine) -> list[str]:
    with engine.core.reading() as session:
        return list(session.scalars(select(HistoryEvent.kind).where(HistoryEvent.instance_id.is_(None))
                                    .order_by(HistoryEvent.seq)))


def test_a_role_is_added_with_both_titles_on_the_record_and_can_be_granted(demo):
    added = demo.org.add_role(ADMIN, "safety_inspector", "Safety Inspector", "安全检查员")
    assert (added.subject, added.key, added.changes[0].after) == (
        "role", "safety_inspector", {"title": "Safety Inspector", "title_zh": "安全检查员"})
    assert next(r for r in demo.org.roles() if r.key == "safety_inspector").title_zh == "安全检查员"
    with demo.core.reading() as session:
        payload = json.loads(session.scalars(select(HistoryEvent.payload_json)
                                             .where(HistoryEvent.kind == "org_role_added")).one())
    assert payload["role"] == "safety_inspector" and payload["after"]["title"] == "Safety Inspector"
    demo.org.set_person(ADMIN, "hu.bin", PersonSpec(roles=["staff", "safety_inspector"]))
    assert demo.org.role_holders(ADMIN)["safety_inspector"] == ["hu.bin"]


@pytest.mark.parametrize("key, title, title_zh, message", [
    ("Bad Key", "T", "题", "invalid role key"),
    ("staff", "Staff", "员工", "already exists"),
    ("inspector", "", "检查员", "English title"),
    ("inspector", "Inspector", "  ", "Chinese title"),
    ("inspector", "x" * 201, "检查员", "limited to 200"),
])
def test_a_bad_role_is_refused_and_nothing_is_recorded(demo, key, title, title_zh, message):
    with pytest.raises(InvalidInput, match=message):
        demo.org.add_role(ADMIN, key, title, title_zh)
    assert "inspector" not in {r.key for r in demo.org.roles()}
    assert org_kinds(demo) == []


@pytest.mark.parametrize("who", ["zhou.jie", "li.na", "he.ping", "gao.yan"])
def test_only_org_administrators_add_roles_reset_passwords_and_read_a_person(demo, who):
    for attempt in (lambda: demo.org.add_role(Person(who), "inspector", "Inspector", "检查员"),
                    lambda: demo.org.reset_password(Person(who), "feng.yi"),
                    lambda: demo.org.person(Person(who), "feng.yi"),
                    lambda: demo.org.leaving(Person(who), "feng.yi"),
                    lambda: demo.org.role_holders(Person(who))):
        with pytest.raises(NotAllowed):
            attempt()
    assert org_kinds(demo) == []
    assert demo.org.login("feng.yi", DEMO_PASSWORD).username == "feng.yi"


def test_a_persons_record_names_who_changed_what_before_and_after(demo):
    demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(roles=["research_supervisor"], reports_to="li.na"))
    demo.org.set_person(ADMIN, "feng.yi", PersonSpec(unit="safety"))  # someone else's change is not his
    record = demo.org.person_record(Person("he.ping"), "zhou.jie")
    assert [(e.kind, e.actor, e.field, e.before, e.after) for e in record] == [
        ("org_user_changed", "admin", "reports_to", "wang.lei", "li.na"),
        ("org_user_changed", "admin", "roles", ["staff"], ["research_supervisor"])]
    assert record[0].effective_on and record[0].recorded_at.endswith("Z")
    assert demo.org.person_record(ADMIN, "hu.bin") == []
    with pytest.raises(UserNotFound):
        demo.org.person_record(ADMIN, "no.one")
    with pytest.raises(NotAllowed):
        demo.org.person_record(Person("zhou.jie"), "zhou.jie")


def test_leaving_lists_the_open_tasks_and_what_must_change_first(demo):
    plan = int(demo.work.start(Person("li.na"), "market_plan", {**START, "title": "Estates"}).id)
    research = only_task(demo, "wang.lei", "research", plan)
    demo.work.transfer(Person("wang.lei"), research["id"], "wu.fang", "she knows the estates")
    check = demo.org.leaving(ADMIN, "wu.fang")
    assert (check.active, check.manager, check.reports, check.heads) == (True, "wang.lei", [], [])
    [task] = check.tasks
    assert (task.task_id, task.instance_id, task.name, task.instance_title) == (research["id"], plan, "research",
                                                                               "Estates (2027-Q1)")
    assert task.title and task.title_zh
    boss = demo.org.leaving(ADMIN, "jiang.hai")
    assert (boss.reports, boss.heads, boss.tasks) == (["hu.bin", "lin.xue"], ["safety"], [])

    left = demo.org.deactivate(ADMIN, "wu.fang", hand_over_to="wang.lei")
    [event] = demo.org.person_record(ADMIN, "wu.fang")
    assert (event.kind, event.before, event.after) == ("org_user_deactivated", True, False)
    assert [(h.task_id, h.task_name, h.to) for h in event.handed_over] == [(research["id"], "research", "wang.lei")]
    assert left.handed_over[0].task_id == research["id"]
    assert demo.org.leaving(ADMIN, "wu.fang").active is False


def test_a_reset_password_is_new_random_and_the_old_one_stops_working(demo):
    first = demo.org.reset_password(ADMIN, "feng.yi")
    second = demo.org.reset_password(ADMIN, "feng.yi")
    assert len(first) == 14 and first != second
    with pytest.raises(LoginFailed):
        demo.org.login("feng.yi", DEMO_PASSWORD)
    with pytest.raises(LoginFailed):
        demo.org.login("feng.yi", first)
    assert demo.org.login("feng.yi", second).username == "feng.yi"
    with pytest.raises(UserNotFound):
        demo.org.reset_password(ADMIN, "no.one")
    assert demo.org.person(ADMIN, "feng.yi").unit == "marketing"
