"""An instance as it was right after any step, rebuilt read-only from its history log.

A **step** is what one use case wrote at once: it begins with what someone (or the worker) did
(``instance_started``, ``task_completed``, ``task_claimed``, ``timer_fired``, ``instance_cancelled``...)
and goes on with what the engine did in consequence (``gateway_path``, ``task_created``,
``task_expired``, ``instance_ended``, ``data_changed``). Steps are numbered from 1 (the start).

After step N the replay gives the data (from the ``data_changed`` deltas), the open tasks and who
held them (created, claimed, released, assigned, completed, expired, cancelled), the status, and the
path on the diagram. A task the process gives to one person of the instance (a relationship lane:
the employee, the appraiser) names its holder nowhere in the log; it is resolved, as the engine
did, from the version's ``assignee`` property and the data after the step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..clock import utc_iso
from ..models import HistoryEvent
from ..runtime.placeholders import resolve
from .views import AuditChange, AuditFollowUp, AuditStepEvent

# Events the engine writes in consequence of the one that begins a step.
FOLLOW_UPS = frozenset({"gateway_path", "task_created", "task_expired", "instance_ended", "data_changed",
                        "returned_straight_back", "countersign_started", "countersign_ended"})
CLOSING = frozenset({"task_completed", "task_expired", "task_returned"})
GIVING = frozenset({"task_returned", "returned_straight_back"})  # name who gets the step they open (``holder``)
HANDING_ON = frozenset({"task_delegated", "delegation_done", "signers_added", "awaiting_signers", "task_signed",
                        "signer_removed"})


@dataclass
class LoggedStep:
    """The events one use case wrote, in ``seq`` order (the first one says what began the step)."""

    number: int
    events: list[HistoryEvent]

    @property
    def first(self) -> HistoryEvent:
        return self.events[0]

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq


SIGNERS_MOVES = frozenset({"task_signed", "signer_removed"})


def _decided_in_a_signers_step(event: HistoryEvent, previous: HistoryEvent | None) -> bool:
    """A completion that the last added signer's approval (or removal) released, or that a signer after the
    holder decided otherwise: written in the signer's (or the holder's removing) step, right after its event,
    not a step of its own. (A proxy's completion on behalf of someone away is a step of its own.)"""
    if event.kind != "task_completed" or previous is None or previous.kind not in SIGNERS_MOVES:
        return False
    payload = json.loads(event.payload_json)
    return bool(payload.get("held") or payload.get("on_behalf_of"))


def _copied_by_the_model(event: HistoryEvent) -> bool:
    """A copy the model made (``copyTo``): nobody's act, written with the step that completed its element."""
    return event.kind == "instance_copied" and event.actor is None


def group_steps(events: Iterable[HistoryEvent]) -> list[LoggedStep]:
    """The log's events as steps (see the module docstring)."""
    steps: list[LoggedStep] = []
    for event in events:
        if steps and (event.kind in FOLLOW_UPS or _copied_by_the_model(event)
                      or _decided_in_a_signers_step(event, steps[-1].events[-1])):
            steps[-1].events.append(event)
        else:
            steps.append(LoggedStep(len(steps) + 1, [event]))
    return steps


@dataclass
class OpenTask:
    id: int | None
    name: str
    role: str
    assignee: str | None
    since: str
    due_at: str | None = None


@dataclass
class InstanceState:
    """What the log says an instance was after the steps applied so far."""

    data: dict[str, Any] = field(default_factory=dict)
    open_tasks: dict[int, OpenTask] = field(default_factory=dict)  # by human task id (log order)
    status: str = "running"
    end_event: str | None = None


class Replayer:
    """Applies steps to an ``InstanceState``; ``assignee_paths`` are the version's per-task ``assignee`` paths."""

    def __init__(self, assignee_paths: dict[str, str]) -> None:
        self.assignee_paths = assignee_paths
        self.state = InstanceState()
        self._unnumbered = 0  # tasks logged without a row id (never, in practice) still get a key
        self._holders: dict[int, str] = {}  # a task handed on (委派, 加签): whose it is
        self._signers: dict[int, list[str]] = {}  # ... and who signs next, in turn

    def _handed_on(self, key: int, kind: str, actor: str | None, payload: dict[str, Any],
                   acting: str | None) -> str | None:
        """Who holds a task after a delegate's or an added signer's move (as ``engine.runtime.signers`` does)."""
        people = [str(p) for p in payload.get("people") or payload.get("signers") or []]
        if kind in ("task_delegated", "signers_added"):
            self._holders[key] = actor or ""
        holder = self._holders.get(key, acting)
        if kind == "task_delegated":
            return str(payload.get("to") or acting)
        if (kind == "signers_added" and payload.get("position") == "before") or kind == "awaiting_signers":
            self._signers[key] = people
            return people[0] if people else acting
        queue = self._signers.get(key, [])
        if kind == "signer_removed" and payload.get("person") in queue:
            queue.remove(str(payload["person"]))
            return acting if acting != payload.get("person") else (queue[0] if queue else holder)
        if kind == "task_signed":
            if actor in queue:
                queue.remove(actor)
            return (queue[0] if queue else holder) if payload.get("decision") == "approve" else holder
        return holder if kind in ("delegation_done", "signers_added") else acting

    def apply(self, step: LoggedStep) -> None:
        state = self.state
        created: list[OpenTask] = []
        given: dict[str, str] = {}  # step -> who a return (or its way straight back) gave it to
        for event in step.events:
            payload = json.loads(event.payload_json)
            key = event.human_task_id
            if event.kind in GIVING and payload.get("holder"):
                given[str(payload.get("to_step"))] = str(payload["holder"])
            if event.kind == "data_changed":
                state.data = _apply_delta(state.data, payload)
            elif event.kind == "task_created" and event.task_name:
                task = OpenTask(key, event.task_name, str(payload.get("role") or ""), payload.get("for"),
                                utc_iso(event.occurred_at), payload.get("due_at"))
                if key is None:
                    self._unnumbered -= 1
                    key = self._unnumbered
                state.open_tasks[key] = task
                created.append(task)
            elif event.kind in CLOSING and key in state.open_tasks:
                del state.open_tasks[key]
            elif event.kind == "countersign_ended":  # the round's tasks still open were closed with it
                for closed in [k for k, t in state.open_tasks.items() if t.name == event.task_name]:
                    del state.open_tasks[closed]
            elif event.kind == "task_claimed" and key in state.open_tasks:
                state.open_tasks[key].assignee = event.actor
            elif event.kind == "task_unclaimed" and key in state.open_tasks:
                state.open_tasks[key].assignee = None
            elif event.kind in ("task_assigned", "task_transferred") and key in state.open_tasks:
                state.open_tasks[key].assignee = payload.get("to")
            elif key is not None and key in state.open_tasks and event.kind in HANDING_ON:
                state.open_tasks[key].assignee = self._handed_on(key, event.kind, event.actor, payload,
                                                                 state.open_tasks[key].assignee)
            elif event.kind == "instance_ended":
                state.status, state.end_event = "completed", payload.get("end_event")
                state.open_tasks.clear()
            elif event.kind in ("instance_cancelled", "instance_withdrawn"):
                state.status = "cancelled"
                state.end_event = "withdrawn" if event.kind == "instance_withdrawn" else state.end_event
                state.open_tasks.clear()
        for task in created:  # the engine resolved these from the data the step left behind
            path = self.assignee_paths.get(task.name)
            if path:
                task.assignee = resolve(state.data, path) or None
            elif task.name in given:
                task.assignee = given[task.name]


def _apply_delta(data: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """``engine.history.replay_data``'s rule, one event at a time (a new dict: earlier states stay as they were)."""
    delta = payload.get("data_delta") or {}
    changed = dict(data)
    changed.update(delta.get("set", {}))
    for key in delta.get("unset", []):
        changed.pop(key, None)
    return changed


def data_before_after(before: dict[str, Any], after: dict[str, Any]) -> list[AuditChange]:
    """The top-level keys a step changed, each with its value before and after and the inner fields that changed."""
    keys = [k for k in after if k not in before or before[k] != after[k]] + [k for k in before if k not in after]
    changes: list[AuditChange] = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        fields: list[str] = []
        if isinstance(old, dict) and isinstance(new, dict):
            fields = [k for k in new if k not in old or old[k] != new[k]] + [k for k in old if k not in new]
        changes.append({"key": key, "before": old, "after": new, "added": key not in before,
                        "removed": key not in after, "changed_fields": fields})
    return changes


def describe_step(step: LoggedStep, roles: dict[int, str]) -> AuditStepEvent:
    """What began a step: kind, who, when, which task and role, the decision and comment."""
    first = step.first
    payload = json.loads(first.payload_json)
    submitted = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    return {
        "step": step.number, "seq": first.seq, "last_seq": step.last_seq, "kind": first.kind,
        "at": utc_iso(first.occurred_at), "actor": first.actor, "task_name": first.task_name,
        "task_id": first.human_task_id, "role": roles.get(first.human_task_id or 0, ""),
        "decision": payload.get("decision", (submitted or {}).get("decision")),
        "comment": payload.get("comment") or payload.get("reason") or payload.get("message"),
        "to": payload.get("to"),
        "on_behalf_of": payload.get("on_behalf_of"),
        "decider_roles": (payload.get("decider") or {}).get("roles"),
        "decider_unit": (payload.get("decider") or {}).get("unit"),
    }


def follow_ups(step: LoggedStep) -> list[AuditFollowUp]:
    """What the engine did in consequence: gateways passed, tasks opened or closed, the end."""
    shown: list[AuditFollowUp] = []
    for event in step.events[1:]:
        if event.kind == "data_changed":
            continue
        payload = json.loads(event.payload_json)
        shown.append({"seq": event.seq, "kind": event.kind, "task_name": event.task_name,
                      "task_id": event.human_task_id, "role": payload.get("role"),
                      "gateway": payload.get("gateway"), "to": payload.get("to"),
                      "end_event": payload.get("end_event")})
    return shown


def task_roles(events: Sequence[HistoryEvent]) -> dict[int, str]:
    """Each human task's lane (the role it was for), from its ``task_created`` event."""
    roles: dict[int, str] = {}
    for event in events:
        if event.kind == "task_created" and event.human_task_id is not None:
            roles[event.human_task_id] = str(json.loads(event.payload_json).get("role") or "")
    return roles
