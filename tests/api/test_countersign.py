"""A countersign over the REST API: each signer's task detail carries the round, as documented."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import API
from tests.api.test_openapi import DocumentedClient
from tests.journey import DRAFT, RESEARCH, START, decision


@pytest.fixture
def openapi_document(sqlite_app) -> dict[str, Any]:
    return dict(sqlite_app.test_client().get(f"{API}/openapi.json").get_json())


def test_a_round_task_carries_the_round_as_documented(sqlite_users, openapi_document):
    api = DocumentedClient(sqlite_users, openapi_document)
    task = "/tasks/{task_id}"
    plan = api.call("li.na", "post", "/process-definitions/{key}/start", {"data": START}, 201, key="market_plan")["id"]
    research = sqlite_users["wang.lei"].task_named("research", plan)["id"]
    assert api.call("wang.lei", "get", task, task_id=research)["countersign"] is None  # no round: null
    sqlite_users["wang.lei"].complete("research", plan, RESEARCH)
    sqlite_users["zhang.min"].complete("draft_plan", plan, {**DRAFT, "budget_cny": 2000000})
    sqlite_users["li.na"].complete("manager_review", plan, decision("approve"))
    gm = sqlite_users["sun.hao"].task_named("joint_signoff", plan)["id"]
    director = sqlite_users["chen.yu"].task_named("joint_signoff", plan)["id"]
    shown = api.call("sun.hao", "get", task, task_id=gm)["countersign"]
    assert (shown["size"], shown["sequential"], shown["open"]) == (2, False, True)
    assert [(m["username"], m["state"]) for m in shown["members"]] == [("chen.yu", "open"), ("sun.hao", "open")]
    api.call("sun.hao", "post", f"{task}/unclaim", expect=403, task_id=gm)  # his own part: not for the role
    api.call("sun.hao", "post", f"{task}/complete", {"data": decision("veto", "风险太大")}, task_id=gm)
    api.call("chen.yu", "post", f"{task}/complete", {"data": decision("approve")}, 409, task_id=director)
    shown = api.call("chen.yu", "get", task, task_id=director)["countersign"]
    assert shown["open"] is False
    assert [(m["username"], m["state"], m["decision"], m["comment"]) for m in shown["members"]] == [
        ("chen.yu", "closed", None, ""), ("sun.hao", "completed", "veto", "风险太大")]
    assert api.call("li.na", "get", task, task_id=gm)["countersign"]["members"][1]["decided_at"]
