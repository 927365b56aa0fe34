"""Returning a request to any earlier step it passed (驳回到任意已经过的步骤), and straight back (issue 19)."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, InvalidInput, NotAllowed, TaskNotFound
from engine.facade import Engine
from engine.org.people import Person
from tests.journey import DRAFT, OPERATOR, RESEARCH, chains, decision, only_task, research_and_draft, start_plan, step

DIRECTOR, MANAGER = Person("chen.yu"), Person("li.na")


def _at_signoff(engine: Engine) -> tuple[int, int]:
    """A plan researched, drafted and approved by the manager: the director's sign-off is open (plan, task)."""
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    return plan, only_task(engine, "chen.yu", "director_signoff", plan)["id"]


def _kinds(engine: Engine, plan: int) -> list[str]:
    return [e["kind"] for e in engine.work.history(OPERATOR, plan)]


def test_the_director_returns_the_plan_to_research_and_it_comes_straight_back(engine: Engine) -> None:
    plan, signoff = _at_signoff(engine)
    targets = engine.work.return_targets(DIRECTOR, signoff)
    assert [t["name"] for t in targets["targets"]] == ["research", "draft_plan", "manager_review"]
    assert targets["straight_back"] is True and targets["targets"][0]["title_zh"] == "市场调研报告"
    returned = engine.work.return_task(DIRECTOR, signoff, "research", "  调研数据过时，请补充2026年数据 ")
    assert returned["to_step"] == "research" and returned["straight_back"] is True
    # the step goes back to who did it, who is told why; its form shows the reason and the earlier data
    research = only_task(engine, "wang.lei", "research", plan)
    assert research["id"] == returned["new_task_id"] and research["assignee"] == "wang.lei"
    shown = engine.work.task(Person("wang.lei"), research["id"])
    assert shown["return_note"] == {"from_step": "director_signoff", "by": "chen.yu",
                                    "reason": "调研数据过时，请补充2026年数据", "straight_back": True}
    assert shown["draft"] == RESEARCH and shown["returned"] is True
    [told] = [n for n in engine.work.notifications(Person("wang.lei")) if n.kind == "returned"]
    assert told.body == "调研数据过时，请补充2026年数据" and told.instance_id == plan
    [event] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "task_returned"]
    assert event["actor"] == "chen.yu" and event["task_id"] == signoff
    assert event["payload"] == {"from_step": "director_signoff", "to_step": "research",
                                "reason": "调研数据过时，请补充2026年数据", "straight_back": True}
    assert engine.work.task(DIRECTOR, signoff)["state"] == "returned"
    # completed again: straight back to the director, not through draft and review
    done = engine.work.complete(Person("wang.lei"), research["id"], {**RESEARCH, "trends": "2026: +9%"})
    assert done["next_tasks"] == ["director_signoff"]
    again = only_task(engine, "chen.yu", "director_signoff", plan)
    assert again["assignee"] == "chen.yu"
    assert engine.work.task(DIRECTOR, again["id"])["context"]["research"]["trends"] == "2026: +9%"
    [back] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "returned_straight_back"]
    assert back["payload"] == {"from_step": "research", "to_step": "director_signoff", "returned_by": "chen.yu"}
    assert [n.kind for n in engine.work.notifications(DIRECTOR)][0] == "returned"
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["status"] == "completed"
    assert chains(engine, plan) == (1, [])
