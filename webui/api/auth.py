"""Who sends a request under /api/v1: deny by default.

Two ways in. A bearer token (``opsflow token create USER``, or the account page) sent as
``Authorization: Bearer TOKEN``: a client of its own, no CSRF token. Or the browser's signed-in web
session (the modeler's editor calls the API from its page): then every request that is not a GET (or
HEAD, OPTIONS) must also carry the page's CSRF token in ``X-CSRFToken``, else it is refused with 403,
whatever ``WTF_CSRF_ENABLED`` says (that switch is for the HTML forms' tests). A request that names a
token is judged by the token alone. Only views marked ``@public`` (the OpenAPI document, the explorer)
are served to anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, current_app, g, request
from flask_wtf.csrf import same_origin, validate_csrf

from engine.org.sign_in import LoginFailed

from ..context import directory, signed_in
from . import context
from .errors import error_response, unauthorized

View = TypeVar("View", bound=Callable[..., object])
MAX_TOKEN_LENGTH = 256  # real tokens are ~47 characters; longer ones are not worth a database look-up
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRFToken"
NO_CREDENTIALS = "send an API token as 'Authorization: Bearer TOKEN' (opsflow token create USER)"


def public(view: View) -> View:
    """Mark a view as served without a token."""
    view.opsflow_public = True  # type: ignore[attr-defined]
    return view


def _is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "opsflow_public", False))


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def authenticate() -> Response | None:
    """Find the actor for the request's token, or its signed-in session; else answer 401 (or 403)."""
    if _is_public():
        return None
    if "Authorization" in request.headers:
        return _by_token(_bearer_token())
    if signed_in() is not None:
        return _by_session()
    return unauthorized(NO_CREDENTIALS, invalid_token=False)


def _by_token(token: str | None) -> Response | None:
    if token is None:
        return unauthorized(NO_CREDENTIALS, invalid_token=False)
    if len(token) > MAX_TOKEN_LENGTH or not token.isprintable():
        return unauthorized("invalid or revoked API token", invalid_token=True)
    try:
        g.api_actor = context.engine().org.actor_for_token(token)
    except LoginFailed as exc:
        return unauthorized(exc.message, invalid_token=True)
    return None


def _by_session() -> Response | None:
    """The signed-in person, if still active; a request that changes anything proves it comes from a page
    of this site (the CSRF token of the session; on https, a referrer of this host too)."""
    actor = directory().actors.get(signed_in() or "")
    if actor is None:
        return unauthorized("your session has ended: sign in again", invalid_token=False)
    if request.method not in SAFE_METHODS:
        refused = _csrf_refusal()
        if refused:
            return error_response(403, "forbidden", f"{refused.rstrip('.')}: a request signed in by the browser's "
                                                    f"session must carry the page's CSRF token in {CSRF_HEADER} "
                                                    "(or use an API token)")
    g.api_actor = actor
    return None


def _csrf_refusal() -> str | None:
    """Why the request does not prove it was sent by a page of this site (None: it does)."""
    try:
        validate_csrf(request.headers.get(CSRF_HEADER))
    except ValueError as exc:  # wtforms' ValidationError
        return str(exc.args[0] if exc.args else "the CSRF token is missing or wrong")
    if request.is_secure and not same_origin(request.referrer or "", f"https://{request.host}/"):
        return "the referrer does not match the host"
    return None


def no_store(response: Response) -> Response:
    """Keep answers meant for one token's user out of shared caches."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def protect(blueprint: Blueprint) -> None:
    """Authenticate every request to ``blueprint``."""
    blueprint.before_request(authenticate)
    blueprint.after_request(no_store)
