"""The moves of issue 19 over the REST API, beyond the document's shapes: urging too soon answers 429 with
Retry-After and when it may be sent again; refusals name what is wrong."""

from __future__ import annotations

import pytest

from engine.facade import Engine
from engine.org.people import Person
from tests.api.helpers import ApiUsers, make_app
from tests.clocks import FakeClock
from tests.journey import RESEARCH, only_task, start_plan


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


def test_refusals_are_said_in_the_readers_language_with_the_engines_text_as_detail(users: ApiUsers, demo: Engine):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9"}
    zhou = users["zhou.jie"]
    not_his = zhou.client.post(f"/api/v1/tasks/{research}/transfer", json={"to": "wu.fang", "reason": "忙"},
                               headers={**zhou.headers, **chinese})
    body = not_his.get_json()
    assert not_his.status_code == 403 and body["error"] == "forbidden"
    assert body["message"] == "您的角色无权查看或执行此操作。" and "zhou.jie" in body["detail"]
    in_english = zhou.post(f"/tasks/{research}/transfer", {"to": "wu.fang", "reason": "busy"}).get_json()
    assert in_english["message"] == body["detail"] and "detail" not in in_english  # English: the engine's own text
    demo.work.claim(Person("wang.lei"), research)
    li_na = users["li.na"]
    late = li_na.client.post(f"/api/v1/process-instances/{plan}/withdraw", json={"reason": "改主意了"},
                             headers={**li_na.headers, **chinese})
    assert late.status_code == 409
    assert late.get_json()["message"].startswith("此申请已无法撤回") and "urge the holder" in late.get_json()["detail"]
    wang = users["wang.lei"]
    demo.work.complete(Person("wang.lei"), research, RESEARCH)
    done = wang.client.post(f"/api/v1/tasks/{research}/urge", headers={**wang.headers, **chinese})
    assert done.status_code in (403, 409) and not any("a" <= ch <= "z" for ch in done.get_json()["message"])
