"""Process instances: the list the user may see, one instance, and its history."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.access import OVERSIGHT_ROLES
from engine.errors import NotAllowed, NotFound
from engine.facade import Engine
from engine.org import Actor

from . import blueprint, context
from .inputs import flag_arg, id_segment, int_arg, text_arg

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Without an oversight role, the newest this many instances matching the filters are checked one by one
# with the engine's own visibility rule (Engine.show); older ones are not listed.
SCAN_LIMIT = 500

INSTANCE = "/process-instances" + id_segment("instance_id")


def _may_see(engine: Engine, instance_id: int, username: str) -> bool:
    try:
        engine.show(instance_id, username)
    except (NotAllowed, NotFound):
        return False
    return True


def visible_instances(engine: Engine, actor: Actor, process: str | None, status: str | None, mine: bool,
                      limit: int) -> list[dict[str, Any]]:
    """Newest first, only those ``actor`` may see (the engine decides, instance by instance)."""
    if mine:  # whoever started an instance may see it
        return engine.instances(process, actor.username, status, limit)
    if actor.roles & OVERSIGHT_ROLES:
        return engine.instances(process, None, status, limit)
    visible = []
    for row in engine.instances(process, None, status, SCAN_LIMIT):
        if _may_see(engine, int(row["id"]), actor.username):
            visible.append(row)
            if len(visible) == limit:
                break
    return visible


@blueprint.get("/process-instances")
def list_instances() -> Response:
    """List instances the user may see, newest first; filter by ``process``, ``status`` and ``mine``."""
    rows = visible_instances(context.engine(), context.actor(), text_arg("process"), text_arg("status"),
                             flag_arg("mine"), int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT))
    return jsonify({"items": rows})


@blueprint.get(INSTANCE)
def show_instance(instance_id: int) -> Response:
    """Show an instance with its status, open tasks and data. :raise 403 404:"""
    return jsonify(context.engine().show(instance_id, context.username()))


@blueprint.get(f"{INSTANCE}/history")
def history(instance_id: int) -> Response:
    """List an instance's history events in order: who did what, when, with what decision."""
    return jsonify({"items": context.engine().history(instance_id, context.username())})
