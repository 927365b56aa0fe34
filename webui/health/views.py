"""``/healthz``: whether this node can serve (its database answers), for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import Unavailable
from engine.results import as_json

from ..context import engine

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Answer 200 when the database answers and takes writes; 503 when it does not answer, or is read-only or
    full (``writes`` says which), with ``Retry-After`` (no sign-in needed; nothing private)."""
    try:
        state = engine().setup.healthy()
    except SQLAlchemyError as exc:
        log.warning("health check: the database does not answer: %s", exc.__class__.__name__)
        answer = jsonify({"status": "unavailable", "database": "unreachable"})
        answer.headers["Cache-Control"] = "no-store"
        return answer, 503
    if state.writes != "ok":  # reads still work, but every write would fail: take the node out
        log.warning("health check: the database takes no writes (%s)", state.writes)
        answer = jsonify({"status": "unavailable", **as_json(state)})
        answer.headers["Cache-Control"] = "no-store"
        answer.headers["Retry-After"] = str(Unavailable(state.writes).retry_after)
        return answer, 503
    answer = jsonify({"status": "ok", **as_json(state)})
    answer.headers["Cache-Control"] = "no-store"
    return answer, 200
