"""Administering the organisation (issue 20): people's roles, managers and units, joiners, leavers with their
tasks handed over, units as a tree; every change on the organisation's record, effective-dated, checked by
verify; bad input refused whole; only admin and org_admin may."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engine.errors import Conflict, InvalidInput, NotAllowed, UserNotFound
from engine.models import HistoryEvent, OrgUnit, User
from engine.org.people import Person
from engine.org.record import china_today
from engine.org.sign_in import LoginFailed
from engine.org.staffing import PersonSpec
from engine.org.units import UnitNotFound, UnitSpec
from tests.journey import DEMO_PASSWORD, OPERATOR, START, only_task

ADMIN = Person("admin")


def org_events(engine) -> list[HistoryEvent]:
    with engine.core.reading() as session:
        rows = session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id.is_(None))
                               .order_by(HistoryEvent.seq)).all()
        session.expunge_all()
        return list(rows)


def test_a_promotion_is_recorded_with_before_after_and_answers_who_held_what_on_a_day(demo, clock):
    joined = china_today(clock())
    clock.advance(days=30)
    today = china_today(clock())
    promoted = demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(roles=["research_supervisor"], reports_to="li.na"),
                                   effective_on=today - timedelta(days=10))
    assert [(c.field, c.before, c.after) for c in promoted.changes] == [
        ("roles", ["staff"], ["research_supervisor"]), ("reports_to", "wang.lei", "li.na")]
    [roles, manager] = org_events(demo)
    assert (roles.kind, roles.actor, roles.seq, manager.seq) == ("org_user_changed", "admin", 1, 2)
    assert json.loads(roles.payload_json) == {"user": "zhou.jie", "field": "roles", "before": ["staff"],
                                              "after": ["research_supervisor"],
                                              "effective_on": (today - timedelta(days=10)).isoformat()}
    before = demo.org.person_on(Person("he.ping"), "zhou.jie", today - timedelta(days=20))
    assert (before.member, before.roles, before.reports_to, before.unit) == (True, ["staff"], "wang.lei", "marketing")
    after = demo.org.person_on(Person("he.ping"), "zhou.jie", today - timedelta(days=5))
    assert (after.roles, after.reports_to) == (["research_supervisor"], "li.na")
    assert demo.org.person_on(OPERATOR, "zhou.jie", joined - timedelta(days=1)).member is False
    assert "research_supervisor" in demo.org.directory().people["zhou.jie"].roles

    again = demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(roles=["research_supervisor"], reports_to="li.na"))
    assert again.changes == [] and len(org_events(demo)) == 2  # the same again: nothing changed, nothing recorded
    with pytest.raises(InvalidInput, match="cannot take effect before it"):
        demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(unit="safety"), effective_on=today - timedelta(days=11))
    with pytest.raises(InvalidInput, match="later day"):
        demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(unit="safety"), effective_on=today + timedelta(days=1))
    assert demo.org.directory().people["zhou.jie"].unit == "marketing" and len(org_events(demo)) == 2


@pytest.mark.parametrize("spec, error, message", [
    (PersonSpec(reports_to="zhou.jie"), InvalidInput, "round in a circle"),  # li.na's own report, below her
    (PersonSpec(reports_to="li.na"), InvalidInput, "report to themselves"),
    (PersonSpec(reports_to="nobody.here"), UserNotFound, "nobody.here"),
    (PersonSpec(roles=["staff", "no_such_role"]), InvalidInput, "unknown role"),
    (PersonSpec(roles=["employee"]), InvalidInput, "unknown role"),  # a relationship role is never granted
    (PersonSpec(roles=[]), InvalidInput, "at least one role"),
    (PersonSpec(unit="no_such_unit"), UnitNotFound, "no_such_unit"),
    (PersonSpec(email="not an address"), InvalidInput, "e-mail"),
    (PersonSpec(language="fr"), InvalidInput, "language"),
    (PersonSpec(name="  "), InvalidInput, "needs a name"),
])
def test_bad_input_is_refused_and_changes_nothing(demo, spec, error, message):
    with_a_good_change = dataclasses.replace(spec, unit=spec.unit or "safety")  # the good one is not made either
    with pytest.raises(error, match=message):
        demo.org.set_person(ADMIN, "li.na", with_a_good_change)
    li_na = demo.org.directory().people["li.na"]
    assert (li_na.roles, li_na.reports_to, li_na.unit) == (["marketing_manager"], "chen.yu", "marketing")
    assert org_events(demo) == []


def test_a_manager_who_has_left_and_an_unknown_person_are_refused(demo):
    demo.org.deactivate(ADMIN, "feng.yi")
    with pytest.raises(InvalidInput, match="has left"):
        demo.org.set_person(ADMIN, "zheng.hui", PersonSpec(reports_to="feng.yi"))
    with pytest.raises(UserNotFound):
        demo.org.set_person(ADMIN, "no.one", PersonSpec(unit="safety"))
    assert len(org_events(demo)) == 1


@pytest.mark.parametrize("who", ["li.na", "wang.lei", "zhou.jie", "he.ping", "gao.yan", "chen.yu"])
def test_only_admin_and_org_admin_may_change_the_organisation(demo, who):
    for attempt in (lambda: demo.org.set_person(Person(who), "feng.yi", PersonSpec(unit="safety")),
                    lambda: demo.org.deactivate(Person(who), "feng.yi"),
                    lambda: demo.org.add_unit(Person(who), "lab", UnitSpec("化验室", "Lab", "safety")),
                    lambda: demo.org.export_org(Person(who))):
        with pytest.raises(NotAllowed):
            attempt()
    demo.org.set_person(ADMIN, "gao.yan", PersonSpec(roles=["analyst", "org_admin"]))
    assert demo.org.set_person(Person("gao.yan"), "feng.yi", PersonSpec(unit="safety")).changes
    with pytest.raises(NotAllowed):
        demo.org.person_on(Person("zhou.jie"), "feng.yi", china_today(demo.collaborators.clock()))
    assert demo.org.person_on(Person("he.ping"), "feng.yi", china_today(demo.collaborators.clock())).unit == "safety"


def test_a_leaver_hands_over_her_tasks_loses_her_token_and_cannot_sign_in(demo):
    token = demo.org.create_token(Person("wu.fang"), "phone")
    plans = [int(demo.work.start(Person("li.na"), "market_plan", {**START, "title": t}).id) for t in ("A", "B")]
    for plan in plans:  # the research supervisor passes each research step to his staff member wu.fang
        research = only_task(demo, "wang.lei", "research", plan)
        demo.work.transfer(Person("wang.lei"), research["id"], "wu.fang", "she knows the estates")
    with pytest.raises(Conflict, match="holds 2 open task"):
        demo.org.deactivate(ADMIN, "wu.fang")
    with pytest.raises(UserNotFound):
        demo.org.deactivate(ADMIN, "wu.fang", hand_over_to="no.one")
    assert demo.org.directory().people["wu.fang"].active is True

    left = demo.org.deactivate(ADMIN, "wu.fang", hand_over_to="zhou.jie")
    assert [(h.instance_id, h.task_name, h.to) for h in left.handed_over] == [
        (plan, "research", "zhou.jie") for plan in plans]
    assert left.tokens_revoked == 1
    for plan in plans:
        held = only_task(demo, "zhou.jie", "research", plan)
        assert held["assignee"] == "zhou.jie"
        [moved] = [e for e in demo.work.history(OPERATOR, plan) if e["kind"] == "task_transferred"
                   and e["payload"].get("handed_over")]
        assert (moved["actor"], moved["payload"]["from"], moved["payload"]["to"]) == ("admin", "wu.fang", "zhou.jie")
        assert moved["payload"]["reason"] == "handed over from 吴芳"
    [event] = org_events(demo)
    payload = json.loads(event.payload_json)
    assert (event.kind, payload["before"], payload["after"]) == ("org_user_deactivated", True, False)
    assert [h["to"] for h in payload["handed_over"]] == ["zhou.jie", "zhou.jie"]

    with pytest.raises(LoginFailed):
        demo.org.login("wu.fang", DEMO_PASSWORD)
    with pytest.raises(LoginFailed):
        demo.org.actor_for_token(token)
    with pytest.raises(Conflict, match="deactivated already"):
        demo.org.deactivate(ADMIN, "wu.fang")

    demo.org.reactivate(ADMIN, "wu.fang")
    assert demo.org.login("wu.fang", DEMO_PASSWORD).username == "wu.fang"
    with pytest.raises(LoginFailed):
        demo.org.actor_for_token(token)  # her old tokens stay revoked
    assert [e.kind for e in org_events(demo)] == ["org_user_deactivated", "org_user_reactivated"]


def test_someone_with_reports_or_heading_a_unit_cannot_leave_before_they_are_replaced(demo):
    with pytest.raises(Conflict, match=r"report\(s\) to wang\.lei"):
        demo.org.deactivate(ADMIN, "wang.lei", hand_over_to="li.na")
    with pytest.raises(Conflict, match="heads safety"):
        demo.org.deactivate(ADMIN, "jiang.hai", hand_over_to="zhao.qiang")
    with pytest.raises(InvalidInput, match="yourself"):
        demo.org.deactivate(ADMIN, "admin")
    assert org_events(demo) == []


def test_a_joiner_gets_a_unit_and_manager_and_units_form_a_tree(demo):
    added = demo.org.add_person(ADMIN, "qin.feng", PersonSpec("秦峰", "qin.feng@example.com", "zh", ["staff"],
                                                              "jiang.hai", "safety"))
    assert added.changes[0].after == {"name": "秦峰", "email": "qin.feng@example.com", "language": "zh",
                                      "roles": ["staff"], "reports_to": "jiang.hai", "unit": "safety", "active": True}
    demo.org.add_unit(ADMIN, "gas_lab", UnitSpec("燃气化验室", "Gas Laboratory", "safety", "jiang.hai"))
    moved = demo.org.change_unit(ADMIN, "gas_lab", UnitSpec(parent="supply"))
    assert [(c.field, c.before, c.after) for c in moved.changes] == [("parent", "safety", "supply")]
    with pytest.raises(InvalidInput, match="circle"):
        demo.org.change_unit(ADMIN, "operations", UnitSpec(parent="gas_lab"))
    with pytest.raises(InvalidInput, match="already exists"):
        demo.org.add_unit(ADMIN, "safety", UnitSpec("安全科", "Safety", "operations"))
    with pytest.raises(UnitNotFound):
        demo.org.add_unit(ADMIN, "lab2", UnitSpec("化验二室", "Lab 2", "no_such_parent"))
    tree = {u.key: (u.parent, u.depth, u.head) for u in demo.org.units(Person("zhou.jie"))}
    assert tree["gas_lab"] == ("supply", 2, "jiang.hai") and tree["operations"] == (None, 0, "chen.yu")
    assert {u.key: u.members for u in demo.org.units(OPERATOR)}["safety"] == 4
    assert [e.kind for e in org_events(demo)] == ["org_user_added", "org_unit_added", "org_unit_moved"]
    with demo.core.reading() as session:
        assert session.scalar(select(func.count()).select_from(OrgUnit)) == 7


def test_verify_names_an_edited_org_change_against_the_checkpoint(demo):
    demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(roles=["research_supervisor"]))
    demo.org.set_person(ADMIN, "feng.yi", PersonSpec(unit="safety"))
    demo.audit.checkpoint(OPERATOR)
    report = demo.audit.verify(OPERATOR)
    assert report.ok and report.covered == report.events == 2
    with demo.core.transaction() as session:  # someone makes it look as if zhou.jie had been made director
        session.execute(update(HistoryEvent).where(HistoryEvent.instance_id.is_(None), HistoryEvent.seq == 1)
                        .values(payload_json=json.dumps({"user": "zhou.jie", "field": "roles", "before": ["staff"],
                                                         "after": ["director"]})))
    report = demo.audit.verify(OPERATOR)
    assert not report.ok
    assert {(p.organisation, p.seq, p.found_by) for p in report.problems} >= {(True, 1, "chain"), (True, 1, "tree")}
    assert report.first is not None and report.first.where == "the organisation's record event #1"


def test_deleting_the_newest_org_change_is_noticed_by_its_anchor(demo):
    demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(roles=["research_supervisor"]))
    with demo.core.transaction() as session:
        session.execute(HistoryEvent.__table__.delete().where(HistoryEvent.instance_id.is_(None)))
    [problem] = demo.audit.verify(OPERATOR).problems
    assert problem.organisation and "anchor records #1" in problem.message


def test_export_and_import_round_trip_and_a_second_import_changes_nothing(demo):
    from engine.org import org_file

    exported = demo.org.export_org(ADMIN)
    document = org_file.read_csv(org_file.as_csv(exported))
    first = demo.org.import_org(ADMIN, document)
    assert first.events == 0  # the organisation's own export: nothing to change
    people = exported["people"]
    people.append({"username": "qin.feng", "name": "秦峰", "email": None, "language": "en", "roles": ["staff"],
                   "reports_to": "new.head", "unit": "gas_lab", "active": True})
    people.append({"username": "new.head", "name": "新主任", "email": None, "language": None,
                   "roles": ["safety_head"], "reports_to": "jiang.hai", "unit": "gas_lab", "active": True})
    next(p for p in people if p["username"] == "feng.yi")["unit"] = "safety"
    exported["units"].append({"key": "gas_lab", "name_zh": "燃气化验室", "name_en": "Gas Laboratory",
                              "parent": "safety", "head": "new.head"})
    changed = demo.org.import_org(ADMIN, org_file.read_json(json.dumps(exported)))
    assert (changed.units_added, changed.people_added, changed.people_changed) == (1, 2, 1)
    events = len(org_events(demo))
    assert events == changed.events == 5  # unit added, two joiners, feng.yi's unit, the lab's head
    again = demo.org.import_org(ADMIN, org_file.read_json(json.dumps(exported)))
    assert again.events == 0 and len(org_events(demo)) == events
    assert demo.org.directory().people["qin.feng"].reports_to == "new.head"
    with demo.core.reading() as session:
        assert session.scalar(select(User.unit_key).where(User.username == "qin.feng")) == "gas_lab"


def test_an_import_with_a_bad_row_changes_nothing(demo):
    from engine.org import org_file

    document = org_file.read_json(json.dumps({"units": [], "people": [
        {"username": "feng.yi", "name": "冯怡", "roles": ["staff"], "reports_to": "liu.yang", "unit": "safety"},
        {"username": "zheng.hui", "name": "郑辉", "roles": ["no_such_role"], "reports_to": "zhang.min"}]}))
    with pytest.raises(InvalidInput, match="no_such_role"):
        demo.org.import_org(ADMIN, document)
    assert demo.org.directory().people["feng.yi"].unit == "marketing" and org_events(demo) == []
    with pytest.raises(InvalidInput, match="circle"):
        org_file.people_in_order(org_file.read_json(json.dumps({"people": [
            {"username": "a.a", "roles": ["staff"], "reports_to": "b.b"},
            {"username": "b.b", "roles": ["staff"], "reports_to": "a.a"}]})).people)
