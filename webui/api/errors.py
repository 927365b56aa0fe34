"""The one place where domain errors and HTTP errors become JSON answers.

Every error has the shape ``{"error": CODE, "message": TEXT, "fields": {FIELD: [TEXT, ...]}}``;
``fields`` is empty unless particular fields are wrong. The status codes:

- 400 ``invalid``: malformed JSON, a body that is not an object, a missing or unknown key,
  or form data that fails its JSON Schema (``fields`` names every wrong field); a refused deploy
  adds ``errors``: ``[{"element": ID, "file": NAME, "severity": ..., "message": TEXT}, ...]``;
- 401 ``unauthorized``: no bearer token (nor a signed-in browser session), or an unknown or revoked one;
- 403 ``forbidden``: the user lacks the role or right, or a request of a browser session that is not a GET
  lacks the page's CSRF token (``X-CSRFToken``);
- 404 ``not_found``: no such task, instance, process or route;
- 405 ``method_not_allowed``; 413 ``payload_too_large`` (over ``MAX_CONTENT_LENGTH``);
- 409 ``conflict``: the task was already completed, or is claimed by someone else;
- 422 ``process_error``: the data was valid, but the process model could not run with it
  (e.g. no gateway condition held). Nothing changed; sending the same request again fails
  the same way, so this is not a 5xx that a client would retry. The failure is on the
  instance's history for whoever maintains the model.
- 503 ``unavailable``: the database is read-only or full; nothing was changed; ``Retry-After`` says in how many
  seconds to try again (the message says why, in the reader's language);
- 422 ``idempotency_key_reused``: the ``Idempotency-Key`` came before with another request; nothing was done;
  409 ``idempotency_answer_lost``: the request with that key was done, but the server stopped before answering it
  (it is not done again: look up what it did);
- 429 ``too_many_requests``: a move made again too soon (urging a task: once an hour); ``Retry-After`` says
  in how many seconds it may be made again, and the message from when;
- 409 ``history_tampered``: the history, or the evidence of it kept outside the database, does not
  check out (an export cannot be proved).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound

from engine.errors import (
    Conflict,
    DeploymentRejected,
    FormInvalid,
    HistoryTampered,
    InvalidInput,
    NotAllowed,
    OpsflowError,
    ProcessError,
    TooSoon,
    Unavailable,
)
from engine.errors import NotFound as DomainNotFound
from engine.org.sign_in import LoginFailed
from engine.runtime.request_keys import RequestKeyReused

from ..forms.field_errors import say
from ..i18n import _, language, when
from ..modeler.problems import deployment_errors

log = logging.getLogger(__name__)

STATUS_OF: list[tuple[type[OpsflowError], int]] = [
    (Unavailable, 503), (LoginFailed, 401), (NotAllowed, 403), (DomainNotFound, 404), (Conflict, 409),
    (FormInvalid, 400), (InvalidInput, 400), (ProcessError, 422), (RequestKeyReused, 422), (HistoryTampered, 409),
    (TooSoon, 429),
    (OpsflowError, 400),
]
HTTP_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "payload_too_large", 429: "too_many_requests", 500: "internal_error",
              503: "unavailable"}
FALLBACK_ENDPOINT = "unknown_route"
FALLBACK_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class RequestInvalid(InvalidInput):
    """The request itself is wrong (its body or query); ``fields`` names the keys at fault."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def error_response(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None,
                   errors: Sequence[Mapping[str, Any]] | None = None, detail: str | None = None) -> Response:
    body: dict[str, Any] = {"error": code, "message": message, "fields": fields or {}}
    if detail is not None and detail != message:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def unauthorized(message: str, invalid_token: bool) -> Response:
    """A 401 with the challenge RFC 6750 asks for."""
    response = error_response(401, "unauthorized", message)
    challenge = 'Bearer realm="opsflow"'
    if invalid_token:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def _domain_error(exc: OpsflowError) -> Response:
    status = next(code for cls, code in STATUS_OF if isinstance(exc, cls))
    if status == 400:
        refused = _refused_first()
        if refused is not None:
            return _domain_error(refused)
    if status == 401:
        return unauthorized(exc.message, invalid_token=True)
    fields = exc.fields if isinstance(exc, FormInvalid | RequestInvalid) else None
    errors = deployment_errors(exc.problems) if isinstance(exc, DeploymentRejected) else None
    response = error_response(status, exc.code, _in_readers_language(exc, status), fields, errors, exc.message)
    if isinstance(exc, TooSoon | Unavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _in_readers_language(exc: OpsflowError, status: int) -> str:
    """The engine's message for a reader of English; for a reader of Chinese, the web's translation of it, or what
    its status means when there is none (the English text then goes along as ``detail``)."""
    if language() == "en":
        return exc.message
    if isinstance(exc, Unavailable):
        return unavailable_message(exc)
    if isinstance(exc, TooSoon):
        return _("This step was urged less than an hour ago. You may urge it again from %(time)s.",
                 time=when(exc.retry_at))
    said = say(exc.message)
    if said != exc.message:
        return said
    generic = {403: _("Your roles do not allow you to see or do this."),
               404: _("There is nothing here, or it no longer exists."),
               409: _("This was changed meanwhile or has already ended, so nothing was done. Please look again.")}
    return generic.get(status, said)


def _refused_first() -> OpsflowError | None:
    """The refusal of a caller without the right to the write whose body is refused (``rights_first``)."""
    from .rights_first import check_before_refusing  # it reaches the engine through ``context``
    try:
        check_before_refusing()
    except (NotAllowed, DomainNotFound) as exc:
        return exc
    return None


def unavailable_message(exc: Unavailable) -> str:
    """What a reader is told when the database takes no writes, in their language."""
    if exc.reason == Unavailable.FULL:
        return _("The database is full and takes no changes now, so nothing was changed. "
                 "Please try again in a few minutes.")
    return _("The database is read-only now (maintenance or a fault), so nothing was changed. "
             "Please try again in a few minutes.")


def http_error(exc: HTTPException) -> Response:
    """An HTTP error as the API's JSON (also for /api/ paths no route of the API could match)."""
    status = exc.code or 500
    if status in (400, 413) and request.endpoint != f"api.{FALLBACK_ENDPOINT}":
        refused = _refused_first()
        if refused is not None:
            return _domain_error(refused)
    code = HTTP_CODES.get(status) or re.sub(r"[^a-z]+", "_", exc.name.lower()).strip("_")
    response = error_response(status, code, exc.description or exc.name)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _server_error(exc: InternalServerError) -> Response:
    # Flask has logged the traceback already ("Exception on ..."), once.
    return error_response(500, "internal_error", "something went wrong on the server; it has been logged")


def unknown_route(rest: str) -> Response:
    """Answer a path under /api/v1 that no route has: 404, or 405 when only the method is wrong.

    Without this route such requests would match no blueprint and get the app's HTML error page.
    """
    allowed = _route_methods()
    if allowed:
        raise MethodNotAllowed(valid_methods=sorted(allowed))
    raise NotFound(f"no API route {request.method} {request.path}; see /api/v1/openapi.json")


def _route_methods() -> set[str]:
    """The methods the real routes (not this fallback) take at the requested path."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed: set[str] = set()
    for method in FALLBACK_METHODS:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:  # RequestRedirect too
            continue
        if not str(endpoint).endswith(FALLBACK_ENDPOINT):
            allowed.add(method)
    return allowed


def answer_options() -> Response | None:
    """OPTIONS names the methods of the route itself (Werkzeug's answer would add the fallback's)."""
    if request.method != "OPTIONS":
        return None
    allowed = _route_methods() - {"OPTIONS"}
    if not allowed:
        raise NotFound(f"no API route {request.path}; see /api/v1/openapi.json")
    allowed |= {"OPTIONS", "HEAD"} if "GET" in allowed else {"OPTIONS"}
    response = Response(status=204)
    response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


def register(blueprint: Blueprint) -> None:
    """Turn every error raised under ``blueprint`` into JSON, including unknown routes."""
    blueprint.register_error_handler(OpsflowError, _domain_error)
    blueprint.register_error_handler(InternalServerError, _server_error)
    blueprint.register_error_handler(HTTPException, http_error)
    blueprint.add_url_rule("/", FALLBACK_ENDPOINT, unknown_route, methods=FALLBACK_METHODS, defaults={"rest": ""},
                           strict_slashes=False)
    blueprint.add_url_rule("/<path:rest>", FALLBACK_ENDPOINT, unknown_route, methods=FALLBACK_METHODS)
