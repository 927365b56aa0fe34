"""A step passed automatically for the same approver (自动去重) is a pass on the heatmap, counted as auto-passed,
and the path runs on through it to the end; a kept heatmap gives way to one that counts it (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.audit import heatmap_memo
from engine.org.people import Person
from tests.approver_rules import deploy_market_plan, move_role
from tests.engine.audit.test_audit_heatmap import _clocked
from tests.journey import decision, research_and_draft, start_plan, step

AUDITOR = Person("he.ping")


@pytest.fixture
def kept_engine(db_url):
    yield from _clocked(db_url)


def elements(heat) -> dict[str, dict]:
    return {e["id"]: e for e in heat["elements"]}


def test_an_auto_passed_sign_off_is_a_pass_of_its_own_kind(kept_engine, tmp_path):
    engine, clock = kept_engine
    version = deploy_market_plan(engine, tmp_path, {"skipSameApprover": "true"})
    signed = start_plan(engine)  # the director signs this one himself
    research_and_draft(engine, signed)
    step(engine, "li.na", "manager_review", signed, decision("approve"))
    step(engine, "chen.yu", "director_signoff", signed, decision("approve"))
    before = engine.audit.heatmap(AUDITOR, "market_plan", version)
    assert (elements(before)["director_signoff"]["passes"], elements(before)["director_signoff"]["auto_passed"]) == (
        1, 0)

    move_role(engine, "director", "chen.yu", "li.na")  # li.na reviews and signs off: the sign-off passes itself
    passed = start_plan(engine)
    research_and_draft(engine, passed)
    clock.now += timedelta(seconds=5)
    step(engine, "li.na", "manager_review", passed, decision("approve"))
    assert engine.audit.heatmap(AUDITOR, "market_plan", version)["computed_at"] == before["computed_at"]  # young
    clock.now += heatmap_memo.FRESH + timedelta(seconds=1)  # older, and the history moved: worked out anew
    heat = engine.audit.heatmap(AUDITOR, "market_plan", version)
    assert heat["computed_at"] > before["computed_at"]
    signoff = elements(heat)["director_signoff"]
    assert (signoff["instances"], signoff["passes"], signoff["auto_passed"], signoff["inferred_in"]) == (2, 2, 1, 0)
    assert signoff["times"]["open"]["count"] == 1  # only the sign-off a person did took time
    assert elements(heat)["approved"]["instances"] == 2  # the path reaches the end through the passed step
    assert elements(heat)["manager_review"]["auto_passed"] == 0
    gateway = {g["id"]: g for g in heat["gateways"]}["signoff_decision"]
    assert gateway["passes"] == 2

    diagram = engine.audit.heatmap_diagram(AUDITOR, "market_plan", version)
    assert elements(diagram.heatmap)["director_signoff"]["auto_passed"] == 1
    path = engine.audit.diagram(AUDITOR, passed).path  # the instance's own diagram passes through it too
    assert path["visits"].get("director_signoff") == 1 and path["unresolved"] == [] and path["ended"] == "approved"
