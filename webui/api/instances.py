"""Process instances: the list the user may see, one instance, its history, and an admin's cancel."""

from __future__ import annotations

from flask import Response, request

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org.people import Actor, Person
from engine.runtime.instance_views import INSTANCE_STATUSES
from engine.runtime.views import Instance

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import body_object, flag_arg, id_segment, int_arg, text_arg

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

INSTANCE = "/process-instances" + id_segment("instance_id")


def visible_instances(engine: Engine, actor: Actor, process: str | None, status: str | None, mine: bool,
                      limit: int) -> list[Instance]:
    """Newest first, only those ``actor`` may see (the engine's visibility rule, applied in SQL)."""
    if mine:  # whoever started an instance may see it
        return engine.work.instances(Person(actor.username), process, actor.username, status, limit)
    return engine.work.instances(Person(actor.username), process, None, status, limit)


def status_arg() -> str | None:
    """``status``, when given, must be one an instance can have (an empty ``status=`` is refused too)."""
    if "status" not in request.args:
        return None
    value = request.args["status"]
    if value not in INSTANCE_STATUSES:
        raise RequestInvalid("invalid query parameter status",
                             {"status": [f"must be one of: {', '.join(INSTANCE_STATUSES)}"]})
    return value


@blueprint.get("/process-instances")
def list_instances() -> Response:
    """List instances the user may see, newest first; filter by ``process``, ``status`` and ``mine``."""
    rows = visible_instances(context.engine(), context.actor(), text_arg("process"), status_arg(),
                             flag_arg("mine"), int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT))
    return answer({"items": rows})


@blueprint.get(INSTANCE)
def show_instance(instance_id: int) -> Response:
    """Show an instance with its status, open tasks and data. :raise 403 404:"""
    return answer(context.engine().work.show(context.me(), instance_id))


@blueprint.get(f"{INSTANCE}/comments")
def comments(instance_id: int) -> Response:
    """List every comment on the request, whichever step it was made on, oldest first."""
    return answer({"items": context.engine().work.request_comments(context.me(), instance_id)})


@blueprint.get(f"{INSTANCE}/history")
def history(instance_id: int) -> Response:
    """List an instance's history events in order: who did what, when, with what decision."""
    return answer({"items": context.engine().work.history(context.me(), instance_id)})


@blueprint.post(f"{INSTANCE}/cancel")
def cancel(instance_id: int) -> Response:
    """Cancel a running instance with ``{"reason": TEXT}`` (admins: the operate and cancel rights, as on /ops); its
    open tasks close and its starter is told. :raise 400: no reason. :raise 403: :raise 404: :raise 409: ended."""
    reason = str(body_object({"reason": str}, required=["reason"])["reason"])
    try:
        return answer(context.engine().ops.cancel(context.me(), instance_id, reason))
    except InvalidInput as exc:
        raise RequestInvalid(exc.message, {"reason": [exc.message]}) from exc
