"""Text no field accepts (NUL and other control characters, lone surrogates) is refused with the
field named, before anything is stored, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from engine.definitions.forms import MAX_FIELDS, validate_form
from engine.errors import FormInvalid, InvalidInput, ProcessNotFound, UserNotFound
from engine.org.people import Person
from engine.text_input import text_problem, unsafe_text_fields
from tests.engine.runtime.test_task_rights import snapshot
from tests.journey import OPERATOR, RESEARCH, START, only_task, start_plan


@pytest.mark.parametrize(("text", "problem"), [
    ("plain 中文\ttab\nline\r\n", None),
    ("a\x00b", "control character (U+0000)"),
    ("bell\x07", "control character (U+0007)"),
    ("a\udc00", "unpaired surrogate"),
    ("\ud83d\ude00", "unpaired surrogate"),  # a pair written as two escapes is still two lone halves in Python
    ("😀", None),
])
def test_text_problem_names_what_is_wrong(text, problem):
    found = text_problem(text)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_every_bad_string_is_found_by_its_path_keys_included():
    data = {"title": "ok", "rows": [{"name": "x\x00"}, "fine", "\ud800"], "bad\x01key": 1}
    assert unsafe_text_fields(data) == {
        "rows.0.name": ["contains a control character (U+0000)"],
        "rows.2": ["contains an unpaired surrogate, which is not valid Unicode text"],
        "bad\\x01key": ["the name contains a control character (U+0001)"],
    }
    deep: list = []
    for _ in range(40):
        deep = [deep]
    assert list(unsafe_text_fields(deep).values()) == [["is nested more than 32 levels deep"]]


def test_start_and_complete_refuse_such_text_and_change_nothing(engine):
    with pytest.raises(FormInvalid) as refused:
        engine.work.start(Person("li.na"), "market_plan", {**START, "title": "\x00\x00"})
    assert list(refused.value.fields) == ["title"]
    assert engine.work.instances(OPERATOR, "market_plan") == []
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    before = snapshot(engine, plan)
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("wang.lei"), task["id"], {**RESEARCH, "findings": "half a pair \ud800"})
    assert refused.value.fields == {"findings": ["contains an unpaired surrogate, which is not valid Unicode text"]}
    with pytest.raises(InvalidInput, match="control character"):
        engine.work.add_comment(Person("wang.lei"), task["id"], "a\x00b")
    with pytest.raises(InvalidInput, match="surrogate"):
        engine.work.cancel(Person("chen.yu"), plan, "why \udc00")
    for name in ("wang.lei\x00", "wang\udc00"):
        with pytest.raises(UserNotFound):
            engine.work.complete(Person(name), task["id"], RESEARCH)
        with pytest.raises(UserNotFound):
            engine.work.tasks(Person(name))
    assert snapshot(engine, plan) == before
    assert engine.work.comments(Person("wang.lei"), task["id"]) == []


def test_answers_to_huge_or_many_bad_values_stay_small():
    schema = {"type": "object", "additionalProperties": False,
              "properties": {"note": {"type": "string", "maxLength": 10}, "n": {"type": "integer"}}}
    with pytest.raises(FormInvalid) as refused:
        validate_form(schema, {"note": "x" * 900_000, "n": "y" * 900_000})
    assert refused.value.fields["note"] == ["is longer than 10 characters"]
    assert len(refused.value.fields["n"][0]) <= 200
    with pytest.raises(FormInvalid) as refused:
        validate_form(schema, {f"k{i:05}": 1 for i in range(5_000)})
    assert len(refused.value.fields) == MAX_FIELDS + 1
    assert refused.value.fields["_form"] == [f"and {5_000 - MAX_FIELDS} more fields are wrong"]
    assert len(refused.value.message) < 10_000


def test_numbers_that_are_not_finite_are_refused_and_so_is_a_key_with_nul(engine):
    with pytest.raises(FormInvalid) as refused:
        engine.work.start(Person("li.na"), "market_plan", {**START, "budget_hint": float("nan")})
    assert refused.value.fields == {"budget_hint": ["is not a finite number"]}
    with pytest.raises(ProcessNotFound):
        engine.work.start(Person("li.na"), "market\x00plan", START)
    assert engine.work.instances(OPERATOR) == []


@pytest.mark.parametrize(("text", "key"), [
    ('{"title": "a", "title": "b"}', "title"),
    ('{"data": {"x": 1, "y": 2, "x": 3}}', "x"),
    ('[{"k": 1}, {"k": 2, "k": 2}]', "k"),
])
def test_a_key_given_twice_is_refused_and_named(text, key):
    from engine.text_input import JsonUnreadable, read_json

    with pytest.raises(JsonUnreadable) as refused:
        read_json(text)
    assert refused.value.key == key and f"the key '{key}' is given more than once" in str(refused.value)


def test_the_same_key_in_different_objects_is_fine():
    from engine.text_input import read_json

    assert read_json('[{"k": 1}, {"k": 2}]') == [{"k": 1}, {"k": 2}]


def test_the_cli_refuses_a_data_argument_with_a_key_given_twice(sqlite_engine, sqlite_url, capsys):
    from opsflow.cli import main

    argv = ["--database", sqlite_url, "start", "market_plan", "--as", "li.na",
            "--data", '{"title": "A", "period_type": "annual", "period": "2027", "title": "B"}']
    assert main(argv) == 6
    assert "the key 'title' is given more than once" in capsys.readouterr().err
    assert sqlite_engine.work.instances(OPERATOR, "market_plan") == []
