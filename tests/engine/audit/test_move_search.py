"""The audit search's ``move`` filter: the instances on which a transfer, an urge, a return ... was made, alone and
with the other filters, through an index (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from engine.audit.move_search import MOVE_EVENTS, MOVES, ON_BEHALF, move_condition
from engine.audit.search import InstanceQuery
from engine.errors import InvalidInput, NotAllowed
from engine.models import ProcessInstance
from engine.models.history import SEARCHED_KIND, SEARCHED_KINDS
from engine.org.absences import china_today
from engine.org.people import Person
from engine.runtime.file_types import Upload
from tests.approver_rules import deploy_market_plan, move_role
from tests.journey import OPERATOR, RESEARCH, decision, only_task, research_and_draft, start_plan, step
from tests.query_plans import plan_of

AUDITOR, LI_NA, WANG, ZHANG = Person("he.ping"), Person("li.na"), Person("wang.lei"), Person("zhang.min")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def found(engine, **params: str) -> list[int]:
    return [row["id"] for row in engine.audit.search(AUDITOR, params)["items"]]


def research_held(engine, plan: int) -> int:
    task = int(only_task(engine, "wang.lei", "research", plan)["id"])
    engine.work.claim(WANG, task)
    return task


@pytest.fixture
def moved(demo, clock) -> dict[str, int]:
    """One plan per move (and one with none), each still running unless the move ended it."""
    made = {"none": start_plan(demo)}
    made["transferred"] = start_plan(demo)
    research = research_held(demo, made["transferred"])
    demo.work.transfer(WANG, research, "zhou.jie", "出差")
    made["urged"] = start_plan(demo)
    demo.work.urge(LI_NA, int(only_task(demo, "wang.lei", "research", made["urged"])["id"]))
    made["delegated"] = start_plan(demo)
    demo.work.delegate(WANG, research_held(demo, made["delegated"]), "zhou.jie", "请整理竞品数据")
    made["signers_added"] = start_plan(demo)
    research_and_draft(demo, made["signers_added"])
    review = int(only_task(demo, "li.na", "manager_review", made["signers_added"])["id"])
    demo.work.claim(LI_NA, review)
    demo.work.add_signers(LI_NA, review, ["wang.lei"], "before", "请先把关")
    made["returned"] = start_plan(demo)
    research_and_draft(demo, made["returned"])
    review = int(only_task(demo, "li.na", "manager_review", made["returned"])["id"])
    demo.work.claim(LI_NA, review)
    demo.work.return_task(LI_NA, review, "research", "调研数据过时")
    made["withdrawn"] = start_plan(demo)
    demo.work.withdraw(LI_NA, made["withdrawn"], "方向有变")
    made["copied"] = start_plan(demo)
    demo.work.copy(LI_NA, made["copied"], ["gao.yan"], "请知悉")
    made["attached"] = start_plan(demo)
    step(demo, "wang.lei", "research", made["attached"], RESEARCH)
    draft = int(only_task(demo, "zhang.min", "draft_plan", made["attached"])["id"])
    demo.work.claim(ZHANG, draft)
    demo.work.attach(ZHANG, draft, [Upload("plan.pdf", PDF)], field="plan_document")
    today = china_today(clock())
    demo.org.set_away(WANG, today, today + timedelta(days=2), "zhou.jie")
    made["on_behalf_of"] = start_plan(demo)  # its research goes to zhou.jie, for wang.lei
    return made


def test_each_move_finds_the_instance_it_was_made_on_and_nothing_else(demo, moved):
    for move in ("transferred", "urged", "delegated", "signers_added", "returned", "withdrawn", "copied", "attached"):
        assert found(demo, move=move) == [moved[move]], move
    assert moved["on_behalf_of"] in found(demo, move="on_behalf_of")
    assert moved["none"] not in found(demo, move="on_behalf_of")
    assert found(demo, move="auto_passed") == [] and found(demo, move="countersigned") == []


def test_the_move_goes_with_the_other_filters(demo, moved):
    assert found(demo, move="withdrawn", status="running") == []
    assert found(demo, move="withdrawn", status="cancelled", end="withdrawn") == [moved["withdrawn"]]
    assert found(demo, move="transferred", process="market_plan", started_by="li.na") == [moved["transferred"]]
    assert found(demo, move="transferred", started_by="zhang.min") == []
    assert found(demo, move="returned", rework="true") == [moved["returned"]]  # research done twice
    assert found(demo, move="urged", q="no such title") == []
    query = InstanceQuery.from_params({"move": "urged", "sort": "id"})
    assert query.as_params() == {"move": "urged", "sort": "id"}  # the next page's link keeps it
    first = demo.audit.search(AUDITOR, {"move": "copied", "limit": "1"})
    assert first["next"] is None and [r["id"] for r in first["items"]] == [moved["copied"]]


def test_an_unknown_move_is_refused_by_name(demo):
    with pytest.raises(InvalidInput, match=r"move: unknown move 'teleported' \(one of: transferred, "):
        demo.audit.search(AUDITOR, {"move": "teleported"})
    assert "on_behalf_of" in MOVES and "auto_passed" in MOVES


def test_a_director_finds_the_moves_of_his_department_only(engine):
    engine.org.add_user(OPERATOR, "ma.jun", ["director"], display_name="马骏")
    engine.org.add_user(OPERATOR, "qian.li", ["marketing_manager"], reports_to="ma.jun")
    inside, outside = start_plan(engine), start_plan(engine, "qian.li")
    engine.work.withdraw(LI_NA, inside, "方向有变")
    engine.work.withdraw(Person("qian.li"), outside, "不做了")
    assert found(engine, move="withdrawn") == [outside, inside]
    assert [r["id"] for r in engine.audit.search(Person("chen.yu"), {"move": "withdrawn"})["items"]] == [inside]
    assert [r["id"] for r in engine.audit.search(Person("ma.jun"), {"move": "withdrawn"})["items"]] == [outside]
    with pytest.raises(NotAllowed):
        engine.audit.search(Person("zhou.jie"), {"move": "withdrawn"})


def test_auto_passed_and_countersigned_steps_are_found(engine, tmp_path):
    deploy_market_plan(engine, tmp_path, {"skipSameApprover": "true"})
    move_role(engine, "director", "chen.yu", "li.na")  # li.na reviews and signs off: the sign-off passes itself
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    assert found(engine, move="auto_passed") == [plan]
    assert found(engine, move="auto_passed", end="approved", process="market_plan", version="2") == [plan]
    assert found(engine, move="countersigned") == []


@pytest.mark.parametrize("move", [move for move in MOVES if move != ON_BEHALF])
def test_each_move_is_read_through_the_partial_index_of_the_searched_kinds(engine, move):
    assert MOVE_EVENTS[move] in SEARCHED_KINDS
    searched = select(ProcessInstance.id).where(move_condition(move))
    with engine.db.begin() as connection:
        assert "ix_history_event_kind_instance" in plan_of(connection, searched)


def test_kinds_no_search_looks_for_are_left_out_of_the_index(engine):
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    with engine.db.connect() as connection:
        indexed = connection.scalar(text("SELECT count(*) FROM history_event WHERE " + SEARCHED_KIND))
        kinds = set(connection.scalars(text("SELECT kind FROM history_event WHERE instance_id = :plan"),
                                       {"plan": plan}))
    assert {"instance_started", "task_created", "task_completed"} <= kinds and indexed == 0


def test_the_search_reads_the_moves_through_their_index(sqlite_engine):
    plan = start_plan(sqlite_engine)
    sqlite_engine.work.urge(LI_NA, int(only_task(sqlite_engine, "wang.lei", "research", plan)["id"]))
    with sqlite_engine.db.connect() as connection:
        steps = " ".join(str(row[-1]) for row in connection.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM process_instance WHERE EXISTS (SELECT 1 FROM history_event "
            "WHERE history_event.kind = 'task_urged' AND history_event.instance_id = process_instance.id)")))
        proxied = " ".join(str(row[-1]) for row in connection.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM process_instance WHERE EXISTS (SELECT 1 FROM human_task "
            "WHERE human_task.instance_id = process_instance.id AND human_task.on_behalf_of_id IS NOT NULL)")))
    assert "ix_history_event_kind_instance" in steps
    assert "ix_human_task_on_behalf" in proxied
