"""REST API under /api/v1, authenticated with bearer tokens (``opsflow token create``) or the browser's
signed-in session (the modeler's editor).

One blueprint, so that the app can exempt it from Flask-WTF's form CSRF check as a whole (Flask-WTF
matches ``request.blueprint`` by name, which nested blueprints would change): ``auth`` checks the CSRF
token itself, for session requests only, and answers in JSON. Each resource module adds its routes to it
on import. ``auth`` denies every request without a valid token or session (except the OpenAPI document
and the explorer page on it), and ``errors`` turns every error into JSON.
"""

from __future__ import annotations

from flask import Blueprint

from . import auth, errors, inputs

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
auth.protect(blueprint)
blueprint.before_request(inputs.check_ids)  # after authentication: a stranger learns nothing
blueprint.before_request(inputs.check_parameters)
blueprint.before_request(errors.answer_options)
errors.register(blueprint)

from . import (  # noqa: E402 - each adds routes
    attachments,
    audit,
    copies,
    definitions,
    docs,
    exports,
    instances,
    me,
    modeler,
    moves,
    openapi,
    people,
    returns,
    signers,
    simulation,
    tasks,
)

__all__ = ["attachments", "audit", "blueprint", "copies", "definitions", "docs", "exports", "instances", "me",
           "modeler", "moves", "openapi", "people", "returns", "signers", "simulation", "tasks"]
