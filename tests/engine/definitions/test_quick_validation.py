"""Submissions found valid by ``jsonschema_rs`` (the quick check of ``engine.definitions.forms``) are valid for
``jsonschema`` too: every form the repository ships, against generated data valid and invalid; the journey's real
submissions are found valid quickly; the errors of invalid data are worded by ``jsonschema`` as before."""

from __future__ import annotations

import json
import random
from typing import Any

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from engine.definitions import forms
from engine.definitions.forms import collect_errors
from tests.journey import DRAFT, RESEARCH, decision
from tests.paths import REPO

FORMATS = FormatChecker()
SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def _is_form(path: Any) -> bool:
    text = path.read_text(encoding="utf-8")
    if f'"{SCHEMA}"' not in text:
        return False
    try:
        Draft202012Validator.check_schema(json.loads(text))
    except SchemaError:  # a fixture of a wrong form: deploys refuse it
        return False
    return True


FORM_FILES = sorted(path for folder in ("forms", "packs", "bench/forms", "tests/fixtures")
                    for path in (REPO / folder).rglob("*.json") if _is_form(path))
TEXTS = ["", " ", "\u3000", "\u00a0", "\u2028", "x", "approve", "return", "reject", "veto", "WeChat", "2027",
         "2027-Q1", "2027-03", "2027-01-10", "2027-02-30", "2027-1-10", "２０２７-01-10", "10:30", "10:30:00Z",
         "a@b", "a" * 64, "0" * 64, "٣", "李娜", "x" * 201, "x" * 10001, "line\u202ebreak"]
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


def _quick(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True, ignore_unknown_formats=True, offline=True)


def test_the_shipped_forms_are_many():
    assert len(FORM_FILES) >= 20


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_what_the_quick_check_finds_valid_jsonschema_finds_valid(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    quick = _quick(schema)
    rng = random.Random(path.name)  # noqa: S311 - reproducible test data, not a secret
    found = {True: 0, False: 0}
    for _ in range(300):
        data = _from_schema(schema, rng)
        valid = quick.is_valid(data)
        if valid:
            assert _jsonschema_valid(schema, data), data
        found[valid] += 1
        assert (collect_errors(schema, data) == {}) == _jsonschema_valid(schema, data), data
    assert found[False] > 0  # the generated data reaches invalid values too


def test_the_journey_submissions_are_found_valid_by_the_quick_check():
    folder = REPO / "forms" / "market_plan"
    for name, data in [("research", RESEARCH), ("draft_plan", DRAFT), ("manager_review", decision("approve")),
                       ("director_signoff", decision("approve"))]:
        schema = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        assert _quick(schema).is_valid(data), name
        assert forms._validators(schema)[1] is not None


def test_errors_are_worded_by_jsonschema_as_before():
    form = json.loads((REPO / "forms" / "market_plan" / "draft_plan.json").read_text(encoding="utf-8"))
    wrong = {**DRAFT, "period_type": "weekly", "budget_cny": -1}
    assert collect_errors(form, wrong) == {"period_type": ["must be one of: annual, quarterly, monthly"],
                                           "budget_cny": ["-1 is less than the minimum of 0"]}
    assert collect_errors(form, DRAFT) == {}


@pytest.mark.parametrize(("schema", "data", "errors"), [
    # a format the Rust check holds to more strictly than jsonschema's: jsonschema's verdict stands (valid)
    ({"type": "object", "properties": {"mail": {"type": "string", "format": "email"}}}, {"mail": "a@b"}, {}),
    # a pattern only Python's regular expressions read: no quick check, jsonschema alone
    ({"type": "object", "properties": {"code": {"type": "string", "pattern": "^a\\Z"}}}, {"code": "b"},
     {"code": ["'b' does not match '^a\\\\Z'"]}),
])
def test_jsonschemas_verdict_stands_where_the_quick_check_cannot_say(schema, data, errors):
    assert collect_errors(schema, data) == errors
