"""Returning a request to an earlier step (驳回到任意已经过的步骤): where one may return it, and the return."""

from __future__ import annotations

from flask import Response

from engine.errors import InvalidInput

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import body_object, id_segment
from .request_keys import idempotent, request_key

TASK = "/tasks" + id_segment("task_id")


@blueprint.get(f"{TASK}/return-targets")
def return_targets(task_id: int) -> Response:
    """List the earlier steps an open task may return its request to. :raise 403 404 409:"""
    return answer(context.engine().work.return_targets(context.me(), task_id))


@blueprint.post(f"{TASK}/return")
@idempotent
def return_task(task_id: int) -> Response:
    """Return the request to ``{"to_step": STEP, "reason": TEXT}``, an earlier step it passed; once that step is
    completed again it comes straight back (unless the model says to walk on).

    :raise 400: no reason, or a step one may not return to. :raise 409: the task is no longer open.
    """
    body = body_object({"to_step": str, "reason": str}, required=["to_step", "reason"])
    try:
        return answer(context.engine().work.return_task(context.me(), task_id, str(body["to_step"]),
                                                        str(body["reason"]), request_key()))
    except InvalidInput as exc:
        field = "reason" if "reason" in exc.message else "to_step"
        raise RequestInvalid(exc.message, {field: [exc.message]}) from exc
