"""Bearer-token authentication: deny by default, every request under /api/v1.

A token comes from ``opsflow token create USER`` and is sent as ``Authorization: Bearer TOKEN``.
Only views marked ``@public`` (the OpenAPI document) are served without one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, current_app, g, request

from engine.org.sign_in import LoginFailed

from . import context
from .errors import unauthorized

View = TypeVar("View", bound=Callable[..., object])
MAX_TOKEN_LENGTH = 256  # real tokens are ~47 characters; longer ones are not worth a database look-up


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
    """Find the actor for the request's token, or answer 401."""
    if _is_public():
        return None
    token = _bearer_token()
    if token is None:
        return unauthorized("send an API token as 'Authorization: Bearer TOKEN' (opsflow token create USER)",
                            invalid_token=False)
    if len(token) > MAX_TOKEN_LENGTH or not token.isprintable():
        return unauthorized("invalid or revoked API token", invalid_token=True)
    try:
        g.api_actor = context.engine().org.actor_for_token(token)
    except LoginFailed as exc:
        return unauthorized(exc.message, invalid_token=True)
    return None


def no_store(response: Response) -> Response:
    """Keep answers meant for one token's user out of shared caches."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def protect(blueprint: Blueprint) -> None:
    """Authenticate every request to ``blueprint``."""
    blueprint.before_request(authenticate)
    blueprint.after_request(no_store)
