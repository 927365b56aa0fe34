"""Handing a task on (委派, 加签, 减签): delegate it, add signers before or after its holder, remove one, sign."""

from __future__ import annotations

from flask import Response

from engine.errors import InvalidInput, UserNotFound

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import body_object, id_segment
from .request_keys import idempotent, request_key

TASK = "/tasks" + id_segment("task_id")


def _people_field(exc: InvalidInput, field: str) -> RequestInvalid:
    """An input the engine refused, named on the field it is about (the reason, or the people)."""
    named = "reason" if "reason" in exc.message else "comment" if "comment" in exc.message else \
        "position" if "position" in exc.message else "decision" if "decide" in exc.message else field
    return RequestInvalid(exc.message, {named: [exc.message]})


@blueprint.get(f"{TASK}/signers")
def approval_round(task_id: int) -> Response:
    """Who holds the task, who acts on it now, its delegates and added signers (whoever may see the task)."""
    return answer(context.engine().work.approval_round(context.me(), task_id))


@blueprint.post(f"{TASK}/delegate")
@idempotent
def delegate(task_id: int) -> Response:
    """Delegate the task (委派) to ``{"to": USERNAME, "reason": TEXT}`` (its holder); it comes back to the holder
    when the delegate submits its form. :raise 400: unknown person, oneself, no reason. :raise 409: not open."""
    body = body_object({"to": str, "reason": str}, required=["to", "reason"])
    try:
        return answer(context.engine().work.delegate(context.me(), task_id, str(body["to"]), str(body["reason"]),
                                                     request_key()))
    except UserNotFound as exc:
        raise RequestInvalid(exc.message, {"to": [f"{exc.username} is not an active user"]}) from exc
    except InvalidInput as exc:
        raise _people_field(exc, "to") from exc


@blueprint.post(f"{TASK}/add-signers")
@idempotent
def add_signers(task_id: int) -> Response:
    """Add signers (加签) ``{"people": [USERNAME...], "position": "before"|"after", "reason": TEXT}`` (its holder).
    :raise 400: unknown people (nothing is added), a wrong position, no reason. :raise 409: not open."""
    body = body_object({"people": list, "position": str, "reason": str}, required=["people", "position", "reason"])
    people = body["people"]
    if not all(isinstance(name, str) for name in people):
        raise RequestInvalid("invalid body", {"people": ["must be an array of usernames"]})
    try:
        return answer(context.engine().work.add_signers(context.me(), task_id, people, str(body["position"]),
                                                        str(body["reason"]), request_key()))
    except UserNotFound as exc:
        raise RequestInvalid(exc.message, {"people": [f"{exc.username} is not an active user"]}) from exc
    except InvalidInput as exc:
        raise _people_field(exc, "people") from exc


@blueprint.post(f"{TASK}/remove-signer")
@idempotent
def remove_signer(task_id: int) -> Response:
    """Remove an added signer who has not acted (减签): ``{"person": USERNAME, "reason": TEXT}`` (its holder).
    :raise 400: not an added signer of the task. :raise 409: they have acted, or the task is closed."""
    body = body_object({"person": str, "reason": str}, required=["person"])
    try:
        return answer(context.engine().work.remove_signer(context.me(), task_id, str(body["person"]),
                                                          str(body.get("reason", "")), request_key()))
    except UserNotFound as exc:
        raise RequestInvalid(exc.message, {"person": [f"{exc.username} is not an active user"]}) from exc
    except InvalidInput as exc:
        raise _people_field(exc, "person") from exc


@blueprint.post(f"{TASK}/sign")
@idempotent
def sign(task_id: int) -> Response:
    """An added signer, on their turn, signs: ``{"decision": "approve"|"return"|..., "comment": TEXT}`` (the
    round's ``choices``; a comment unless approving). :raise 409: not their turn."""
    body = body_object({"decision": str, "comment": str}, required=["decision"])
    try:
        return answer(context.engine().work.sign(context.me(), task_id, str(body["decision"]),
                                                 str(body.get("comment", "")), request_key()))
    except InvalidInput as exc:
        raise _people_field(exc, "decision") from exc
