"""JSON Schema → form fields (webui.forms.render): widgets, limits, rows, errors, languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from webui.forms.render import Field, build_form

FORMS = Path(__file__).resolve().parents[2] / "forms"

SCHEMA = {
    "type": "object",
    "required": ["title", "decision"],
    "properties": {
        "title": {"type": "string", "title": "Title", "x-title-zh": "标题", "maxLength": 20},
        "notes": {"type": "string", "x-widget": "textarea", "description": "Long", "x-description-zh": "长"},
        "budget": {"type": "number", "minimum": 0, "maximum": 100, "x-format": "currency-cny"},
        "count": {"type": "integer"},
        "when": {"type": "string", "format": "date"},
        "kind": {"type": "string", "enum": ["a", "b"], "x-enum-labels": {"a": {"en": "Alpha", "zh": "甲"}}},
        "size": {"type": "string", "enum": ["s", "m"], "x-widget": "radio"},
        "decision": {"type": "string", "enum": ["approve", "veto"], "x-widget": "decision", "x-enum-labels": {
            "approve": {"en": "Approve", "zh": "批准"}, "veto": {"en": "Veto", "zh": "否决"}}},
        "ok": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}},
        "channels": {"type": "array", "maxItems": 4, "items": {"type": "string"}},
        "items": {"type": "array", "items": {"type": "object", "required": ["name"],
                                             "properties": {"name": {"type": "string", "title": "Name"}}}},
        "place": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def by_name(fields: list[Field]) -> dict[str, Field]:
    return {f.name: f for f in fields}


def test_each_kind_of_property_gets_its_widget(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        fields = by_name(build_form(SCHEMA).fields)
    assert {n: f.widget for n, f in fields.items()} == {
        "title": "text", "notes": "textarea", "budget": "number", "count": "number", "when": "date",
        "kind": "select", "size": "radio", "decision": "decision", "ok": "checkbox", "tags": "checkboxes",
        "channels": "list", "items": "table", "place": "group",
    }
    assert fields["budget"].attrs == {"inputmode": "decimal", "step": "0.01", "min": "0", "max": "100"}
    assert fields["budget"].unit == "¥"
    assert fields["count"].attrs["step"] == "1"
    # data-maxlength, never maxlength: a browser cuts a longer paste to maxlength without a word
    assert fields["title"].attrs["data-maxlength"] == "20" and "maxlength" not in fields["title"].attrs
    assert fields["title"].html_required
    assert [o.label for o in fields["kind"].options] == ["Alpha", "b"]
    assert [o.label for o in fields["decision"].options] == ["Approve", "Veto"]
    assert fields["place"].children[0].name == "place-city"


def test_arrays_offer_empty_rows_and_a_row_template(app: Flask) -> None:
    with app.test_request_context():
        fields = by_name(build_form(SCHEMA, {"channels": ["a", "b", "c"], "items": []}).fields)
    channels = fields["channels"]
    assert [r.fields[0].name for r in channels.rows] == ["channels-0", "channels-1", "channels-2", "channels-3"]
    assert [r.fields[0].value for r in channels.rows] == ["a", "b", "c", ""]  # capped by maxItems 4
    assert channels.template is not None and channels.template.fields[0].name == "channels-__i__"
    items = fields["items"]
    assert [[f.name for f in r.fields] for r in items.rows] == [["items-0-name"], ["items-1-name"], ["items-2-name"]]
    assert items.rows[0].fields[0].required and not items.rows[0].fields[0].html_required


def test_values_and_errors_are_shown_where_they_belong(app: Flask) -> None:
    values = {"title": "x" * 25, "budget": "abc", "items": [{"name": ""}], "kind": "b"}
    errors = {"title": ["'xxx' is too long"], "budget": ["'abc' is not of type 'number'"],
              "items.0.name": ["'' should be non-empty"], "items.0": ["is not a field of this form"],
              "decision": ["is required"], "_form": ["data must be a JSON object"]}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = build_form(SCHEMA, values, errors)
    fields = by_name(form.fields)
    assert fields["title"].errors == ["Enter at most 20 characters."]
    assert fields["budget"].errors == ["Enter a number."]
    assert fields["budget"].value == "abc" and fields["budget"].input_type == "text"  # what was typed stays
    assert fields["items"].rows[0].fields[0].errors == ["Enter at least 1 character."]
    assert fields["items"].rows[0].errors == ["This is not a field of this form."]
    assert fields["decision"].errors == ["This is required."]
    assert [o.value for o in fields["kind"].options if o.selected] == ["b"]
    assert [(p.label, p.anchor) for p in form.problems] == [
        ("Title", "f-title"), ("budget", "f-budget"), ("decision", "f-decision"), ("items", "f-items"),
        ("Name", "f-items-0-name"), ("", "form-errors")]


def test_titles_and_labels_in_chinese(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        fields = by_name(build_form(SCHEMA, {}, {"title": ["is required"]}).fields)
    assert fields["title"].label == "标题" and fields["title"].errors == ["此项为必填项。"]
    assert fields["notes"].help == "长"
    assert [o.label for o in fields["decision"].options] == ["批准", "否决"]


@pytest.mark.parametrize("path", sorted(FORMS.rglob("*.json")), ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_form_in_the_repository_renders(app: Flask, path: Path, lang: str) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    with app.test_request_context(headers={"Accept-Language": lang}):
        form = build_form(schema)
        page = render_template_string(
            '{% from "macros/form.html" import render_form %}{{ render_form(form, "/x", "Go") }}', form=form)
    for name in schema["properties"]:
        assert f'id="f-{name}-wrap"' in page, name
    assert all(f.label for f in form.fields)


def test_decision_choices_are_marked_by_whether_they_need_a_reason(app: Flask) -> None:
    schema = json.loads((FORMS / "appraisal" / "acknowledge.json").read_text(encoding="utf-8"))
    with app.test_request_context():
        decision = by_name(build_form(schema).fields)["decision"]
    assert {o.value: o.tone for o in decision.options} == {"accept": "ok", "object": "warn"}


def test_the_engines_newer_field_messages_are_said_in_the_users_language(app: Flask) -> None:
    values = {"title": "x" * 25, "budget": "1", "kind": "b"}
    errors = {"title": ["is longer than 20 characters"], "budget": ["contains a control character (U+0000)"],
              "kind": ["must be left empty with this decision"]}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = by_name(build_form(SCHEMA, values, errors).fields)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = by_name(build_form(SCHEMA, values, errors).fields)
    assert english["title"].errors == ["Enter at most 20 characters."]
    assert english["budget"].errors == ["This contains characters that are not allowed."]
    assert english["kind"].errors == ["Leave this empty with the choice you made."]
    assert chinese["budget"].errors == ["此项含有不允许的字符。"]
    assert chinese["kind"].errors == ["按您所选的决定，此项应留空。"]
