"""The moves of issue 19 over the REST API, beyond the document's shapes: urging too soon answers 429 with
Retry-After and when it may be sent again; refusals name what is wrong."""

from __future__ import annotations

import pytest

from engine.facade import Engine
from engine.org.people import Person
from tests.api.helpers import ApiUsers, make_app
from tests.clocks import FakeClock
from tests.journey import only_task, start_plan


@pytest.fixture
def users(demo: Engine) -> ApiUsers:
    """Users of the app around the engine on the test's clock (SQLite and PostgreSQL)."""
    return ApiUsers(make_app(demo).test_client(), demo)


def test_urging_again_within_the_hour_is_429_with_retry_after(users: ApiUsers, demo: Engine, clock: FakeClock):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    li_na = users["li.na"]
    first = li_na.ok("POST", f"/tasks/{research}/urge", {"note": "请今天处理"})
    assert first["told"] == ["wang.lei"]
    clock.advance(minutes=20)
    refused = li_na.post(f"/tasks/{research}/urge")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(40 * 60)
    body = refused.get_json()
    assert body["error"] == "too_many_requests" and first["next_at"] in body["message"]
    clock.advance(minutes=40)
    assert li_na.ok("POST", f"/tasks/{research}/urge")["told"] == ["wang.lei"]


def test_withdrawing_after_someone_acted_is_409_saying_to_urge_instead(users: ApiUsers, demo: Engine):
    plan = start_plan(demo)
    demo.work.claim(Person("wang.lei"), only_task(demo, "wang.lei", "research", plan)["id"])
    refused = users["li.na"].post(f"/process-instances/{plan}/withdraw", {"reason": "Changed my mind"})
    assert refused.status_code == 409 and "urge the holder instead" in refused.get_json()["message"]
    other = start_plan(demo)
    empty = users["li.na"].post(f"/process-instances/{other}/withdraw", {"reason": " "})
    assert empty.status_code == 400 and list(empty.get_json()["fields"]) == ["reason"]


def test_a_transfer_to_an_unknown_person_names_the_field(users: ApiUsers, demo: Engine):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    answer = users["wang.lei"].post(f"/tasks/{research}/transfer", {"to": "no.body", "reason": "Away"})
    assert answer.status_code == 400 and list(answer.get_json()["fields"]) == ["to"]
