"""Conformance: replay each instance's recorded history against its own deployed version, with SpiffWorkflow.

The replay starts the version's workflow with the recorded start data (the sandboxed script engine, real
gateway conditions), then feeds it each recorded task completion in order, as the engine did: the task
must be one the model has waiting at that point, the model must take the gateway paths the history
records, and it must end (or wait) where the history says. The first difference is the deviation.
Nothing is written: the replay runs on a fresh workflow in memory. Timers fire where the history says
they fired (``timer_replay``): the model must have such a timer waiting, on the steps the history says it closed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.countersign import step_name
from ..errors import ProcessError
from ..history.log import PendingEvent
from ..models import HistoryEvent, ProcessInstance
from ..runtime import rewind
from ..runtime.collaborators import Collaborators
from ..runtime.countersign import cast_vote, place_of
from ..runtime.execution import ready_human_tasks
from .timer_replay import mark_fired
from .xes import LogFilter, count_instances, instance_query

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Verdict:
    """One instance's replay against its pinned version: whether it fits, else where it first deviates."""

    instance_id: int
    version: int
    fits: bool | None  # None: not checked (the history holds what a replay cannot reproduce)
    steps: int  # completions replayed
    deviation: str | None = None
    seq: int | None = None  # the history event where it deviates


def _paths(events: list[PendingEvent]) -> list[tuple[str, list[str]]]:
    return [(str(e.payload.get("gateway")), list(e.payload.get("to", []))) for e in events if e.kind == "gateway_path"]


def _the_one(tasks: list[Any], actor: str) -> Any:
    """The waiting task a recorded completion completed: a countersign's is the one of the person who decided."""
    if any(place_of(t)[1] for t in tasks):
        return next((t for t in tasks if place_of(t)[0] == actor), None)
    return tasks[0] if tasks else None


def _expired_after(recorded: list[tuple[int, str, Any, str | None]], seq: int) -> list[str]:
    """The steps the ``task_expired`` events right after the timer event ``seq`` name."""
    after = [r for r in recorded if r[0] > seq]
    names = []
    for _seq, kind, _payload, task_name in after:
        if kind != "task_expired":
            break
        names.append(str(task_name))
    return names


def replay_instance(collaborators: Collaborators, process: Any, instance_id: int,
                    events: list[HistoryEvent]) -> Verdict:
    """The verdict for one instance's events (in sequence order) against ``process`` (its version)."""
    version = process.version
    started = next((e for e in events if e.kind == "instance_started"), None)
    if started is None:
        return Verdict(instance_id, version, False, 0, "the history has no instance_started event", None)
    runner = collaborators.runner
    recorded = [(e.seq, e.kind, json.loads(e.payload_json), e.task_name) for e in events]
    actors = {e.seq: e.actor or "" for e in events}
    try:
        workflow = runner.new(process, json.loads(started.payload_json).get("start_data", {}))
        run = runner.advance(workflow, runner.snapshot(workflow), {}, None)
    except ProcessError as exc:
        return Verdict(instance_id, version, False, 0, f"the model cannot start with the recorded data: {exc}",
                       started.seq)
    data = run.data
    expected_paths = _paths(run.events)
    steps = 0
    for seq, kind, payload, task_name in recorded:
        if kind == "gateway_path":
            taken = (str(payload.get("gateway")), list(payload.get("to", [])))
            if not expected_paths:
                return Verdict(instance_id, version, False, steps, f"the history records gateway {taken[0]} taking "
                               f"{', '.join(taken[1])}, but the model passed no gateway there", seq)
            model = expected_paths.pop(0)
            if model != taken:
                return Verdict(instance_id, version, False, steps, f"at gateway {taken[0]} the history took "
                               f"{', '.join(taken[1])}, the model (with the recorded data) {', '.join(model[1])}", seq)
        elif kind == "timer_fired":
            expired = _expired_after(recorded, seq)
            if not mark_fired(workflow, expired):
                return Verdict(instance_id, version, False, steps, "a timer fired, but the model had no timer waiting"
                               + (f" on {', '.join(expired)}" if expired else ""), seq)
            before = runner.snapshot(workflow)
            try:
                runner.run_action(workflow.refresh_timers)
                run = runner.advance(workflow, before, data, None)
            except ProcessError as exc:
                return Verdict(instance_id, version, False, steps, f"the model cannot go on after its timer: {exc}",
                               seq)
            data = run.data
            expected_paths = _paths(run.events)
        elif kind in ("instance_cancelled", "instance_withdrawn"):
            return Verdict(instance_id, version, True, steps)
        elif kind in ("task_completed", "task_auto_passed"):  # a step passed for the same approver: the same run
            if expected_paths:
                return Verdict(instance_id, version, False, steps, f"the model passed gateway {expected_paths[0][0]}, "
                               "which the history does not record", seq)
            waiting: dict[str, list[Any]] = {}
            for ready in ready_human_tasks(workflow):
                waiting.setdefault(step_name(ready.task_spec), []).append(ready)
            task = _the_one(waiting.get(str(task_name), []), actors[seq])
            if task is None:
                names = ", ".join(sorted(waiting)) or "nothing"
                return Verdict(instance_id, version, False, steps, f"{task_name} was completed, but the model was "
                               f"waiting for {names}", seq)
            before = runner.snapshot(workflow)
            task.data[str(task_name)] = payload.get("data", {})
            cast_vote(task, actors[seq], payload.get("data", {}))
            form = process.tasks.get(str(task_name))
            back_to = rewind.straight_back_to(task, form.schema if form else {}, payload.get("data", {}))
            try:
                runner.run_action(task.run if back_to is None else
                                  partial(rewind.complete_straight_back, workflow, task, back_to))
                run = runner.advance(workflow, before, data, None)
            except ProcessError as exc:
                return Verdict(instance_id, version, False, steps, f"the model cannot run {task_name} with the "
                               f"recorded data: {exc}", seq)
            data, steps = run.data, steps + 1
            expected_paths = _paths(run.events)
        elif kind == "task_returned":  # a return to an earlier step (驳回): made again on the model
            waiting = {t.task_spec.name: t for t in ready_human_tasks(workflow)}
            task = waiting.get(str(task_name))
            to_step = str(payload.get("to_step"))
            if task is None or to_step not in workflow.spec.task_specs:
                return Verdict(instance_id, version, False, steps, f"{task_name} returned the request to {to_step}, "
                               "but the model was not waiting there", seq)
            before = runner.snapshot(workflow)
            mark = {"from_step": str(task_name), "straight_back": bool(payload.get("straight_back"))}
            try:
                runner.run_action(partial(rewind.graft_return, workflow, task, to_step, mark))
                run = runner.advance(workflow, before, data, None)
            except ProcessError as exc:
                return Verdict(instance_id, version, False, steps, f"the model cannot return {task_name} to "
                               f"{to_step}: {exc}", seq)
            data = run.data
            expected_paths = _paths(run.events)
        elif kind == "instance_ended" and (run.status != "completed" or run.end_event != payload.get("end_event")):
            where = f"ends at {run.end_event}" if run.status == "completed" else "is still running"
            return Verdict(instance_id, version, False, steps, f"the history ends at {payload.get('end_event')}, "
                           f"but the model {where}", seq)
    if expected_paths:
        return Verdict(instance_id, version, False, steps, f"the model passed gateway {expected_paths[0][0]}, which "
                       "the history does not record", recorded[-1][0] if recorded else None)
    if run.status == "completed" and not any(kind == "instance_ended" for _, kind, _, _ in recorded):
        return Verdict(instance_id, version, False, steps, f"the model ended at {run.end_event}, but the history "
                       "does not record the end", recorded[-1][0] if recorded else None)
    return Verdict(instance_id, version, True, steps)


def check_conformance(session: Session, collaborators: Collaborators, wanted: LogFilter,
                      progress: Progress | None = None, chunk: int = 200) -> Iterator[Verdict]:
    """One verdict per instance of the filter, oldest first (``progress(done, total)`` after each).

    :raise ProcessNotFound:
    """
    total = count_instances(session, wanted)
    chosen = select(instance_query(session, wanted).subquery().c.id)
    done, after = 0, 0
    while True:
        batch = session.execute(
            select(ProcessInstance.id, ProcessInstance.definition_id)
            .where(ProcessInstance.id.in_(chosen), ProcessInstance.id > after)
            .order_by(ProcessInstance.id).limit(chunk)).all()
        if not batch:
            break
        ids = [row.id for row in batch]
        events: dict[int, list[HistoryEvent]] = {i: [] for i in ids}
        for event in session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id.in_(ids))
                                     .order_by(HistoryEvent.instance_id, HistoryEvent.seq)):
            assert event.instance_id is not None  # read by instance
            events[event.instance_id].append(event)
        for row in batch:
            yield replay_instance(collaborators, collaborators.catalog.get(session, row.definition_id), row.id,
                                  events[row.id])
            done += 1
            if progress is not None:
                progress(done, total)
        after = ids[-1]
        session.expunge_all()
