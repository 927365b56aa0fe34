"""The caller's own settings: out of office (代理), with the dates and the proxy who acts meanwhile."""

from __future__ import annotations

from datetime import date

from flask import Response

from engine.errors import InvalidInput, UserNotFound

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import body_object, text_arg

AWAY = "/me/out-of-office"


def _day(value: str, key: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise RequestInvalid(f"invalid request body: {key}: must be a date (YYYY-MM-DD)",
                             {key: ["must be a date (YYYY-MM-DD)"]}) from exc


@blueprint.get(AWAY)
def get_out_of_office() -> Response:
    """My out-of-office (``user``: someone else's, for an admin); 404 when none is set."""
    return answer(context.engine().org.away(context.me(), text_arg("user")))


@blueprint.put(AWAY)
def set_out_of_office() -> Response:
    """Be away ``{"from": DATE, "to": DATE, "proxy": USERNAME}`` (both days included, China's dates): new tasks
    for me go to the proxy meanwhile; replaces what was set. ``user``: someone else's, for an admin."""
    body = body_object({"from": str, "to": str, "proxy": str}, required=["from", "to", "proxy"])
    starts_on, ends_on = _day(body["from"], "from"), _day(body["to"], "to")
    try:
        return answer(context.engine().org.set_away(context.me(), starts_on, ends_on, body["proxy"],
                                                    text_arg("user")))
    except UserNotFound as exc:
        if exc.username.strip() != body["proxy"].strip():
            raise
        raise RequestInvalid(exc.message, {"proxy": [f"{exc.username} is not an active user"]}) from exc
    except InvalidInput as exc:
        field = "proxy" if "proxy" in exc.message or "away themselves" in exc.message else "to"
        raise RequestInvalid(exc.message, {field: [exc.message]}) from exc


@blueprint.delete(AWAY)
def end_out_of_office() -> tuple[str, int]:
    """End my out-of-office now (``user``: someone else's, for an admin): 204, also when none was set."""
    context.engine().org.end_away(context.me(), text_arg("user"))
    return "", 204
