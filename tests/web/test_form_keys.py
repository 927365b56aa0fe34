"""A web form that writes carries a key made as it is drawn: sending one drawing twice (a double click, a
reload, a retry after a cut connection) writes once, and the second sending goes where the first went."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.facade import Engine
from engine.models import InstanceCopy, ProcessInstance, TaskComment
from engine.org.people import Person
from tests.clocks import FakeClock
from tests.journey import START, only_task
from tests.web.conftest import make_app, sign_in_session, text

KEY_FIELD = re.compile(r'name="request_key" value="([0-9a-f]+)"')


def _keys(page: str) -> list[str]:
    return KEY_FIELD.findall(page)


def _count(engine: Engine, model: type[ProcessInstance] | type[TaskComment]) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_start_form_sent_twice_starts_once(any_db_engine: Engine) -> None:
    client = sign_in_session(make_app(any_db_engine).test_client(), "li.na")
    page = text(client.get("/processes/market_plan"))
    [key] = _keys(page)
    assert _keys(text(client.get("/processes/market_plan"))) != [key]  # one key per drawing
    before = _count(any_db_engine, ProcessInstance)
    first = client.post("/processes/market_plan", data={**START, "request_key": key})
    second = client.post("/processes/market_plan", data={**START, "request_key": key})
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]  # the instance the first one started
    assert _count(any_db_engine, ProcessInstance) == before + 1
    assert "sent already" in text(client.get(second.headers["Location"]))
    other = client.post("/processes/market_plan", data={**START, "request_key": _keys(page)[0] + "0"})
    assert other.status_code == 303 and _count(any_db_engine, ProcessInstance) == before + 2  # another drawing


def test_a_comment_sent_twice_is_added_once(any_db_engine: Engine) -> None:
    started = any_db_engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(any_db_engine, "wang.lei", "research", started.id)
    client = sign_in_session(make_app(any_db_engine).test_client(), "wang.lei")
    keys = _keys(text(client.get(f"/tasks/{task['id']}")))
    assert keys and len(set(keys)) == len(keys)  # each form of the page has its own
    sent = {"body": "Prices rose in May", "request_key": keys[-1]}
    before = _count(any_db_engine, TaskComment)
    for _ in range(3):
        assert client.post(f"/tasks/{task['id']}/comments", data=sent).status_code == 303
    assert _count(any_db_engine, TaskComment) == before + 1


def _key_of(page: str, action: str) -> str:
    """The key of the form posting to ``action`` on ``page``."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None, action
    [key] = _keys(form.group(1))
    return key


def test_a_copy_sent_twice_copies_once(any_db_engine: Engine) -> None:
    started = any_db_engine.work.start(Person("li.na"), "market_plan", START)
    client = sign_in_session(make_app(any_db_engine).test_client(), "li.na")
    key = _key_of(text(client.get(f"/instances/{started.id}")), f"/copies/{started.id}")
    sent = {"to": "zhao.qiang", "note": "FYI", "request_key": key}
    first = client.post(f"/copies/{started.id}", data=sent)
    second = client.post(f"/copies/{started.id}", data=sent)
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert "sent already" in text(client.get(second.headers["Location"]))
    with any_db_engine.core.reading() as session:
        copies = session.scalar(select(func.count()).select_from(InstanceCopy)
                                .where(InstanceCopy.instance_id == started.id))
    assert copies == 1


def test_an_urge_sent_twice_is_not_refused_as_too_soon(any_db_engine: Engine) -> None:
    started = any_db_engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(any_db_engine, "wang.lei", "research", started.id)
    client = sign_in_session(make_app(any_db_engine).test_client(), "li.na")
    key = _key_of(text(client.get(f"/instances/{started.id}")), f"/tasks/{task['id']}/urge")
    sent = {"next": f"/instances/{started.id}", "request_key": key}
    assert client.post(f"/tasks/{task['id']}/urge", data=sent).status_code == 303
    second = client.post(f"/tasks/{task['id']}/urge", data=sent)
    assert second.status_code == 303
    page = text(client.get(second.headers["Location"]))
    assert "sent already" in page  # the first answer again,
    assert "urged less than an hour ago" not in page  # not the once-an-hour refusal
    fresh = client.post(f"/tasks/{task['id']}/urge", data={**sent, "request_key": key + "0"})
    assert "sent already" not in text(client.get(fresh.headers["Location"]))  # a new drawing is a new urge


def test_a_delegation_sent_twice_is_done_once(any_db_engine: Engine) -> None:
    started = any_db_engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(any_db_engine, "wang.lei", "research", started.id)
    client = sign_in_session(make_app(any_db_engine).test_client(), "wang.lei")
    page = text(client.get(f"/tasks/{task['id']}"))
    key = _key_of(page, f"/tasks/{task['id']}/delegate")
    colleague = re.search(r'id="delegate-to" name="to"[^>]*>\s*<option value="([^"]+)"', page)
    assert colleague is not None
    sent = {"to": colleague.group(1), "reason": "You know the region", "request_key": key}
    first = client.post(f"/tasks/{task['id']}/delegate", data=sent)
    second = client.post(f"/tasks/{task['id']}/delegate", data=sent)
    assert second.headers["Location"] == first.headers["Location"]
    assert "sent already" in text(client.get(second.headers["Location"]))


def test_a_start_form_whose_answer_was_lost_is_not_started_again(
    demo: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server stopped after the start committed, before keeping where it went: a second sending of the drawing
    minutes later starts nothing and says the form was sent already."""
    client = sign_in_session(make_app(demo).test_client(), "li.na")
    [key] = _keys(text(client.get("/processes/market_plan")))
    monkeypatch.setattr(demo.requests, "keep_answer", lambda request, answer: None)
    before = _count(demo, ProcessInstance)
    assert client.post("/processes/market_plan", data={**START, "request_key": key}).status_code == 303
    clock.advance(minutes=3)
    again = client.post("/processes/market_plan", data={**START, "request_key": key})
    assert (again.status_code, again.headers["Location"]) == (303, "/")
    assert _count(demo, ProcessInstance) == before + 1
    assert "was not done again" in text(client.get("/"))
