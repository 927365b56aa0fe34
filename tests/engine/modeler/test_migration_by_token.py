"""Migration judges each instance by where its token is: a step the new version removes stops only the
instances waiting at it; those before it or past it move (SQLite and PostgreSQL)."""

from __future__ import annotations

from engine.org.people import Person
from tests.engine.modeler.test_modeler import ANALYST, deploy_budget_check
from tests.journey import OPERATOR, decision, research_and_draft, start_plan, step
from tests.modeler_steps import BUDGET_DONE, MARKET_PLAN


def deploy_without_budget_check(engine) -> None:
    opened = engine.modeler.open_draft(Person(ANALYST), "market_plan")
    files = {n: f for n, f in opened["files"].items() if "budget_check" not in n}
    saved = engine.modeler.save_draft(Person(ANALYST), "market_plan", MARKET_PLAN, files, opened["version"])
    assert [p for p in saved["problems"] if p["severity"] == "error"] == []
    assert engine.modeler.deploy_draft(Person(ANALYST), "market_plan", saved["version"],
                                       "No budget check any more")["version"] == 3


def test_a_removed_step_stops_only_the_instances_at_it(engine):
    deploy_budget_check(engine)  # version 2
    before = start_plan(engine)
    research_and_draft(engine, before)  # at manager review: has not reached the budget check
    at = start_plan(engine)
    research_and_draft(engine, at)
    step(engine, "li.na", "manager_review", at, decision("approve"))  # at the budget check
    past = start_plan(engine)
    research_and_draft(engine, past)
    step(engine, "li.na", "manager_review", past, decision("approve"))
    step(engine, "zhao.qiang", "budget_check", past, BUDGET_DONE)  # past it, at the director's sign-off
    deploy_without_budget_check(engine)

    checks = {c["instance_id"]: c for c in engine.modeler.migration_dry_run(Person(ANALYST), "market_plan", 3)}
    assert checks[before]["can_move"], checks[before]
    assert checks[past]["can_move"], checks[past]
    assert not checks[at]["can_move"]
    assert checks[at]["reasons"] == ["the instance is at step 'budget_check', which version 3 no longer has"]

    moved = {r["instance_id"]: r["moved"] for r in engine.modeler.migrate_instances(
        Person(ANALYST), [before, at, past], 3, "The budget check goes")}
    assert moved == {before: True, at: False, past: True}
    step(engine, "chen.yu", "director_signoff", past, decision("approve"))
    assert engine.work.show(OPERATOR, past)["status"] == "completed"
    step(engine, "li.na", "manager_review", before, decision("approve"))
    step(engine, "chen.yu", "director_signoff", before, decision("approve"))
    assert (engine.work.show(OPERATOR, before)["version"], engine.work.show(OPERATOR, before)["status"]) == (
        3, "completed")
