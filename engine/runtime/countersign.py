"""Countersign rounds at run time: whose each round task is, the vote a decision casts, the round's
events on the history, and the round as a task's page shows it.

The library runs the round (``engine.definitions.countersign`` says how it is modelled): one task per
person, created at once (parallel) or one after another (sequential), ended by its completion
condition or when everyone has decided. Tasks still open when a round ends are cancelled by the
library; the step writer closes their rows and ``countersign_ended`` names whose they were.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..definitions.countersign import COUNTERS, is_round_spec, is_sequential, step_name
from ..errors import ProcessError
from ..history.log import PendingEvent
from ..models import HistoryEvent, HumanTask, User
from .views import CountersignRound, RoundMember


def _round_of(task: Task) -> Task | None:
    """The multi-instance task running ``task`` when ``task`` is a countersign's task."""
    parent = task.parent
    if parent is not None and is_round_spec(task.task_spec) and isinstance(parent.task_spec, MultiInstanceTask):
        return parent
    return None


def round_or_self(task: Task) -> Task:
    """The round a countersign's task belongs to (whose data is the instance's), else the task itself."""
    return _round_of(task) or task


def _member(task: Task, round_task: Task) -> str:
    item = round_task.task_spec.input_item
    value = item.get(task) if item is not None and item.exists(task) else task.internal_data.get("item")
    return "" if value is None else str(value)


def place_of(task: Task) -> tuple[str, str]:
    """(the person, the round) of a countersign's task; ("", "") for any other task."""
    round_task = _round_of(task)
    if round_task is None:
        return "", ""
    return _member(task, round_task), str(round_task.id)


def _members(round_task: Task) -> list[str]:
    spec = round_task.task_spec
    if spec.data_input is None or not spec.data_input.exists(round_task):
        return []
    people = spec.data_input.get(round_task)
    values = people.values() if isinstance(people, Mapping) else people
    return [str(p) for p in values]


def _votes(round_task: Task) -> list[dict[str, Any]]:
    spec = round_task.task_spec
    if spec.data_output is None or not spec.data_output.exists(round_task):
        return []
    votes = spec.data_output.get(round_task)
    values = votes.values() if isinstance(votes, Mapping) else votes
    return [dict(v) for v in values if isinstance(v, Mapping)]


def cast_vote(task: Task, username: str, submitted: dict[str, Any]) -> None:
    """Before a countersign's task runs: its vote (the output item, who decided and what) and the round's
    counts so far, this vote included, for the completion condition to read (``countersign``)."""
    round_task = _round_of(task)
    if round_task is None:
        return
    spec = round_task.task_spec
    vote = {"by": username, **submitted}
    votes = [*_votes(round_task), vote]
    size = len(_members(round_task))
    task.data[COUNTERS] = {
        "size": size, "decided": len(votes), "remaining": max(size - len(votes), 0),
        "tally": dict(Counter(str(v["decision"]) for v in votes if "decision" in v)),
    }
    if spec.output_item is not None:
        spec.output_item.set(task, vote)


def round_events(completed: list[Task], ready: list[Task], before: dict[Any, int],
                 actor: str | None) -> tuple[list[PendingEvent], list[PendingEvent]]:
    """The rounds a run ended (who decided what, whose tasks were closed unfinished) and those it started
    (who is in them, in turn or at once)."""
    ended = []
    for task in completed:
        spec = task.task_spec
        if not isinstance(spec, MultiInstanceTask) or not is_round_spec(task.workflow.spec.task_specs.get(
                spec.task_spec)):
            continue
        children = [c for c in task.children if is_round_spec(c.task_spec)]
        if not children:  # never a round that passes because it asked nobody
            raise ProcessError(f"{spec.name}: the countersign names nobody to decide "
                               f"({getattr(spec.data_input, 'bpmn_id', None) or 'its list of people'} is empty)")
        closed = [_member(c, task) for c in children
                  if c.has_state(TaskState.CANCELLED) and before.get(c.id) not in (None, TaskState.CANCELLED)]
        decided = [{"by": v.get("by"), "decision": v.get("decision")} for v in _votes(task)]
        name = step_name(children[0].task_spec)
        ended.append(PendingEvent("countersign_ended", actor, name, payload={
            "round_id": str(task.id), "decided": decided, "closed": closed}))
    started = []
    seen: set[str] = set()
    for task in ready:
        round_task = _round_of(task)
        if round_task is None or str(round_task.id) in seen or before.get(round_task.id) == TaskState.STARTED:
            continue
        seen.add(str(round_task.id))
        members = _members(round_task)
        twice = sorted({m for m in members if members.count(m) > 1})
        if twice:
            raise ProcessError(f"{step_name(task.task_spec)}: the countersign names {', '.join(twice)} more than "
                               "once; each person decides once")
        started.append(PendingEvent("countersign_started", None, step_name(task.task_spec), payload={
            "round_id": str(round_task.id), "members": members,
            "sequential": is_sequential(round_task.task_spec)}))
    return ended, started


def round_view(session: Session, task: HumanTask) -> CountersignRound | None:
    """The round ``task`` belongs to: each person, whether they decided (and what), are still to, are
    waiting their turn, or had their task closed when the round ended."""
    if not task.round_id:
        return None
    rows = session.execute(
        select(HumanTask, User.username).join(User, User.id == HumanTask.assignee_id, isouter=True)
        .where(HumanTask.instance_id == task.instance_id, HumanTask.round_id == task.round_id)
        .order_by(HumanTask.id)
    ).all()
    events = session.execute(
        select(HistoryEvent.kind, HistoryEvent.human_task_id, HistoryEvent.payload_json, HistoryEvent.occurred_at)
        .where(HistoryEvent.instance_id == task.instance_id,
               HistoryEvent.kind.in_(("countersign_started", "task_completed")))
        .order_by(HistoryEvent.seq)
    ).all()
    task_ids = {row.id for row, _ in rows}
    decisions: dict[int, dict[str, Any]] = {}
    people: list[str] = []
    sequential = False
    for kind, human_task_id, payload_json, _at in events:
        payload = json.loads(payload_json)
        if kind == "countersign_started" and payload.get("round_id") == task.round_id:
            people, sequential = [str(p) for p in payload.get("members", [])], bool(payload.get("sequential"))
        elif kind == "task_completed" and human_task_id in task_ids:
            decisions[human_task_id] = payload
    members: list[RoundMember] = []
    for row, username in rows:
        decided = decisions.get(row.id, {})
        members.append({
            "username": username or "", "task_id": row.id,
            "state": row.state if row.state != "cancelled" else "closed",
            "decision": str(decided["decision"]) if "decision" in decided else None,
            "comment": str(decided.get("comment") or "") if row.state == "completed" else "",
            "decided_at": utc_iso(row.completed_at) if row.completed_at and row.state == "completed" else None,
        })
    open_now = any(m["state"] == "open" for m in members)
    have = [m["username"] for m in members]
    for person in people:  # a round in turn: those not asked yet (or never, once it ended)
        if person in have:
            have.remove(person)
        else:
            members.append({"username": person, "task_id": None, "state": "waiting" if open_now else "skipped",
                            "decision": None, "comment": "", "decided_at": None})
    return {"round_id": task.round_id, "sequential": sequential, "size": max(len(people), len(rows)),
            "open": open_now, "members": members}
