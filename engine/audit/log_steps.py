"""One instance's history as the events of a process-mining log, with their lifecycle (XES and OCEL share it).

Each user task is an activity with a lifecycle (XES standard transitions): ``assign`` when it is created for
its role or person, ``reassign`` when a manager gives it to someone (派单) or it is transferred (转办), ``start``
when someone claims it, ``unknown`` when they give it back, ``complete`` when it is done (or passed for the same
approver, 自动去重), ``ate_abort`` when it is returned to an earlier step (驳回). A countersign round (会签) is one
activity: ``schedule`` when it starts, ``complete`` when it ends (with who decided what); each member's own
decision is an ``unknown`` event of the step (``opsflow:countersign`` = member), so that a log kept to its
``complete`` events holds one completion per round, as the model has one task. The automatic steps the instance
passed (``model_steps``) are ``complete`` events too, at the time of the step that ran them. The instance
itself: ``start`` (named by the model's start event), and at its end ``unknown`` (a normal end, named by the end
event it reached) or ``pi_abort`` (cancelled or withdrawn by its starter).

A log filtered to ``lifecycle:transition`` = complete is therefore exactly the model's visible activities in the
order the instance passed them: what token replay and alignments need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .model_steps import Model, automatic_after
from .move_events import LIFECYCLE as MOVE_LIFECYCLE

DONE_KINDS = ("task_completed", "task_auto_passed")
TASK_LIFECYCLE = {"task_created": "assign", "task_assigned": "reassign", "task_claimed": "start",
                  "task_unclaimed": "unknown"}
INSTANCE_LIFECYCLE = {"instance_started": "start", "instance_ended": "unknown", "instance_cancelled": "pi_abort",
                      "instance_withdrawn": "pi_abort"}
# Every history kind a log reads: the steps, their lifecycle, the moves, the instance's, the gateways' choices.
LOG_KINDS = (*DONE_KINDS, "task_returned", *TASK_LIFECYCLE, *MOVE_LIFECYCLE, *INSTANCE_LIFECYCLE, "gateway_path")


@dataclass(frozen=True)
class LogStep:
    """One event of the log: the history row it shows (None for an automatic step), the element, its lifecycle."""

    row: Any
    element: str
    transition: str
    automatic: bool = False
    member: bool = False  # one member's decision in a countersign round


def log_steps(rows: list[Any], model: Model) -> Iterator[LogStep]:
    """The log's events of one instance from its history ``rows`` (in ``seq`` order; each has ``kind``, ``seq``,
    ``task_name``, ``payload_json`` and ``round_id``, the task's countersign round or None)."""
    chosen: list[tuple[int, str, list[str]]] = []
    for row in rows:
        if row.kind == "gateway_path":
            payload = json.loads(row.payload_json)
            chosen.append((row.seq, str(payload.get("gateway") or row.task_name), list(payload.get("to") or [])))
    for row in rows:
        kind = row.kind
        if kind == "gateway_path":
            continue
        if kind == "instance_started":
            yield LogStep(row, model.start or model.process_name, "start")
            yield from _automatic(row, model, model.start, chosen)
        elif kind in INSTANCE_LIFECYCLE:
            yield LogStep(row, row.task_name or model.process_name, INSTANCE_LIFECYCLE[kind])
        elif kind in DONE_KINDS and row.round_id is not None:
            yield LogStep(row, row.task_name, "unknown", member=True)
        elif kind in DONE_KINDS or kind == "countersign_ended":
            yield LogStep(row, row.task_name, "complete")
            yield from _automatic(row, model, row.task_name, chosen)
        elif kind == "task_returned":
            yield LogStep(row, row.task_name, "ate_abort")
        elif kind in TASK_LIFECYCLE:
            yield LogStep(row, row.task_name, TASK_LIFECYCLE[kind])
        elif kind in MOVE_LIFECYCLE:
            yield LogStep(row, row.task_name, MOVE_LIFECYCLE[kind])


def _automatic(row: Any, model: Model, element: str | None,
               chosen: list[tuple[int, str, list[str]]]) -> Iterator[LogStep]:
    chosen[:] = [c for c in chosen if c[0] > row.seq]  # a choice before this step belongs to no later walk
    for step in automatic_after(model, element, chosen):
        yield LogStep(row, step, "complete", automatic=True)
