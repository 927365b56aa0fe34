"""The quick verdict on a submission (``engine.definitions.form_verdict``) never disagrees with jsonschema: every
form the repository ships, against generated data valid and invalid, and the journey's real submissions are
decided quickly (valid) rather than left to jsonschema."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from engine.definitions.form_verdict import verdict
from engine.definitions.forms import collect_errors
from tests.journey import DRAFT, RESEARCH, decision
from tests.paths import REPO

FORMATS = FormatChecker()
SCHEMA = "https://json-schema.org/draft/2020-12/schema"
FORM_FILES = sorted(path for folder in ("forms", "packs", "bench/forms", "tests/fixtures")
                    for path in (REPO / folder).rglob("*.json")
                    if f'"{SCHEMA}"' in path.read_text(encoding="utf-8"))
TEXTS = ["", " ", "x", "approve", "return", "reject", "veto", "WeChat", "2027", "2027-Q1", "2027-03", "2027-01-10",
         "2027-02-30", "10:30", "a" * 64, "0" * 64, "李娜", "x" * 201, "x" * 10001, "line\u202ebreak"]
SCALARS: list[Any] = [None, True, False, 0, 1, -1, 7, 2.5, 3.0, -0.5, 10**12, *TEXTS]


def _from_schema(schema: Any, rng: random.Random, depth: int = 0) -> Any:
    """A value shaped by ``schema`` more often than not (its enum, const, fields and items), else anything."""
    if not isinstance(schema, dict) or depth > 4 or rng.random() < 0.12:
        return rng.choice([*SCALARS, [], {}])
    choices: list[Any] = [*schema.get("enum", []), *([schema["const"]] if "const" in schema else [])]
    if choices and rng.random() < 0.8:
        return rng.choice(choices)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        value = {key: _from_schema(sub, rng, depth + 1) for key, sub in props.items() if rng.random() < 0.8}
        if rng.random() < 0.1:
            value["not_a_field"] = rng.choice(SCALARS)
        return value
    if kind == "array":
        return [_from_schema(schema.get("items", {}), rng, depth + 1) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
    if kind == "string":
        return rng.choice(TEXTS)
    if kind in ("number", "integer"):
        return rng.choice([0, 1, 5, 100, 480000, -1, 2.5, 3.0, 10**10])
    if kind == "boolean":
        return rng.choice([True, False])
    return rng.choice(SCALARS)


def _jsonschema_valid(schema: dict[str, Any], data: Any) -> bool:
    return not any(Draft202012Validator(schema, format_checker=FORMATS).iter_errors(data))


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_verdict_agrees_with_jsonschema_on_every_shipped_form(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    rng = random.Random(path.name)  # noqa: S311 - reproducible test data, not a secret
    decided = {True: 0, False: 0}
    for _ in range(300):
        data = _from_schema(schema, rng)
        found = verdict(schema, data, FORMATS)
        if found is not None:
            assert found == _jsonschema_valid(schema, data), data
            decided[found] += 1
    assert decided[False] > 0  # the generated data does reach invalid values the verdict itself decides


def test_the_journey_submissions_are_decided_valid_without_jsonschema():
    forms = REPO / "forms" / "market_plan"
    for name, data in [("research", RESEARCH), ("draft_plan", DRAFT), ("manager_review", decision("approve")),
                       ("director_signoff", decision("approve"))]:
        schema = json.loads((forms / f"{name}.json").read_text(encoding="utf-8"))
        assert verdict(schema, data, FORMATS) is True, name
        assert _jsonschema_valid(schema, data)


@pytest.mark.parametrize(("schema", "data"), [
    ({"type": "number"}, __import__("decimal").Decimal("1.5")),  # not what JSON makes: jsonschema decides
    ({"type": "string", "uniqueItems": True}, "x"),  # a keyword not decided quickly
    ({"type": "object", "patternProperties": {"^a": {"type": "string"}}, "additionalProperties": False}, {"a": "x"}),
    ({"enum": [1, 2]}, 1),  # enum of numbers: jsonschema's equality (1 is not True) decides
    ({"if": {"uniqueItems": True}, "then": {"type": "string"}}, "x"),  # a condition not decided: nor is the form
])
def test_what_it_does_not_decide_is_left_to_jsonschema(schema, data):
    assert verdict(schema, data, FORMATS) is None


def test_errors_are_worded_by_jsonschema_as_before():
    form = json.loads((REPO / "forms" / "market_plan" / "draft_plan.json").read_text(encoding="utf-8"))
    wrong = {**DRAFT, "period_type": "weekly", "budget_cny": -1}
    assert verdict(form, wrong, FORMATS) is False
    assert collect_errors(form, wrong) == {"period_type": ["must be one of: annual, quarterly, monthly"],
                                           "budget_cny": ["-1 is less than the minimum of 0"]}
    assert collect_errors(form, DRAFT) == {}
