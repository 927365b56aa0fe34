"""The audit search over the API filters by the move made (``move``, in the OpenAPI document as an enum); an
unknown move is a 400 naming the parameter (SQLite and PostgreSQL)."""

from __future__ import annotations

from engine.audit.move_search import MOVES
from engine.facade import Engine
from engine.org.people import Person
from tests.api.helpers import ApiUsers
from tests.journey import only_task, start_plan


def test_the_auditor_finds_the_withdrawn_and_the_urged_plans(users: ApiUsers, engine: Engine):
    plain, urged, withdrawn = start_plan(engine), start_plan(engine), start_plan(engine)
    engine.work.urge(Person("li.na"), int(only_task(engine, "wang.lei", "research", urged)["id"]))
    engine.work.withdraw(Person("li.na"), withdrawn, "方向有变")
    auditor = users["he.ping"]
    assert [r["id"] for r in auditor.ok("GET", "/audit/instances", move="urged")["items"]] == [urged]
    assert [r["id"] for r in auditor.ok("GET", "/audit/instances", move="withdrawn", status="cancelled")[
        "items"]] == [withdrawn]
    assert auditor.ok("GET", "/audit/instances", move="withdrawn", status="running")["items"] == []
    assert plain in [r["id"] for r in auditor.ok("GET", "/audit/instances")["items"]]
    refused = auditor.get("/audit/instances", move="teleported")
    assert refused.status_code == 400 and refused.get_json()["message"].startswith("move: unknown move 'teleported'")
    assert users["zhou.jie"].get("/audit/instances", move="urged").status_code == 403


def test_the_document_lists_every_move(users: ApiUsers):
    document = users["he.ping"].client.get("/api/v1/openapi.json").get_json()
    [move] = [p for p in document["paths"]["/audit/instances"]["get"]["parameters"] if p["name"] == "move"]
    assert move["in"] == "query" and move["schema"]["enum"] == list(MOVES)
    element = document["components"]["schemas"]["HeatElement"]
    assert element["properties"]["auto_passed"]["type"] == "integer" and "auto_passed" in element["required"]
