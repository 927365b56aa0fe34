"""Form data and steps of the market-plan journey, shared by the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.definitions.bundle import bundles_from_paths
from engine.definitions.deploy import DeployResult
from engine.facade import Engine
from engine.history.verify import ChainProblem
from engine.org.people import Operator, Person

DEMO_PASSWORD = "opsflow-demo-pw"  # what the test fixtures give the demo organisation
OPERATOR = Operator("opsflow cli")  # who the tests act as where the CLI's operator would (no rights asked)
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
    tasks = [t for t in engine.work.tasks(Person(username))
             if t["name"] == name and (instance_id is None or t["instance_id"] == instance_id)]
    assert len(tasks) == 1, f"expected one {name} task for {username}, found {tasks}"
    return tasks[0]


def step(engine: Engine, username: str, name: str, instance_id: int, data: dict[str, Any]) -> dict[str, Any]:
    task = only_task(engine, username, name, instance_id)
    return engine.work.complete(Person(username), task["id"], data)


def start_plan(engine: Engine, username: str = "li.na") -> int:
    return int(engine.work.start(Person(username), "market_plan", START).id)


def research_and_draft(engine: Engine, instance_id: int, draft: dict[str, Any] | None = None) -> None:
    """Research, then the draft (``DRAFT`` unless given: its title becomes the instance's title)."""
    step(engine, "wang.lei", "research", instance_id, RESEARCH)
    step(engine, "zhang.min", "draft_plan", instance_id, DRAFT if draft is None else draft)


def chains(engine: Engine, instance_id: int | None = None) -> tuple[int, list[ChainProblem]]:
    """The hash chains of one instance (or all) checked alone: how many instances, and what is broken."""
    report = engine.audit.verify(OPERATOR, instance_id, checkpoint=None)
    return report.instances, report.problems


def deploy_files(engine: Engine, paths: list[Path], username: str,
                 note: str = "Deployed by a test") -> list[DeployResult]:
    """Deploy BPMN files or folders from disk (forms from the project's forms folder), as ``opsflow deploy``
    (which, like every deploy, needs a change note)."""
    bundles = bundles_from_paths(paths, engine.collaborators.forms_root)
    return engine.definitions.deploy(Person(username), bundles, note)
