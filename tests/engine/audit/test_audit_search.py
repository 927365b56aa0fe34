"""Finding instances to audit, who may, and the access log that records every look (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from engine.calendar import CHINA
from engine.definitions.bundle import bundle_from_file
from engine.errors import InvalidInput, NotAllowed
from engine.facade import Engine
from engine.models import AuditAccess
from engine.org.people import Operator, Person
from engine.org.rights import Right
from tests.journey import DRAFT, OPERATOR, START, decision, research_and_draft, start_plan, step
from tests.paths import REPO

ROOT = REPO


def ids(page: dict) -> list[int]:
    return [row["id"] for row in page["items"]]


def finish(engine: Engine, plan: int, *reviews: str, end: str = "approve", title: str = DRAFT["title"]) -> None:
    """Research and draft (under the plan's own title), then the manager's reviews (returns before an
    approval), then the director."""
    draft = {**DRAFT, "title": title}
    research_and_draft(engine, plan, draft)
    for review in reviews:
        step(engine, "li.na", "manager_review", plan, decision(review, "Rework"))
        if review == "return":
            step(engine, "zhang.min", "draft_plan", plan, draft)
        else:
            research_and_draft(engine, plan, draft)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision(end, "" if end == "approve" else "No"))


@pytest.fixture
def plans(engine: Engine) -> dict[str, int]:
    made = {"running": start_plan(engine), "approved": start_plan(engine, "zhang.min"),
            "reworked": start_plan(engine), "vetoed": int(engine.work.start(Person("chen.yu"), "market_plan", {
                **START, "title": "100% growth_plan"}).id)}
    finish(engine, made["approved"])
    finish(engine, made["reworked"], "return")
    finish(engine, made["vetoed"], end="veto", title="100% growth_plan")
    return made


def test_filters_find_the_plan_approved_after_rework(engine, plans):
    found = engine.audit.search(Person("he.ping"), {"process": "market_plan", "status": "completed", "end": "approved",
                                               "actor": "zhang.min", "started_by": "li.na"})
    assert ids(found) == [plans["reworked"]]
    assert ids(engine.audit.search(Person("he.ping"), {"end": "vetoed"})) == [plans["vetoed"]]
    assert ids(engine.audit.search(Person("he.ping"), {"end": "approved", "rework": "true"})) == [plans["reworked"]]
    assert ids(engine.audit.search(Person("he.ping"), {"end": "approved", "rework": "no"})) == [plans["approved"]]
    assert ids(engine.audit.search(Person("he.ping"), {"status": "running"})) == [plans["running"]]
    assert ids(engine.audit.search(Person("he.ping"), {"actor": "chen.yu", "sort": "id", "order": "asc"})) == [
        plans["approved"], plans["reworked"], plans["vetoed"]]
    assert ids(engine.audit.search(Person("he.ping"), {"process": "market_plan", "version": "1", "end": "vetoed"})) == [
        plans["vetoed"]]
    assert ids(engine.audit.search(Person("he.ping"), {"process": "market_plan", "version": "2"})) == []
    assert ids(engine.audit.search(Person("he.ping"), {"process": "appraisal"})) == []


def test_text_in_the_title_matches_percent_and_underscore_as_themselves(engine, plans):
    assert ids(engine.audit.search(Person("admin"), {"q": "100%"})) == [plans["vetoed"]]
    assert ids(engine.audit.search(Person("admin"), {"q": "h_p"})) == [plans["vetoed"]]
    assert ids(engine.audit.search(Person("admin"), {"q": "%"})) == [plans["vetoed"]]
    assert ids(engine.audit.search(Person("admin"), {"q": "_"})) == [plans["vetoed"]]
    assert ids(engine.audit.search(Person("admin"), {"q": "SPRING"})) == sorted(
        [plans["running"], plans["approved"], plans["reworked"]], reverse=True)


def test_date_ranges_are_days_in_china_time_on_the_start_or_the_end(engine, plans):
    today = datetime.now(UTC).astimezone(CHINA).date()
    everything = engine.audit.search(Person("he.ping"), {"from": today.isoformat(), "to": today.isoformat()})
    assert len(ids(everything)) == 4
    assert ids(engine.audit.search(Person("he.ping"), {"to": (today - timedelta(days=1)).isoformat()})) == []
    ended = engine.audit.search(Person("he.ping"), {"from": today.isoformat(), "dates": "ended"})
    assert plans["running"] not in ids(ended) and len(ids(ended)) == 3
    with pytest.raises(InvalidInput, match="from: the range starts after it ends"):
        engine.audit.search(Person("he.ping"), {"from": today.isoformat(),
                                                "to": (today - timedelta(days=1)).isoformat()})


def test_keyset_pages_walk_every_instance_once_in_each_sort(engine, plans):
    for extra in range(3):
        start_plan(engine) if extra else None
    for sort, order in (("started", "desc"), ("started", "asc"), ("id", "desc"), ("ended", "desc"),
                        ("ended", "asc")):
        full = ids(engine.audit.search(Person("he.ping"), {"sort": sort, "order": order, "limit": "200"}))
        walked, cursor = [], None
        while True:
            page = engine.audit.search(Person("he.ping"), {"sort": sort, "order": order, "limit": "2", "after": cursor})
            walked += ids(page)
            cursor = page["next"]
            if cursor is None:
                break
        assert walked == full, (sort, order)
        assert len(set(walked)) == len(walked)
    assert len(ids(engine.audit.search(Person("he.ping"), {"sort": "ended"}))) == 3  # only ended ones have an end


@pytest.mark.parametrize(("params", "message"), [
    ({"status": "lost"}, "status: unknown status"), ({"version": "1"}, "version: a version needs the process"),
    ({"limit": "0"}, "limit: must be an integer"), ({"limit": "many"}, "limit: must be an integer"),
    ({"sort": "title"}, "sort: must be one of"), ({"from": "yesterday"}, "from: 'yesterday' is not a date"),
    ({"after": "garbage"}, "after: not a cursor"),
    ({"rework": "maybe"}, "rework: must be true or false"), ({"actor": "nobody"}, "actor: there is no user 'nobody'"),
    ({"q": "bad\x00text"}, "q: the text"),
])
def test_unusable_filters_are_refused_by_name(engine, params, message):
    with pytest.raises(InvalidInput, match=message):
        engine.audit.search(Person("he.ping"), params)


def test_a_director_audits_his_department_only(engine, plans):
    engine.org.add_user(OPERATOR, "ma.jun", ["director"], display_name="马骏")
    engine.org.add_user(OPERATOR, "qian.li", ["marketing_manager"], reports_to="ma.jun")
    outside = start_plan(engine, "qian.li")
    everything = set(ids(engine.audit.search(Person("he.ping"), {})))
    assert outside in everything
    assert set(ids(engine.audit.search(Person("chen.yu"), {}))) == everything - {outside}
    assert ids(engine.audit.search(Person("ma.jun"), {})) == [outside]
    with pytest.raises(NotAllowed, match="outside their department"):
        engine.audit.instance(Person("chen.yu"), outside)
    # Someone of ma.jun's completes a step of li.na's plan: now it is his department's too.
    step(engine, "wang.lei", "research", plans["running"], {
        "target_customers": "a", "competitors": "b", "trends": "c", "findings": "d", "recommendations": "e"})
    step(engine, "zhang.min", "draft_plan", plans["running"], DRAFT)
    step(engine, "qian.li", "manager_review", plans["running"], decision("approve"))
    assert set(ids(engine.audit.search(Person("ma.jun"), {}))) == {outside, plans["running"]}
    assert engine.audit.instance(Person("ma.jun"), plans["running"])["id"] == plans["running"]
    heat = engine.audit.heatmap(Person("ma.jun"), "market_plan", 1)
    assert heat["instances"] == 2


@pytest.mark.parametrize("user", ["zhou.jie", "li.na", "gao.yan", "sun.hao"])
def test_people_without_the_audit_right_get_nothing(engine, plans, user):
    for look in (lambda: engine.audit.search(Person(user), {}),
                 lambda: engine.audit.instance(Person(user), plans["approved"]),
                 lambda: engine.audit.replay(Person(user), plans["approved"],
                                             1), lambda: engine.audit.heatmap(Person(user), "market_plan", 1),
                 lambda: engine.audit.access_log(Person(user)), lambda: engine.audit.versions(Person(user)),
                 lambda: engine.audit.diagram(Person(user), plans["approved"])):
        with pytest.raises(NotAllowed):
            look()
    assert engine.audit.access_log(Person("admin"))["items"] == []  # refused looks leave no row
    assert not engine.org.may(Person(user), Right.AUDIT)


def test_every_audit_view_is_in_the_access_log(engine, plans):
    plan = plans["reworked"]
    engine.audit.search(Person("he.ping"), {"end": "approved", "q": "Spring"})
    engine.audit.instance(Person("he.ping"), plan)
    engine.audit.diagram(Person("he.ping"), plan)
    engine.audit.replay(Person("he.ping"), plan, 3)
    engine.audit.heatmap(Person("chen.yu"), "market_plan", 1)
    engine.audit.replay(Operator("opsflow cli (root)"), plan, 2)
    log = engine.audit.access_log(Person("admin"))["items"]
    assert [(r["viewer"], r["what"], r["instance_id"]) for r in reversed(log)] == [
        ("he.ping", "search", None), ("he.ping", "instance", plan), ("he.ping", "diagram", plan),
        ("he.ping", "replay", plan), ("chen.yu", "heatmap", None), ("opsflow cli (root)", "replay", plan)]
    assert f"ids {plan}, {plans['approved']}".replace(", ", ",") in log[-1]["detail"]
    assert log[-4]["detail"] == "step 3 of 7"
    assert (log[1]["process"], log[1]["version"]) == ("market_plan", 1)
    assert [r["what"] for r in engine.audit.access_log(Person("he.ping"), viewer="chen.yu")["items"]] == ["heatmap"]
    assert [r["what"] for r in engine.audit.access_log(Person("he.ping"), instance_id=plan)["items"]] == [
        "replay", "replay", "diagram", "instance"]
    assert [r["what"] for r in engine.audit.access_log(Person("he.ping"), instance_id=plan)["items"]] == [
        "access_log", "replay", "replay", "diagram", "instance"]  # the log records its own readers too
    with pytest.raises(NotAllowed):
        engine.audit.access_log(Person("chen.yu"))  # a director audits his department, not the auditors


def test_the_access_log_pages_newest_first(engine, plans):
    for number in range(1, 6):
        engine.audit.replay(Person("he.ping"), plans["approved"], number)
    first = engine.audit.access_log(Person("admin"), limit=2)
    second = engine.audit.access_log(Person("admin"), limit=2, before_id=first["next"])
    assert [r["detail"] for r in first["items"] + second["items"]] == [
        "step 5 of 5", "step 4 of 5", "step 3 of 5", "step 2 of 5"]


def test_the_database_refuses_to_change_or_remove_access_log_rows(engine, plans):
    engine.audit.instance(Person("he.ping"), plans["approved"])
    statements = [update(AuditAccess).values(viewer="nobody"), delete(AuditAccess)]
    if engine.db.dialect.name == "postgresql":
        statements.append(text("TRUNCATE audit_access"))
    for statement in statements:  # straight to the database, past every use case
        with engine.core.session_factory() as session, pytest.raises(DatabaseError, match="append-only"):
            session.execute(statement)
            session.commit()
    assert [r["viewer"] for r in engine.audit.access_log(Person("admin"))["items"]] == ["he.ping"]


def test_an_instance_is_drawn_with_its_own_version(engine, plans):
    bundle = bundle_from_file(ROOT / "processes" / "market_plan.bpmn", ROOT / "forms")
    changed = dataclasses.replace(bundle, bpmn=bundle.bpmn.replace(b'name="Market plan"', b'name="Market plan 2"'))
    assert engine.definitions.deploy(Person("gao.yan"), [changed], "Renamed")[0].version == 2
    newer = start_plan(engine)
    assert 'name="Market plan 2"' not in engine.audit.diagram(Person("he.ping"), plans["approved"]).bpmn
    assert 'name="Market plan 2"' in engine.audit.diagram(Person("he.ping"), newer).bpmn
    assert ids(engine.audit.search(Person("he.ping"), {"process": "market_plan", "version": "2"})) == [newer]
    assert engine.audit.heatmap(Person("he.ping"), "market_plan", 2)["instances"] == 1
    versions = {(v.process, v.version): v.instances for v in engine.audit.versions(Person("he.ping"))}
    assert versions[("market_plan", 1)] == 4 and versions[("market_plan", 2)] == 1
