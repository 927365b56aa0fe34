"""Web forms that write carry a key made as the form is drawn (``new_request_key``, a hidden ``request_key``):
a form sent twice (a double click, a reload of the answer, a retry after a cut connection) does its write once,
and the second sending goes where the first went (``done_before``). See ``engine.runtime.request_keys``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, flash, make_response, redirect, request, session
from flask.typing import ResponseReturnValue

from engine.runtime.request_keys import MAX_KEY_LENGTH, AnswerLost, KeptAnswer, RequestKey

from .api.request_keys import fingerprint
from .context import engine, signed_in
from .i18n import _

FIELD = "request_key"
View = TypeVar("View", bound=Callable[..., Any])
SEE_OTHER = 303


def new_request_key() -> str:
    """A key for one drawing of a form (Jinja: ``{{ new_request_key() }}``)."""
    return uuid.uuid4().hex


def form_key() -> RequestKey | None:
    """The key the form was drawn with (None: a form without one, or a key no form makes: written as ever)."""
    key = request.form.get(FIELD, "")
    username = signed_in()
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()) or username is None:
        return None
    return RequestKey(username, key, fingerprint(b"form", request.path.encode()))  # one drawing, one write


def done_before(key: RequestKey | None, said: str = "") -> ResponseReturnValue | None:
    """Where the form went when it was first sent, if it was (None: a new sending, to be written); ``said``: what
    to tell the reader instead of "sent already" (e.g. that a secret shown on the first answer is not shown again).

    :raise Conflict: the first sending is still under way."""
    try:
        kept = engine().requests.recall(key) if key is not None else None
    except AnswerLost:  # done, but the server stopped before its answer was kept: not done again
        flash(_("This form was sent already, but the server stopped before showing what it did. It was not done "
                "again: look at your tasks and requests."), "info")
        return redirect("/", code=SEE_OTHER)
    if kept is None:
        return None
    flash(said or _("This form was sent already: here is what it did."), "success")
    return redirect(kept.location or "/", code=SEE_OTHER)


def keep(key: RequestKey | None, location: str) -> None:
    """Remember where a form's write went, for a second sending of the same drawing."""
    if key is not None:
        engine().requests.keep_answer(key, KeptAnswer(SEE_OTHER, "", location))


def went(key: RequestKey | None, location: str) -> ResponseReturnValue:
    """Go to ``location`` (303), remembered for a second sending of the form's drawing ``key``."""
    keep(key, location)
    return redirect(location, code=SEE_OTHER)


def once_per_drawing(view: View) -> View:
    """For a form whose write its own state refuses to repeat (claim, assign, cancel, retry a job, a calendar
    day...): a second sending of the same drawing goes where the first went, with "sent already", not with the
    state's refusal. The key is kept right after the write (``Requests.remember``), unless the view flashed an
    error (then the form may be sent again)."""

    @wraps(view)
    def sent_once(*args: Any, **kwargs: Any) -> Any:
        sent = form_key()
        earlier = done_before(sent)
        if earlier is not None:
            return earlier
        response = make_response(view(*args, **kwargs))
        refused = any(category == "error" for category, _text in session.get("_flashes", []))  # left to be shown
        if sent is not None and response.status_code == SEE_OTHER and response.location and not refused:
            engine().requests.remember(sent, KeptAnswer(SEE_OTHER, "", response.location))
        return response

    return sent_once  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["new_request_key"] = new_request_key
