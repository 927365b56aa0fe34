"""``/healthz``: whether this node can serve (its database answers), for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from engine.results import as_json

from ..context import engine

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Answer 200 when the database answers, 503 when it does not (no sign-in needed; nothing private)."""
    try:
        state = engine().setup.healthy()
    except SQLAlchemyError as exc:
        log.warning("health check: the database does not answer: %s", exc.__class__.__name__)
        answer = jsonify({"status": "unavailable", "database": "unreachable"})
        answer.headers["Cache-Control"] = "no-store"
        return answer, 503
    answer = jsonify({"status": "ok", **as_json(state)})
    answer.headers["Cache-Control"] = "no-store"
    return answer, 200
