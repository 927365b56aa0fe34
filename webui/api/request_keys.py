"""``Idempotency-Key``: a client that sends a write again after a cut connection gets the first answer again,
never a second start, comment or move.

A route marked ``@idempotent`` takes the header (1 to 255 printable ASCII characters). With a key the route has
not seen from this user in 24 hours, the write is done and holds the key in its own transaction
(``request_key()`` hands the key to the use case), and its answer (2xx) is kept. The same key with the same
request (method, path, query and body) gets that answer again (``Idempotent-Replayed: true``); with another
request, 422 ``idempotency_key_reused``; while the first is still under way, 409 (look again in a moment).
A request without the header is done as ever.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, g, make_response, request

from engine.runtime.request_keys import MAX_KEY_LENGTH, KeptAnswer, RequestKey

from . import context
from .errors import RequestInvalid

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# The ends of the API paths whose POST takes the header (the OpenAPI document names it on each)
IDEMPOTENT = ("/start", "/complete", "/comments", "/transfer", "/urge", "/withdraw", "/return", "/delegate",
              "/add-signers", "/remove-signer", "/sign", "/cc")
View = TypeVar("View", bound=Callable[..., Any])


def fingerprint(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _sent() -> RequestKey | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise RequestInvalid(f"the {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                             {HEADER: [f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"]})
    sent = fingerprint(request.method.encode(), request.path.encode(), request.query_string,
                       request.get_data(cache=True))
    return RequestKey(context.username(), key, sent)


def request_key() -> RequestKey | None:
    """The key this request came with, for its use case to hold (None: sent without one)."""
    held: RequestKey | None = g.get("opsflow_request_key")
    return held


def _replay(kept: KeptAnswer) -> Response:
    response = Response(kept.body, status=kept.status, mimetype="application/json")
    if kept.location:
        response.headers["Location"] = kept.location
    response.headers[REPLAYED] = "true"
    return response


def idempotent(view: View) -> View:
    """Mark a write route as taking ``Idempotency-Key`` (its use case must hold ``request_key()``)."""

    @wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        sent = _sent()
        if sent is None:
            return view(*args, **kwargs)
        kept = context.engine().requests.recall(sent)
        if kept is not None:
            return _replay(kept)
        g.opsflow_request_key = sent
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            context.engine().requests.keep_answer(sent, KeptAnswer(
                response.status_code, response.get_data(as_text=True), response.headers.get("Location")))
        return response

    return answered  # type: ignore[return-value]
