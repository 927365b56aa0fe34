"""The hash-chained history: an intact log verifies; every kind of tampering is found.

The tampering goes behind the engine's back, with raw SQL on the engine's connection pool.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text

from engine.facade import Engine, build_engine
from engine.history import event_hash, replay_data
from engine.models import HistoryEvent
from tests.journey import DRAFT, OPERATOR, chains, decision, research_and_draft, start_plan, step
from tests.paths import REPO

ROOT = REPO


def journey_with_a_return(engine: Engine) -> int:
    """Research, draft, a manager's return, a second draft, approvals: a completed plan."""
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("return", "Budget too high"))
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 400000,
                                                    "response_to_comments": "Budget cut"})
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("approve", "Good plan"))
    assert engine.work.show(OPERATOR, plan)["status"] == "completed"
    return plan


@pytest.fixture
def plan(engine) -> int:
    return journey_with_a_return(engine)


def events_of(engine: Engine, instance_id: int) -> list[HistoryEvent]:
    with engine.core.transaction() as session:
        events = session.scalars(
            select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.seq)
        ).all()
        session.expunge_all()
    return list(events)


def tamper(engine: Engine, sql: str, **params: Any) -> None:
    """Change the database directly, as someone with database access (not the engine) would."""
    with engine.db.begin() as connection:
        result = connection.execute(text(sql), params)
        assert result.rowcount >= 1, sql


def problems_of(engine: Engine, instance_id: int) -> list[tuple[int | None, str]]:
    checked, problems = chains(engine, instance_id)
    assert checked == 1
    assert {p.instance_id for p in problems} <= {instance_id}
    return [(p.seq, p.message) for p in problems]


def test_an_untouched_history_verifies(engine, plan):
    events = events_of(engine, plan)
    assert len(events) >= 15
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert chains(engine, plan) == (1, [])
    assert chains(engine) == (1, [])


def test_an_edited_payload_is_found(engine, plan):
    victim = next(e for e in events_of(engine, plan) if e.kind == "task_completed" and e.task_name == "manager_review")
    forged = json.loads(victim.payload_json)
    forged["decision"] = forged["data"]["decision"] = "approve"
    tamper(engine, "UPDATE history_event SET payload_json = :p WHERE instance_id = :i AND seq = :s",
           p=json.dumps(forged), i=plan, s=victim.seq)
    problems = problems_of(engine, plan)
    assert (victim.seq, f"event #{victim.seq} (task_completed) was edited: its hash does not match") in problems
    assert {seq for seq, _ in problems} == {victim.seq}


def test_a_deleted_middle_event_is_found(engine, plan):
    count = len(events_of(engine, plan))
    middle = count // 2
    tamper(engine, "DELETE FROM history_event WHERE instance_id = :i AND seq = :s", i=plan, s=middle)
    problems = problems_of(engine, plan)
    assert (middle + 1, f"event #{middle + 1} stands where #{middle} belongs "
                        "(an event was deleted or the log reordered)") in problems
    assert (middle + 1, f"event #{middle + 1} does not follow the event before it") in problems


def test_a_deleted_last_event_is_found_through_the_anchor(engine, plan):
    last = len(events_of(engine, plan))
    tamper(engine, "DELETE FROM history_event WHERE instance_id = :i AND seq = :s", i=plan, s=last)
    problems = problems_of(engine, plan)
    assert problems == [(None, f"the log ends at #{last - 1} but the instance's anchor records #{last}: "
                               "events were deleted or rewritten")]


def test_two_swapped_events_are_found(engine, plan):
    a, b = 4, 6
    swaps = [(a, -1), (b, a), (-1, b)]  # through a free number: (instance_id, seq) is unique
    for old, new in swaps:
        tamper(engine, "UPDATE history_event SET seq = :new WHERE instance_id = :i AND seq = :old",
               new=new, old=old, i=plan)
    problems = problems_of(engine, plan)
    assert (b, f"event #{b} stands where #{a} belongs (an event was deleted or the log reordered)") in problems
    assert (b, f"event #{b} does not follow the event before it") not in problems  # its prev_hash is untouched
    assert {seq for seq, message in problems if "was edited" in message} == {a, b}


def rewrite_from(engine: Engine, instance_id: int, seq: int, edit: Callable[[dict[str, Any]], None]) -> str:
    """Edit event ``seq`` and re-hash it and every later event correctly; return the new head."""
    events = events_of(engine, instance_id)
    head = events[seq - 2].hash if seq > 1 else "0" * 64
    with engine.db.begin() as connection:
        for event in events[seq - 1:]:
            payload = json.loads(event.payload_json)
            if event.seq == seq:
                edit(payload)
            payload_json = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            digest = event_hash(head, event.instance_id, event.seq, event.kind, event.occurred_at, event.actor,
                                event.task_name, event.human_task_id, payload_json)
            connection.execute(text("UPDATE history_event SET payload_json = :p, prev_hash = :prev, hash = :h "
                                    "WHERE id = :id"), {"p": payload_json, "prev": head, "h": digest, "id": event.id})
            head = digest
    return head


def test_a_rewritten_and_rehashed_chain_is_found_through_the_anchor(engine, plan):
    victim = next(e for e in events_of(engine, plan) if e.kind == "task_completed" and e.task_name == "research")
    last = len(events_of(engine, plan))

    def forge(payload: dict[str, Any]) -> None:
        payload["data"]["findings"] = "Forged findings"

    new_head = rewrite_from(engine, plan, victim.seq, forge)
    assert json.loads(events_of(engine, plan)[victim.seq - 1].payload_json)["data"]["findings"] == "Forged findings"
    problems = problems_of(engine, plan)
    # the chain itself is consistent again; only the anchor on the instance row gives it away
    assert problems == [(None, f"the log's newest event #{last} does not match the instance's anchor: "
                               "the log was rewritten")]

    # which shows the rewrite was perfect: moving the anchor too would go unnoticed
    tamper(engine, "UPDATE process_instance SET history_head = :h WHERE id = :i", h=new_head, i=plan)
    assert chains(engine, plan) == (1, [])


def test_a_history_written_with_a_non_utc_clock_verifies(db_url):
    """SQLite keeps wall-clock times only; the chain must not depend on the clock's offset."""
    china = timezone(timedelta(hours=8))
    engine = build_engine(db_url, clock=lambda: datetime.now(china))
    engine.setup.init(demo=True)
    try:
        plan = start_plan(engine)
        research_and_draft(engine, plan)
        assert chains(engine, plan) == (1, [])
    finally:
        engine.db.dispose()


# -- the command line ---------------------------------------------------------------------
def verify_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opsflow.cli", "--database", db_url, "verify", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_cli_verify_exits_8_with_the_problem_on_stderr(engine, db_url, plan):
    intact = verify_cli(db_url, str(plan))
    assert (intact.returncode, intact.stderr) == (0, "")
    assert "history intact: 1 instance(s), " in intact.stdout

    tamper(engine, "UPDATE history_event SET actor = 'someone.else' WHERE instance_id = :i AND seq = 2", i=plan)
    broken = verify_cli(db_url, str(plan))
    assert broken.returncode == 8
    assert f"instance {plan}: event #2 (task_created) was edited: its hash does not match" in broken.stderr
    assert "intact" not in broken.stdout

    as_json = verify_cli(db_url, str(plan), "--json")
    assert as_json.returncode == 8
    report = json.loads(as_json.stdout)
    assert report["ok"] is False and [p["seq"] for p in report["problems"]] == [2]


# -- replaying the data -------------------------------------------------------------------
def test_replaying_the_log_rebuilds_the_data_of_any_step(engine, plan):
    events = events_of(engine, plan)
    review_events = [e for e in events if e.kind == "task_completed" and e.task_name == "manager_review"]
    assert [json.loads(e.payload_json)["decision"] for e in review_events] == ["return", "approve"]
    returned, approved = review_events

    def data_after(event: HistoryEvent) -> dict[str, Any]:
        """The data once the step that ``event`` began was saved (its data_changed event)."""
        changed = next(e for e in events if e.seq > event.seq and e.kind == "data_changed")
        return replay_data(events, changed.seq)

    at_return = data_after(returned)
    assert at_return["manager_review"] == {"decision": "return", "comment": "Budget too high"}
    assert at_return["draft_plan"]["budget_cny"] == DRAFT["budget_cny"]
    assert at_return["return_count"] == 1 and "director_signoff" not in at_return

    at_approval = data_after(approved)
    assert at_approval["manager_review"] == {"decision": "approve"}
    assert at_approval["draft_plan"]["budget_cny"] == 400000

    at_end = replay_data(events)
    assert at_end["manager_review"] == {"decision": "approve"}
    assert at_end["director_signoff"] == {"decision": "approve", "comment": "Good plan"}
    assert at_end == engine.work.show(OPERATOR, plan)["data"]
    assert "manager_review" not in replay_data(events, returned.seq)  # the review's data comes with its step
