"""Copies of requests (抄送, CC): copy a request to people; the requests copied to me."""

from __future__ import annotations

from flask import Response

from engine.errors import InvalidInput, UserNotFound

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import body_object, flag_arg, id_segment
from .request_keys import idempotent, request_key

INSTANCE = "/process-instances" + id_segment("instance_id")


@blueprint.post(f"{INSTANCE}/cc")
@idempotent
def copy_instance(instance_id: int) -> tuple[Response, int]:
    """Copy a request to ``{"to": [USERNAME, ...], "note": TEXT}`` (its starter, or a holder of one of its open
    tasks); answer 201 with whom it was copied to now and who had it already."""
    body = body_object({"to": list, "note": str}, required=["to"])
    to = body["to"]
    if not all(isinstance(name, str) for name in to):
        raise RequestInvalid("invalid body", {"to": ["must be an array of usernames"]})
    try:
        return answer(context.engine().work.copy(context.me(), instance_id, to, str(body.get("note", "")),
                                                          request_key())), 201
    except UserNotFound as exc:
        raise RequestInvalid(exc.message, {"to": [f"{exc.username} is not an active user"]}) from exc
    except InvalidInput as exc:
        field = "note" if "note" in exc.message else "to"
        raise RequestInvalid(exc.message, {field: [exc.message]}) from exc


@blueprint.get("/cc")
def copied_to_me() -> Response:
    """List the requests copied to me, newest first (``unread``: only those I have not opened)."""
    return answer({"items": context.engine().work.copies(context.me(), flag_arg("unread"))})
