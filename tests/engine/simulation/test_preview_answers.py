"""The answers a route preview assumes for a step: the given fields first, else what people answered most
often (counted once per fit), else the form's default."""

from __future__ import annotations

from engine.simulation.preview import assumed_form, typical_answers

SCHEMA = {"type": "object", "properties": {
    "decision": {"type": "string", "enum": ["approve", "return"]},
    "budget_cny": {"type": "integer"},
    "comment": {"type": "string"},
}}


def test_the_most_frequent_answer_per_field_is_counted_once_per_step() -> None:
    history = {"manager_review": [{"decision": "return", "budget_cny": 5}, {"decision": "approve"},
                                  {"decision": "return", "budget_cny": 7}, {"decision": "approve", "budget_cny": 7}],
               "research": []}
    typical = typical_answers(history)
    assert typical == {"manager_review": {"decision": "return", "budget_cny": 7}, "research": {}}  # a tie: the first


def test_given_fields_come_before_history_and_history_before_defaults() -> None:
    typical = {"decision": "return", "budget_cny": 7}
    assert assumed_form(SCHEMA, "manager_review", {}, typical) == {"decision": "return", "budget_cny": 7,
                                                                   "comment": ""}
    assert assumed_form(SCHEMA, "manager_review", {"budget_cny": 900}, typical)["budget_cny"] == 900
    nested = assumed_form(SCHEMA, "manager_review", {"manager_review": {"decision": "approve"}, "decision": "x"},
                          typical)
    assert nested["decision"] == "approve"  # under the step's name, before the flat field
    assert assumed_form(SCHEMA, "manager_review", {}, {}) == {"decision": "approve", "budget_cny": 0, "comment": ""}
