"""Market plans over each path the model allows, for the process-mining tests and the bench."""

from __future__ import annotations

from collections.abc import Callable

from engine.facade import Engine
from tests.journey import DRAFT, RESEARCH, decision, start_plan, step


def _review(engine: Engine, plan: int, value: str, comment: str = "") -> None:
    step(engine, "li.na", "manager_review", plan, decision(value, comment))


def approve(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    _review(engine, plan, "approve")
    step(engine, "chen.yu", "director_signoff", plan, decision("approve", "Good plan"))


def rework(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    _review(engine, plan, "return", "Budget too high")
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 400000})
    _review(engine, plan, "approve")
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))


def return_to_research(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    _review(engine, plan, "return_research", "Need data on the east district")
    step(engine, "wang.lei", "research", plan, {**RESEARCH, "findings": "East district too"})
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    _review(engine, plan, "approve")
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))


def veto(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    _review(engine, plan, "approve")
    step(engine, "chen.yu", "director_signoff", plan, decision("veto", "Not this year"))


PATHS: dict[str, Callable[[Engine, int], None]] = {
    "approve": approve, "rework": rework, "return_to_research": return_to_research, "veto": veto}


def plans_over_every_path(engine: Engine, each: int) -> dict[str, list[int]]:
    """``each`` plans per path, started by li.na; returns the instance ids by path."""
    made: dict[str, list[int]] = {name: [] for name in PATHS}
    for _ in range(each):
        for name, walk in PATHS.items():
            plan = start_plan(engine)
            walk(engine, plan)
            made[name].append(plan)
    return made
