"""A decision records the role and unit its decider held at that moment (issue 20): an auditor looking at a
request decided before a promotion sees the role the decider held then, not the one held now."""

from __future__ import annotations

from engine.org.people import Person
from engine.org.staffing import PersonSpec
from tests.journey import decision, research_and_draft, start_plan, step

ADMIN, AUDITOR = Person("admin"), Person("he.ping")


def test_an_auditor_sees_the_role_the_decider_held_when_deciding(demo):
    plan = start_plan(demo)
    research_and_draft(demo, plan)
    step(demo, "li.na", "manager_review", plan, decision("approve"))
    demo.org.set_person(ADMIN, "li.na", PersonSpec(roles=["director"]))  # promoted after her review
    steps = {s["task_name"]: s for s in demo.audit.instance(AUDITOR, plan)["steps"] if s["kind"] == "task_completed"}
    review = steps["manager_review"]
    assert (review["actor"], review["decider_roles"], review["decider_unit"]) == (
        "li.na", ["marketing_manager"], "marketing")
    assert steps["research"]["decider_roles"] == ["research_supervisor"]
    step(demo, "li.na", "director_signoff", plan, decision("approve"))  # now as the director she has become
    [signoff] = [s for s in demo.audit.instance(AUDITOR, plan)["steps"] if s["task_name"] == "director_signoff"]
    assert signoff["decider_roles"] == ["director"]
    started = demo.audit.instance(AUDITOR, plan)["steps"][0]
    assert started["kind"] == "instance_started" and started["decider_roles"] is None  # only decisions carry it
