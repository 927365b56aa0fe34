"""The moves that are events of their own in the process-mining exports: a countersign round's start and end
(会签), an urge (催办) and a transfer (转办).

In XES each is an event of the step it was made on (``concept:name`` = the step's BPMN element id) whose
``lifecycle:transition`` says what it was: ``schedule`` when a round hands the step to its people, ``reassign``
for a transfer, ``unknown`` (the standard's word for a transition outside its model) for an urge, and
``complete`` for the end of a round: the round is one activity, as the model has one task (``log_steps``). In
OCEL each is an event type of its own, related to the instance, the tasks and the people it concerns.

The on-whose-behalf (代理) of any event rides along as ``on_behalf_of`` when its payload names one.
"""

from __future__ import annotations

from typing import Any

# The history kinds exported as events of their own, with their XES lifecycle transition and OCEL event type.
LIFECYCLE = {"countersign_started": "schedule", "countersign_ended": "complete", "task_urged": "unknown",
             "task_transferred": "reassign"}
MOVE_KINDS = tuple(LIFECYCLE)
OCEL_TYPES = {"countersign_started": "countersign started", "countersign_ended": "countersign ended",
              "task_urged": "task urged", "task_transferred": "task transferred"}
# Each kind's attributes (beyond seq and hash), with their OCEL types.
ATTRIBUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "countersign_started": (("step", "string"), ("round", "string"), ("signers", "string"), ("in_turn", "boolean")),
    "countersign_ended": (("step", "string"), ("round", "string"), ("decided", "string"), ("closed", "string")),
    "task_urged": (("step", "string"), ("told", "string"), ("note", "string"), ("on_behalf_of", "string")),
    "task_transferred": (("step", "string"), ("from", "string"), ("to", "string"), ("reason", "string"),
                         ("on_behalf_of", "string")),
}


def _names(value: Any) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, list) else ""


def move_attributes(kind: str, step: str | None, payload: dict[str, Any]) -> list[tuple[str, str | bool]]:
    """What a move's event says, as (name, value) pairs in ``ATTRIBUTES`` order; absent ones are left out.

    ``signers``, ``told`` and ``closed`` are usernames joined by commas; ``decided`` is ``user:decision`` pairs
    in the order they decided; ``from`` of a transfer is "" when the task was its role's, not someone's.
    """
    values: dict[str, str | bool | None] = {"step": step, "on_behalf_of": payload.get("on_behalf_of")}
    if kind in ("countersign_started", "countersign_ended"):
        values["round"] = str(payload.get("round_id") or "")
    if kind == "countersign_started":
        values.update(signers=_names(payload.get("members")), in_turn=bool(payload.get("sequential")))
    elif kind == "countersign_ended":
        decided = [f"{d['by']}:{d.get('decision')}" for d in payload.get("decided", [])
                   if isinstance(d, dict) and d.get("by")]
        values.update(decided=",".join(decided), closed=_names(payload.get("closed")))
    elif kind == "task_urged":
        values.update(told=_names(payload.get("told")), note=payload.get("note"))
    elif kind == "task_transferred":
        values.update({"from": payload.get("from") or "", "to": payload.get("to"), "reason": payload.get("reason")})
    return [(name, value) for name, _type in ATTRIBUTES[kind]
            if isinstance(value := values.get(name), (str, bool)) and (value != "" or name == "from")]


def people_of(kind: str, actor: str | None, payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The people a move concerns, as (username, OCEL qualifier)."""
    found: list[tuple[str, str]] = []
    if kind == "countersign_started":
        found += [(str(p), "signer") for p in payload.get("members", [])]
    elif kind == "countersign_ended":
        found += [(str(d["by"]), "decided") for d in payload.get("decided", []) if isinstance(d, dict) and d.get("by")]
        found += [(str(p), "closed for") for p in payload.get("closed", [])]
    elif kind == "task_urged":
        found += [(actor, "urged by")] if actor else []
        found += [(str(p), "urged") for p in payload.get("told", [])]
    elif kind == "task_transferred":
        found += [(actor, "transferred by")] if actor else []
        found += [(str(payload["from"]), "transferred from")] if payload.get("from") else []
        found += [(str(payload["to"]), "transferred to")] if payload.get("to") else []
    if payload.get("on_behalf_of"):
        found.append((str(payload["on_behalf_of"]), "on behalf of"))
    return found
