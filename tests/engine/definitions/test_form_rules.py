"""Rules a form states beyond JSON Schema: a field that may not come before its sibling (``x-not-before``)."""

from __future__ import annotations

import json

import pytest

from engine.definitions.forms import check_schema, order_errors, validate_form
from engine.errors import FormInvalid
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, only_task, start_plan, step
from tests.paths import REPO

DRAFT_FORM = json.loads((REPO / "forms" / "market_plan" / "draft_plan.json").read_text(encoding="utf-8"))


def with_activities(*rows: dict[str, str]) -> dict[str, object]:
    return {**DRAFT, "activities": list(rows)}


def test_an_activity_may_not_end_before_it_starts(engine):
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    task = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    backwards = with_activities({"name": "Open days", "start": "2027-01-10", "end": "2027-03-20"},
                                {"name": "Radio", "start": "2027-03-01", "end": "2027-02-28"})
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("zhang.min"), task, backwards)
    assert refused.value.fields == {"activities.1.end": ["must not be before start"]}
    assert only_task(engine, "zhang.min", "draft_plan", plan)["id"] == task  # nothing moved
    same_day = with_activities({"name": "Launch", "start": "2027-03-01", "end": "2027-03-01"},
                               {"name": "Open-ended", "start": "2027-03-01"})
    assert engine.work.complete(Person("zhang.min"), task, same_day)["next_tasks"] == ["manager_review"]


def test_the_rule_reads_nested_objects_and_leaves_missing_values_alone():
    schema = {"type": "object", "properties": {"trip": {"type": "object", "properties": {
        "out": {"type": "string"}, "back": {"type": "string", "x-not-before": "out"}}}}}
    assert order_errors(schema, {"trip": {"out": "2027-05-02", "back": "2027-05-01"}}) == {
        "trip.back": ["must not be before out"]}
    assert order_errors(schema, {"trip": {"back": "2027-05-01"}}) == {}
    assert order_errors(schema, {"trip": {"out": "", "back": "2027-05-01"}}) == {}
    with pytest.raises(FormInvalid):
        validate_form(schema, {"trip": {"out": "2027-05-02", "back": "2027-05-01"}})


def test_a_form_whose_rule_names_no_field_beside_it_is_refused():
    check_schema(DRAFT_FORM, "draft_plan.json")  # the shipped form is fine
    broken = json.loads(json.dumps(DRAFT_FORM))
    broken["properties"]["activities"]["items"]["properties"]["end"]["x-not-before"] = "begin"
    with pytest.raises(ValueError, match=r"x-not-before of activities\[\]\.end names no field beside it"):
        check_schema(broken, "draft_plan.json")
