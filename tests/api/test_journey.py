"""The market-plan journey over the REST API, on SQLite and PostgreSQL, with the refusals on the way."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, ApiUsers
from tests.journey import DRAFT, OPERATOR, RESEARCH, START, decision


def start_plan(users: ApiUsers, start: dict[str, Any] = START) -> int:
    response = users["li.na"].post("/process-definitions/market_plan/start", {"data": start})
    assert response.status_code == 201, response.get_json()
    instance = response.get_json()
    assert response.headers["Location"] == f"{API}/process-instances/{instance['id']}"
    return int(instance["id"])


def decisions(users: ApiUsers, instance_id: int) -> list[tuple[str, str, str | None]]:
    events = users["chen.yu"].ok("GET", f"/process-instances/{instance_id}/history")["items"]
    return [(e["task_name"], e["actor"], e["payload"].get("decision")) for e in events if e["kind"] == "task_completed"]


def test_plans_are_researched_drafted_returned_vetoed_and_approved(users):
    li_na, wang_lei, zhang_min, chen_yu = (users[u] for u in ("li.na", "wang.lei", "zhang.min", "chen.yu"))
    offered = {p["key"]: p for p in li_na.ok("GET", "/process-definitions")["items"]}
    assert set(offered["market_plan"]["start_form"]["required"]) == {"title", "period_type", "period"}

    refused = li_na.post("/process-definitions/market_plan/start", {"data": {"period_type": "weekly", "period": "x"}})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid"
    assert {"title", "period_type", "period"} <= set(refused.get_json()["fields"])
    assert li_na.ok("GET", "/process-instances")["items"] == []

    vetoed = start_plan(users)
    shown = li_na.ok("GET", f"/process-instances/{vetoed}")
    assert (shown["status"], shown["title"]) == ("running", "Spring launch (2027-Q1)")
    assert [t["name"] for t in shown["open_tasks"]] == ["research"]

    research = wang_lei.task_named("research", vetoed)
    detail = wang_lei.ok("GET", f"/tasks/{research['id']}")
    assert detail["form"]["type"] == "object" and detail["may_complete"] is True
    assert detail["context"]["start"]["title"] == "Spring launch"
    assert wang_lei.ok("POST", f"/tasks/{research['id']}/claim")["assignee"] == "wang.lei"
    assert wang_lei.ok("POST", f"/tasks/{research['id']}/complete", {"data": RESEARCH})["next_tasks"] == ["draft_plan"]
    zhang_min.complete("draft_plan", vetoed, DRAFT)

    review = li_na.task_named("manager_review", vetoed)
    no_reason = li_na.post(f"/tasks/{review['id']}/complete", {"data": decision("return")})
    assert no_reason.status_code == 400
    assert list(no_reason.get_json()["fields"]) == ["comment"]
    returned = li_na.complete("manager_review", vetoed, decision("return", "Budget lines are missing"))
    assert returned["next_tasks"] == ["draft_plan"]

    rework = zhang_min.task_named("draft_plan", vetoed)
    context = zhang_min.ok("GET", f"/tasks/{rework['id']}")["context"]
    assert context["manager_review"]["comment"] == "Budget lines are missing"
    zhang_min.complete("draft_plan", vetoed, {**DRAFT, "response_to_comments": "Added budget lines"})
    li_na.complete("manager_review", vetoed, decision("approve"))

    signoff = chen_yu.task_named("director_signoff", vetoed)
    assert chen_yu.post(f"/tasks/{signoff['id']}/complete", {"data": decision("veto")}).get_json()["fields"] == {
        "comment": ["is required"]}
    assert chen_yu.complete("director_signoff", vetoed, decision("veto", "Not this year"))["end_event"] == "vetoed"

    approved = start_plan(users, {**START, "title": "Summer push", "period": "2027-Q2"})
    wang_lei.complete("research", approved, RESEARCH)
    zhang_min.complete("draft_plan", approved, DRAFT)
    li_na.complete("manager_review", approved, decision("approve"))
    done = chen_yu.complete("director_signoff", approved, decision("approve", "Go ahead"))
    assert (done["status"], done["end_event"], done["next_tasks"]) == ("completed", "approved", [])

    assert decisions(users, vetoed) == [
        ("research", "wang.lei", None), ("draft_plan", "zhang.min", None), ("manager_review", "li.na", "return"),
        ("draft_plan", "zhang.min", None), ("manager_review", "li.na", "approve"),
        ("director_signoff", "chen.yu", "veto"),
    ]
    history = li_na.ok("GET", f"/process-instances/{vetoed}/history")["items"]
    assert [e["payload"]["comment"] for e in history if e["payload"].get("decision") == "veto"] == ["Not this year"]
    assert [e["payload"]["end_event"] for e in history if e["kind"] == "instance_ended"] == ["vetoed"]
    assert decisions(users, approved)[-1] == ("director_signoff", "chen.yu", "approve")

    mine = li_na.ok("GET", "/process-instances", mine="true", status="completed")["items"]
    assert [(i["id"], i["end_event"]) for i in mine] == [(approved, "approved"), (vetoed, "vetoed")]
    for person in (li_na, wang_lei, zhang_min, chen_yu):
        assert person.ok("GET", "/tasks")["items"] == []


def test_completing_twice_or_someone_elses_claim_is_a_conflict(users, engine):
    engine.org.add_user(OPERATOR, "qian.bo", ["research_supervisor"], "li.na")
    plan = start_plan(users)
    research = users["wang.lei"].task_named("research", plan)
    assert users["qian.bo"].task_named("research", plan)["id"] == research["id"]
    users["wang.lei"].ok("POST", f"/tasks/{research['id']}/claim")

    for path, body in ((f"/tasks/{research['id']}/claim", None),
                       (f"/tasks/{research['id']}/complete", {"data": RESEARCH})):
        taken = users["qian.bo"].post(path, body)
        assert taken.status_code == 409, taken.get_json()
        assert taken.get_json()["error"] == "conflict"
        assert "claimed by someone else" in taken.get_json()["message"]

    users["wang.lei"].ok("POST", f"/tasks/{research['id']}/complete", {"data": RESEARCH})
    again = users["wang.lei"].post(f"/tasks/{research['id']}/complete", {"data": RESEARCH})
    assert again.status_code == 409
    assert again.get_json() == {"error": "conflict", "message": f"task {research['id']} is already completed",
                                "fields": {}}
    assert users["qian.bo"].post(f"/tasks/{research['id']}/claim").status_code == 409


def test_the_wrong_role_is_forbidden_and_unknown_things_are_not_found(users):
    assert "market_plan" not in {p["key"] for p in users["wang.lei"].ok("GET", "/process-definitions")["items"]}
    forbidden = users["wang.lei"].post("/process-definitions/market_plan/start", {"data": START})
    assert forbidden.status_code == 403
    assert forbidden.get_json()["error"] == "forbidden"

    plan = start_plan(users)
    research = users["wang.lei"].task_named("research", plan)
    for path, body in ((f"/tasks/{research['id']}/complete", {"data": RESEARCH}),
                       (f"/tasks/{research['id']}/claim", None)):
        assert users["zhang.min"].post(path, body).status_code == 403
    assert users["liu.yang"].get(f"/tasks/{research['id']}").status_code == 403
    assert users["liu.yang"].get(f"/process-instances/{plan}").status_code == 403
    assert users["liu.yang"].get(f"/process-instances/{plan}/history").status_code == 403
    assert users["liu.yang"].ok("GET", "/process-instances")["items"] == []
    assign = users["wang.lei"].post(f"/tasks/{research['id']}/assign", {"user": "zhang.min"})
    assert assign.status_code == 403

    for path in (f"/tasks/{research['id'] + 1000}", "/process-instances/999999", "/tasks/0", "/no-such-thing"):
        missing = users["li.na"].get(path)
        assert missing.status_code == 404, path
        assert missing.get_json()["error"] == "not_found"
    assert users["li.na"].post("/process-definitions/no_such_process/start", {"data": {}}).status_code == 404


def test_no_token_or_a_bad_token_is_unauthorized(users, app):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer opf_not-a-token"}, {"Authorization": "Basic bGkubmE6eA=="}):
        response = client.get(f"{API}/tasks", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"] == "unauthorized"
    assert client.get(f"{API}/openapi.json").status_code == 200
