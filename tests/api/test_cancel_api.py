"""An admin cancels an instance over the REST API (``POST /process-instances/{id}/cancel``), as the operations page
does: a reason is required, only admins may, an ended instance is 409 and an unknown one 404; nothing changes on a
refusal."""

from __future__ import annotations

import pytest

from engine.facade import Engine
from engine.org.people import Person
from tests.api.helpers import ApiUsers, make_app
from tests.journey import only_task, start_plan


@pytest.fixture
def users(demo: Engine) -> ApiUsers:
    """Users of the app around the engine (SQLite and PostgreSQL)."""
    return ApiUsers(make_app(demo).test_client(), demo)


def test_an_admin_cancels_a_running_plan_with_a_reason(users: ApiUsers, demo: Engine):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    answer = users["admin"].ok("POST", f"/process-instances/{plan}/cancel", {"reason": "重复提交 Duplicate"})
    assert answer == {"id": plan, "status": "cancelled"}
    shown = demo.work.show(Person("li.na"), plan)
    assert shown["status"] == "cancelled" and shown["open_tasks"] == []
    assert demo.work.task(Person("wang.lei"), research)["state"] != "open"
    [event] = [e for e in demo.work.history(Person("li.na"), plan) if e["kind"] == "instance_cancelled"]
    assert (event["actor"], event["payload"]["reason"]) == ("admin", "重复提交 Duplicate")


@pytest.mark.parametrize("username", ["zhou.jie", "li.na", "chen.yu", "he.ping", "gao.yan"])
def test_anyone_but_an_admin_is_refused_and_nothing_changes(users: ApiUsers, demo: Engine, username: str):
    # chen.yu holds the cancel right as director, but cancelling from outside the request is the operators' move
    plan = start_plan(demo)
    refused = users[username].post(f"/process-instances/{plan}/cancel", {"reason": "Not mine to end"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    assert demo.work.show(Person("li.na"), plan)["status"] == "running"


def test_an_ended_instance_is_409_and_an_unknown_one_404(users: ApiUsers, demo: Engine):
    plan = start_plan(demo)
    admin = users["admin"]
    admin.ok("POST", f"/process-instances/{plan}/cancel", {"reason": "First time"})
    again = admin.post(f"/process-instances/{plan}/cancel", {"reason": "Second time"})
    assert again.status_code == 409 and "already cancelled" in again.get_json()["message"]
    history = demo.work.history(Person("li.na"), plan)
    assert [e["payload"]["reason"] for e in history if e["kind"] == "instance_cancelled"] == ["First time"]
    missing = admin.post("/process-instances/999999/cancel", {"reason": "Gone"})
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


@pytest.mark.parametrize("body", [{"reason": "  "}, {}, {"reason": "x", "extra": 1}, {"reason": 5}])
def test_a_missing_or_bad_reason_is_400_naming_the_field_and_nothing_changes(users: ApiUsers, demo: Engine, body):
    plan = start_plan(demo)
    refused = users["admin"].post(f"/process-instances/{plan}/cancel", body)
    assert refused.status_code == 400 and refused.get_json()["fields"]
    assert demo.work.show(Person("li.na"), plan)["status"] == "running"
