"""What the inbox marks on an open task, read for a whole page in one statement over the page's tasks' history:

- it came back by a return (退回): the step that made it began with a reviewer's return to it (``task_returned``
  naming its step), or with a decision the model draws back (a completion decided ``return`` or ``return_*``);
- it was urged (催办): the last ``task_urged`` on it, by whom and when;
- it came to its holder by a transfer (转办) or a delegation (委派): the last change of holder was one of those, to
  the person who holds it now (a claim, release or assignment since then ends the mark).

What began the step that made a task is the last event before its ``task_created`` that the engine did not write
on its own while running the model (``RUN_EVENTS``): a step writes its cause first, then what the run made. Each
task's rows are found through its instance's history (the ``(instance_id, seq)`` index), so a page costs one
statement however long it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, and_, any_, bindparam, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from ..clock import utc_iso
from ..models import HistoryEvent, HumanTask
from .views import Task, TaskMarks

# What a run writes after the move that caused it (never a cause itself).
RUN_EVENTS = ("task_created", "gateway_path", "data_changed", "countersign_started", "countersign_ended",
              "instance_copied")
HANDED = {"task_transferred": "transfer", "task_delegated": "delegate"}
HOLDER_CHANGES = (*HANDED, "task_assigned", "task_claimed", "task_unclaimed", "delegation_done")
URGED = "task_urged"
CAUSE = "cause"  # the kind a cause's row is read as (its own kind is in ``detail``)


def _unindexed(kind: Any) -> ColumnElement[str]:
    """``kind`` in a form no index serves (``kind || ''``): the page's few tasks lead to their events through
    ``(instance_id, seq)``. Without statistics SQLite would otherwise start from every event of that kind
    (``ix_history_event_kind_instance``, e.g. all task_created) and keep the page's: 300 ms at 100k instances."""
    result: ColumnElement[str] = kind.concat("")
    return result


def _causes(chosen: ColumnElement[bool]) -> Select[Any]:
    """Per task (``chosen``: a condition on ``HumanTask.id``), the event that began the step that made it."""
    created, earlier, cause = aliased(HistoryEvent), aliased(HistoryEvent), aliased(HistoryEvent)
    last_before = (select(func.max(earlier.seq))
                   .where(earlier.instance_id == HumanTask.instance_id, earlier.seq < created.seq,
                          earlier.kind.not_in(RUN_EVENTS))
                   .correlate(HumanTask, created).scalar_subquery())
    return (select(HumanTask.id.label("task_id"), cause.seq, cause.kind.label("detail"), cause.actor,
                   cause.occurred_at, cause.payload_json, literal(CAUSE, String(32)).label("what"))
            .join(created, and_(created.instance_id == HumanTask.instance_id, created.human_task_id == HumanTask.id,
                                _unindexed(created.kind) == "task_created"))
            .join(cause, and_(cause.instance_id == HumanTask.instance_id, cause.seq == last_before))
            .where(chosen))


def _moves_on(chosen: ColumnElement[bool]) -> Select[Any]:
    """Per task (``chosen``), the urges and the changes of holder made on it."""
    return (select(HumanTask.id.label("task_id"), HistoryEvent.seq, HistoryEvent.kind.label("detail"),
                   HistoryEvent.actor, HistoryEvent.occurred_at, HistoryEvent.payload_json,
                   HistoryEvent.kind.label("what"))
            .join(HistoryEvent, and_(HistoryEvent.instance_id == HumanTask.instance_id,
                                     HistoryEvent.human_task_id == HumanTask.id))
            .where(chosen, _unindexed(HistoryEvent.kind).in_((*HOLDER_CHANGES, URGED))))


def _returned_it(kind: str, payload: dict[str, Any], step: str) -> bool:
    """Whether the event that began a step sent the request back to ``step``, the task it made."""
    if kind == "task_returned":
        return payload.get("to_step") == step
    decision = payload.get("decision")
    return kind == "task_completed" and isinstance(decision, str) and (
        decision == "return" or decision.startswith("return_"))


def _marks_statement(chosen: ColumnElement[bool]) -> Select[Any]:
    """The causes and the moves of the tasks ``chosen`` (by ``:ids``), in order: built once (a page's hundred rows
    had made its aliases and their columns again, each time)."""
    both = union_all(_causes(chosen), _moves_on(chosen)).subquery()
    return select(both).order_by(both.c.task_id, both.c.seq)


MARKS = _marks_statement(HumanTask.id.in_(bindparam("ids", expanding=True)))
# PostgreSQL: the ids as one array (``= ANY(:ids)``), so that the statement's text is the same for every page: a
# page's two hundred placeholders, twice, had made it a new text each time, parsed again by the driver (a text that
# long is not kept) and planned again by the server.
PG_MARKS = _marks_statement(HumanTask.id == any_(bindparam("ids", type_=ARRAY(Integer))))


def task_marks(session: Session, tasks: Iterable[Task]) -> dict[int, TaskMarks]:
    """The marks of the open ``tasks`` (by id; those with none are left out): one statement, none for no task."""
    by_id = {task["id"]: task for task in tasks}
    if not by_id:
        return {}
    statement = MARKS if session.get_bind().dialect.name == "sqlite" else PG_MARKS
    rows = session.execute(statement, {"ids": sorted(by_id)}).all()
    found: dict[int, dict[str, Any]] = {}
    for task_id, _seq, detail, actor, at, payload_json, what in rows:
        task, marks = by_id[task_id], found.setdefault(task_id, {})
        payload = json.loads(payload_json or "{}")
        if what == CAUSE:
            if _returned_it(detail, payload, task["name"]):
                reason = payload.get("reason") or payload.get("comment") or ""
                marks.update(returned_by=actor, return_reason=str(reason))
        elif what == URGED:
            marks.update(urged_by=actor, urged_at=utc_iso(at))
        elif what in HANDED and payload.get("to") == task["assignee"]:
            marks.update(handed_by=actor, handed_as=HANDED[what], handed_reason=str(payload.get("reason") or ""))
        else:  # claimed, released, assigned or handed back since: no longer theirs by that move
            marks.update(handed_by=None, handed_as="", handed_reason="")
    return {task_id: TaskMarks(**marks) for task_id, marks in found.items() if any(marks.values())}
