"""Bidirectional control characters (U+202A–U+202E, U+2066–U+2069) are refused in one-line texts — a request's
title, a person's or a unit's name, a reason — with the field named; nothing changes. Multi-line texts (a
textarea field) keep them: right-to-left writing needs them there."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import FormInvalid, InvalidInput
from engine.facade import Engine
from engine.models import ProcessInstance, User
from engine.org.people import Person
from engine.org.staffing import PersonSpec
from engine.text_input import line_problem
from tests.journey import START

CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
ADMIN = Person("admin")


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_each_bidi_control_is_a_problem_of_a_one_line_text_naming_it(char: str) -> None:
    assert f"U+{ord(char):04X}" in (line_problem(f"invoice{char}fdp.exe") or "")


def test_plain_chinese_and_english_and_arabic_letters_are_fine() -> None:
    assert line_problem("春季推广 Spring launch مرحبا") is None


def _count(engine: Engine, model: type[ProcessInstance] | type[User]) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_title_with_a_bidi_override_is_refused_naming_the_field(engine: Engine) -> None:
    before = _count(engine, ProcessInstance)
    with pytest.raises(FormInvalid) as refused:
        engine.work.start(Person("li.na"), "market_plan", {**START, "title": "Plan \u202egpj.exe"})
    assert list(refused.value.fields) == ["title"]
    assert "U+202E" in refused.value.fields["title"][0]
    assert _count(engine, ProcessInstance) == before


def test_a_reason_and_a_name_with_a_bidi_isolate_are_refused(engine: Engine) -> None:
    started = engine.work.start(Person("li.na"), "market_plan", START)
    with pytest.raises(InvalidInput, match=r"^the reason contains a bidirectional control character \(U\+2067\)"):
        engine.work.withdraw(Person("li.na"), started.id, "changed \u2067my mind")
    assert engine.work.show(Person("li.na"), started.id)["status"] == "running"
    users = _count(engine, User)
    with pytest.raises(InvalidInput, match=r"^the name contains a bidirectional control character \(U\+202D\)"):
        engine.org.add_person(ADMIN, "new.joiner", PersonSpec(name="New \u202dJoiner", roles=["staff"]))
    assert _count(engine, User) == users
