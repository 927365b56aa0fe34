"""Retries never double: writes sent with an ``Idempotency-Key`` are done once per key and person.

The first test serves the app with waitress (as ``opsflow serve`` does) and cuts connections mid-request: after
the whole request was sent but before the answer was read, and half-way through the body; the client then
sends the request again with the same key until it gets an answer, and also many times at once. There is
exactly one start, every answer names the same instance, and the same key with another body is refused (422).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.facade import Engine
from engine.models import ProcessInstance, TaskComment
from engine.org.people import Person
from tests import serving
from tests.api.helpers import ApiUsers, make_app
from tests.clocks import FakeClock
from tests.journey import RESEARCH, START, only_task

START_PATH = "/api/v1/process-definitions/market_plan/start"
PATIENCE = serving.PATIENCE


@pytest.fixture
def served(engine: Engine) -> Iterator[int]:
    """The app on waitress on a free port of 127.0.0.1 (the port)."""
    with serving.served(make_app(engine)) as port:
        yield port


def _raw_request(token: str, key: str, body: bytes) -> bytes:
    head = (f"POST {START_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def _post(port: int, token: str, key: str, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
    connection = HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
    try:
        connection.request("POST", START_PATH, body, {"Authorization": f"Bearer {token}", "Idempotency-Key": key,
                                                      "Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read()), dict(response.getheaders())
    finally:
        connection.close()


def _until_answered(port: int, token: str, key: str, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Send again while the first request is under way (409), as a client retrying would."""
    give_up = time.monotonic() + PATIENCE
    while True:
        status, answer, headers = _post(port, token, key, body)
        if status != 409 or time.monotonic() > give_up:
            return status, answer, headers
        time.sleep(0.05)


def _started(engine: Engine, title: str) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessInstance)
                                  .where(ProcessInstance.title.contains(title))) or 0)


def test_cut_connections_and_retries_make_exactly_one_start_per_key(engine: Engine, served: int) -> None:
    token = engine.org.create_token(Person("li.na"), "retries")
    for round_number in range(3):
        title = f"Cut {round_number} {uuid.uuid4().hex[:6]}"
        key = str(uuid.uuid4())
        body = json.dumps({"data": {**START, "title": title}}).encode()
        serving.cut(served, _raw_request(token, key, body[: len(body) // 2]))  # cut half-way through the body
        serving.cut(served, _raw_request(token, key, body))  # cut after sending it all, before the answer
        serving.cut(served, _raw_request(token, key, body))
        status, first, _ = _until_answered(served, token, key, body)
        assert status == 201, first
        with ThreadPoolExecutor(max_workers=4) as pool:  # and many retries at once
            answers = list(pool.map(_until_answered, [served] * 8, [token] * 8, [key] * 8, [body] * 8))
        assert {(status, answer["id"]) for status, answer, _ in answers} == {(201, first["id"])}
        assert all(headers.get("Idempotent-Replayed") == "true" for _, _, headers in answers)
        assert _started(engine, title) == 1
        another = f"Another {uuid.uuid4().hex[:6]}"
        other = json.dumps({"data": {**START, "title": another}}).encode()
        status, refused, _ = _post(served, token, key, other)
        assert (status, refused["error"]) == (422, "idempotency_key_reused")
        assert _started(engine, another) == 0


def test_a_comment_sent_twice_with_one_key_is_made_once(users: ApiUsers, engine: Engine) -> None:
    started = engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(engine, "wang.lei", "research", started.id)
    wang = users["wang.lei"]
    headers = {**wang.headers, "Idempotency-Key": "comment-1"}
    first = wang.client.post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "Prices rose"}, headers=headers)
    again = wang.client.post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "Prices rose"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    with engine.core.reading() as session:
        assert session.scalar(select(func.count()).select_from(TaskComment)
                              .where(TaskComment.human_task_id == task["id"])) == 1
    # another person's same key is theirs alone: li.na's comment is made
    li = users["li.na"]
    hers = li.client.post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "Prices rose"},
                          headers={**li.headers, "Idempotency-Key": "comment-1"})
    assert hers.status_code == 201 and hers.get_json()["id"] != first.get_json()["id"]


def test_a_key_is_kept_for_24_hours_then_forgotten(demo: Engine, clock: FakeClock) -> None:
    li = ApiUsers(make_app(demo).test_client(), demo)["li.na"]
    headers = {**li.headers, "Idempotency-Key": "plan-1"}
    first = li.client.post(START_PATH, json={"data": START}, headers=headers)
    clock.advance(hours=23)
    assert demo.requests.forget_old() == 0
    again = li.client.post(START_PATH, json={"data": START}, headers=headers)
    assert again.get_json()["id"] == first.get_json()["id"]
    clock.advance(hours=2)  # 25 hours on: the key is new again
    later = li.client.post(START_PATH, json={"data": START}, headers=headers)
    assert later.status_code == 201 and later.get_json()["id"] != first.get_json()["id"]
    clock.advance(hours=25)
    assert demo.requests.forget_old() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ"], ids=["empty", "too long", "not ASCII"])
def test_a_malformed_key_is_refused_and_nothing_is_started(users: ApiUsers, engine: Engine, key: str) -> None:
    li = users["li.na"]
    title = f"Malformed {uuid.uuid4().hex[:6]}"
    response = li.client.post(START_PATH, json={"data": {**START, "title": title}},
                              headers={**li.headers, "Idempotency-Key": key.encode("utf-8").decode("latin-1")})
    assert response.status_code == 400
    assert list(response.get_json()["fields"]) == ["Idempotency-Key"]
    assert _started(engine, title) == 0


def test_a_signer_removed_twice_with_one_key_is_removed_once(users: ApiUsers, engine: Engine) -> None:
    started = engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(engine, "wang.lei", "research", started.id)["id"]
    engine.work.claim(Person("wang.lei"), task)
    engine.work.add_signers(Person("wang.lei"), task, ["zhou.jie", "wu.fang"], "after", "two more eyes")
    wang = users["wang.lei"]
    headers = {**wang.headers, "Idempotency-Key": "remove-zhou"}
    path = f"/api/v1/tasks/{task}/remove-signer"
    first = wang.client.post(path, json={"person": "zhou.jie"}, headers=headers)
    again = wang.client.post(path, json={"person": "zhou.jie"}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)  # not 409 "they are no longer asked"
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    removals = [e for e in engine.work.history(Person("li.na"), started.id) if e["kind"] == "signer_removed"]
    assert len(removals) == 1
    other = wang.client.post(path, json={"person": "wu.fang"}, headers=headers)
    assert (other.status_code, other.get_json()["error"]) == (422, "idempotency_key_reused")


def test_a_completion_sent_twice_with_one_key_gets_the_first_answer(users: ApiUsers, engine: Engine) -> None:
    started = engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(engine, "wang.lei", "research", started.id)["id"]
    wang = users["wang.lei"]
    headers = {**wang.headers, "Idempotency-Key": "research-done"}
    path = f"/api/v1/tasks/{task}/complete"
    first = wang.client.post(path, json={"data": RESEARCH}, headers=headers)
    again = wang.client.post(path, json={"data": RESEARCH}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)  # not 409 "already completed"
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    completions = [e for e in engine.work.history(Person("li.na"), started.id) if e["kind"] == "task_completed"]
    assert len(completions) == 1
    other = wang.client.post(path, json={"data": {**RESEARCH, "summary": "Another text"}}, headers=headers)
    assert (other.status_code, other.get_json()["error"]) == (422, "idempotency_key_reused")


def test_a_start_whose_answer_was_lost_is_not_done_again_and_says_so(
    demo: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server stops between the start's commit (which held the key) and keeping its answer: a retry at once is
    "under way" (409 conflict); one past ``UNDER_WAY_AT_MOST`` is told the start was done and its answer lost
    (409 ``idempotency_answer_lost``, in the reader's language), never a second start."""
    li = ApiUsers(make_app(demo).test_client(), demo)["li.na"]
    monkeypatch.setattr(demo.requests, "keep_answer", lambda request, answer: None)  # the answer never kept
    title = f"Lost {uuid.uuid4().hex[:6]}"
    headers = {**li.headers, "Idempotency-Key": "lost-1"}
    body = {"data": {**START, "title": title}}
    assert li.client.post(START_PATH, json=body, headers=headers).status_code == 201
    soon = li.client.post(START_PATH, json=body, headers=headers)
    assert (soon.status_code, soon.get_json()["error"]) == (409, "conflict")
    clock.advance(minutes=3)
    later = li.client.post(START_PATH, json=body, headers=headers)
    assert (later.status_code, later.get_json()["error"]) == (409, "idempotency_answer_lost")
    assert "answer was lost" in later.get_json()["message"]
    chinese = li.client.post(START_PATH, json=body, headers={**headers, "Accept-Language": "zh-CN"})
    assert chinese.get_json()["error"] == "idempotency_answer_lost"
    assert "不会再" in chinese.get_json()["message"]  # "will not be done again", in Chinese
    assert _started(demo, title) == 1
    other = li.client.post(START_PATH, json={"data": {**START, "title": "Other"}}, headers=headers)
    assert (other.status_code, other.get_json()["error"]) == (422, "idempotency_key_reused")
