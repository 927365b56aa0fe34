"""Submitted fields → typed JSON (webui.forms.parse): names, types, empty values, rows."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.datastructures import MultiDict

from webui.forms.parse import error_key, field_name, parse_form

FORMS = Path(__file__).resolve().parents[2] / "forms" / "market_plan"
DRAFT_SCHEMA = json.loads((FORMS / "draft_plan.json").read_text(encoding="utf-8"))

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "count": {"type": "integer"},
        "amount": {"type": "number"},
        "urgent": {"type": "boolean"},
        "level": {"type": "integer", "enum": [1, 2, 3]},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}},
        "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "label": {"type": "string"}, "done": {"type": "boolean"}}}},
    },
}


def test_the_naming_scheme() -> None:
    assert field_name("activities", 0, "name") == "activities-0-name"
    assert field_name("channels", 2) == "channels-2"
    assert error_key("activities.0.name") == "activities-0-name"


def test_values_take_the_schema_types() -> None:
    form = MultiDict([("name", "  Ann "), ("count", "1,200"), ("amount", "480000.50"), ("urgent", "true"),
                      ("level", "2"), ("tags", "a"), ("tags", "c"), ("address-city", "Xi'an")])
    assert parse_form(SCHEMA, form) == {
        "name": "Ann", "count": 1200, "amount": 480000.5, "urgent": True, "level": 2, "tags": ["a", "c"],
        "address": {"city": "Xi'an"},
    }


def test_empty_values_are_dropped_and_an_unticked_box_is_false() -> None:
    form = MultiDict([("name", "   "), ("count", ""), ("address-city", ""), ("rows-0-label", "")])
    assert parse_form(SCHEMA, form) == {"urgent": False}


def test_what_cannot_be_converted_is_passed_on_as_typed() -> None:
    form = MultiDict([("count", "12.5"), ("amount", "abc"), ("level", "7")])
    data = parse_form(SCHEMA, form)
    assert data["count"] == "12.5" and data["amount"] == "abc" and data["level"] == "7"
    assert parse_form(SCHEMA, MultiDict([("amount", "nan")]))["amount"] == "nan"


def test_rows_are_read_in_number_order_with_gaps_and_empty_rows_dropped() -> None:
    form = MultiDict([
        ("channels-7", "Estate offices"), ("channels-0", "WeChat"), ("channels-3", ""),
        ("activities-5-name", "Second"), ("activities-1-name", "First"), ("activities-1-start", "2027-01-10"),
        ("activities-2-name", ""), ("activities-2-start", ""),
    ])
    data = parse_form(DRAFT_SCHEMA, form)
    assert data["channels"] == ["WeChat", "Estate offices"]
    assert data["activities"] == [{"name": "First", "start": "2027-01-10"}, {"name": "Second"}]


def test_a_row_with_only_an_unticked_box_is_empty() -> None:
    form = MultiDict([("rows-0-label", "x"), ("rows-1-label", ""), ("rows-2-done", "true")])
    assert parse_form(SCHEMA, form)["rows"] == [{"label": "x"}, {"done": True}]


def test_fields_outside_the_schema_are_ignored() -> None:
    assert parse_form({"type": "object", "properties": {}}, MultiDict([("csrf_token", "x"), ("evil", "1")])) == {}
