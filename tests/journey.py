"""Form data and steps of the market-plan journey, shared by the tests."""

from __future__ import annotations

from typing import Any

from engine.facade import Engine

DEMO_PASSWORD = "opsflow-demo-pw"  # what the test fixtures give the demo organisation
START = {"title": "Spring launch", "period_type": "quarterly", "period": "2027-Q1", "brief": "Grow the north"}
RESEARCH = {
    "target_customers": "Households in new estates", "competitors": "Two regional suppliers",
    "trends": "Heating demand grows 8% a year", "findings": "Prices are the deciding factor",
    "recommendations": "Bundle installation with the first year's supply",
}
DRAFT = {
    "title": "Spring launch", "period_type": "quarterly", "period": "2027-Q1", "budget_cny": 480000,
    "goals": "3,000 new households", "target_market": "New estates, north district",
    "positioning": "Reliable and affordable", "pricing": "Installation at cost",
    "channels": ["WeChat", "Estate offices"],
    "activities": [{"name": "Estate open days", "start": "2027-01-10", "end": "2027-03-20"}],
    "timeline": "January launch, March review",
}


def decision(value: str, comment: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"decision": value}
    if comment:
        data["comment"] = comment
    return data


def only_task(engine: Engine, username: str, name: str, instance_id: int | None = None) -> dict[str, Any]:
    """The one open task called ``name`` that ``username`` may work on (in ``instance_id``)."""
    tasks = [t for t in engine.tasks(username)
             if t["name"] == name and (instance_id is None or t["instance_id"] == instance_id)]
    assert len(tasks) == 1, f"expected one {name} task for {username}, found {tasks}"
    return tasks[0]


def step(engine: Engine, username: str, name: str, instance_id: int, data: dict[str, Any]) -> dict[str, Any]:
    task = only_task(engine, username, name, instance_id)
    return engine.complete(task["id"], username, data)


def start_plan(engine: Engine, username: str = "li.na") -> int:
    return int(engine.start("market_plan", username, START)["id"])


def research_and_draft(engine: Engine, instance_id: int, draft: dict[str, Any] | None = None) -> None:
    """Research, then the draft (``DRAFT`` unless given: its title becomes the instance's title)."""
    step(engine, "wang.lei", "research", instance_id, RESEARCH)
    step(engine, "zhang.min", "draft_plan", instance_id, DRAFT if draft is None else draft)
