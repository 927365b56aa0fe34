"""The moves around a task or a request (issue 19): transfer (转办), urge (催办), withdraw (撤回), and what a
request started again (重新发起) begins with."""

from __future__ import annotations

from flask import Response

from engine.errors import InvalidInput, UserNotFound

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import body_object, id_segment
from .request_keys import idempotent, request_key

TASK = "/tasks" + id_segment("task_id")
INSTANCE = "/process-instances" + id_segment("instance_id")


@blueprint.post(f"{TASK}/transfer")
@idempotent
def transfer(task_id: int) -> Response:
    """Transfer an open task to ``{"to": USERNAME, "reason": TEXT}`` (its holder, or a manager above them); the
    colleague holds it from then on. :raise 400: no reason, oneself, no such active user. :raise 403: not the
    caller's to move, or the process's transfer rule excludes the colleague. :raise 409: finished."""
    body = body_object({"to": str, "reason": str}, required=["to", "reason"])
    target = str(body["to"])
    try:
        return answer(context.engine().work.transfer(context.me(), task_id, target, str(body["reason"]),
                                                     request_key()))
    except UserNotFound as exc:
        if exc.username != target.strip():
            raise
        raise RequestInvalid(exc.message, {"to": [f"{exc.username} is not an active user"]}) from exc
    except InvalidInput as exc:
        field = "reason" if "reason" in exc.message else "to"
        raise RequestInvalid(exc.message, {field: [exc.message]}) from exc


@blueprint.post(f"{TASK}/urge")
@idempotent
def urge(task_id: int) -> Response:
    """Remind an open task's holders (the request's starter, or a manager above the holder), with an optional
    ``{"note": TEXT}``. :raise 429: urged less than an hour ago (``Retry-After`` says in how many seconds)."""
    body = body_object({"note": str}, empty_ok=True)
    try:
        return answer(context.engine().work.urge(context.me(), task_id, str(body.get("note", "")), request_key()))
    except InvalidInput as exc:
        raise RequestInvalid(exc.message, {"note": [exc.message]}) from exc


@blueprint.post(f"{INSTANCE}/withdraw")
@idempotent
def withdraw(instance_id: int) -> Response:
    """Withdraw a request one started with ``{"reason": TEXT}``, while nobody has acted on it; it ends as
    withdrawn. :raise 409: it has ended, or someone has acted on it (urge the holder instead)."""
    reason = str(body_object({"reason": str}, required=["reason"])["reason"])
    try:
        return answer(context.engine().work.withdraw(context.me(), instance_id, reason, request_key()))
    except InvalidInput as exc:
        raise RequestInvalid(exc.message, {"reason": [exc.message]}) from exc


@blueprint.get(f"{INSTANCE}/restart-data")
def restart_data(instance_id: int) -> Response:
    """The process and start data to start a withdrawn, cancelled or vetoed request of one's own again
    (POST them to /process-definitions/{key}/start). :raise 409: still running, or it went through."""
    return answer(context.engine().work.restart_data(context.me(), instance_id))
