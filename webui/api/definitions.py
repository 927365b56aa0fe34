"""Process definitions: which processes the user may start, and starting one."""

from __future__ import annotations

from flask import Response, url_for

from engine.org.people import Person

from . import blueprint, context
from .answers import answer
from .inputs import body_object
from .request_keys import idempotent, request_key


@blueprint.get("/process-definitions")
def list_definitions() -> Response:
    """List the latest version of each process the user may start, with its start form."""
    return answer({"items": context.engine().work.processes(context.me())})


@blueprint.post("/process-definitions/<key>/start")
@idempotent
def start(key: str) -> tuple[Response, int, dict[str, str]]:
    """Start an instance with ``{"data": {...}}``; answer 201 with the instance and its Location.

    :raise 400: the start data fails the start form (every field named).
    :raise 403: the user may not start this process. :raise 404: no such process.
    """
    body = body_object({"data": dict})
    engine, username = context.engine(), context.username()
    started = engine.work.start(Person(username), key, body.get("data"), request_key())
    instance = engine.work.show(Person(username), started.id)
    location = url_for("api.show_instance", instance_id=instance["id"])
    return answer(instance), 201, {"Location": location}
