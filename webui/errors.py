"""The one place where domain errors (and HTTP errors) become HTML answers.

- ``NotFound`` → 404 page, ``NotAllowed`` → 403 page (but ``SeparationOfDuties``: its message, and back);
- ``Conflict`` → a message and back to the inbox (someone else was quicker; not an error page);
- ``FormInvalid`` → a message naming the fields and back to the page the user came from (the views of
  generated forms catch it themselves and draw the same form again, every error next to its field);
- ``InvalidInput`` → a message and back to the page the user came from (``come_back_to``);
- ``TooSoon`` (urging a step again within the hour) → a message saying from when, and back;
- ``Unavailable`` (the database is read-only or full) → 503 with ``Retry-After``, saying so (sign-in too);
- ``LoginFailed`` → the sign-in form again; a session whose user is gone → signed out;
- ``DirectoryUnavailable`` (the organisation's LDAP directory does not answer) → the sign-in form, 503.

The handlers are attached to the HTML blueprints only: the REST API answers in JSON itself.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from engine.errors import (
    Conflict,
    DirectoryUnavailable,
    FormInvalid,
    InvalidInput,
    NotAllowed,
    NotFound,
    OpsflowError,
    ProcessError,
    SeparationOfDuties,
    TooSoon,
    Unavailable,
    UserNotFound,
)
from engine.org.sign_in import LoginFailed

from .api.errors import error_response, http_error, unavailable_message
from .context import signed_in
from .forms.field_errors import explain, say
from .i18n import _, ngettext, pick, when
from .safety import TextNotAccepted

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
UNPROCESSABLE = 422


def come_back_to(url: str) -> None:
    """Where to send the user back to when the engine refuses their input as a whole."""
    g.opsflow_back = url


def _back() -> ResponseReturnValue:
    return redirect(g.get("opsflow_back") or url_for("inbox.index"), code=303)


def error_page(status: int, title: str, message: str) -> ResponseReturnValue:
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _not_found(exc: NotFound) -> ResponseReturnValue:
    if isinstance(exc, UserNotFound):
        if exc.username == signed_in():  # the account was removed or deactivated meanwhile
            session.clear()
            return redirect(url_for("auth.login"), code=303)
        flash(_("There is no such person: %(name)s.", name=exc.username), "error")
        return _back()
    return error_page(404, _("Not found"), _("There is nothing here, or it no longer exists."))


TOO_MANY_REQUESTS = 429


def _not_allowed(exc: NotAllowed) -> ResponseReturnValue:
    if isinstance(exc, LoginFailed):
        page = render_template("auth/login.html", error=_sign_in_refusal(exc),
                               username=request.form.get("username", ""), next=request.form.get("next", ""))
        if exc.retry_after is None:
            return page
        return page, TOO_MANY_REQUESTS, {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, SeparationOfDuties):  # the task stays open for someone else: say why, and go back
        flash(separation_text(exc), "error")
        return _back()
    log.info("refused %s %s: %s", request.method, request.path, exc.message)
    return error_page(403, _("Not allowed"), _("Your roles do not allow you to see or do this."))


def separation_text(exc: SeparationOfDuties) -> str:
    """Separation of duties in the reader's language, naming the rule, the person and both steps."""
    return _("Separation of duties: %(name)s did “%(other)s” on this request, so someone else must do “%(step)s”. "
             "The task stays open for them.", name=f"{exc.display_name} ({exc.username})",
             other=pick(exc.other[1], exc.other[2]), step=pick(exc.step[1], exc.step[2]))


def _sign_in_refusal(exc: LoginFailed) -> str:
    if exc.retry_after is None:
        return say(exc.message)
    return ngettext("Too many failed sign-ins from this device: wait %(num)d second and try again.",
                    "Too many failed sign-ins from this device: wait %(num)d seconds and try again.",
                    exc.retry_after)


def _conflict(exc: Conflict) -> ResponseReturnValue:
    log.info("conflict on %s: %s", request.path, exc.message)
    if request.view_args and "task_id" in request.view_args:
        flash(_("This task was already completed or claimed by someone else."), "error")
    else:
        flash(_("Someone else changed this at the same time. Please look again and retry."), "error")
    return redirect(url_for("inbox.index"), code=303)


def _form_invalid(exc: FormInvalid) -> ResponseReturnValue:
    flash(_("Some values were not accepted: %(fields)s.", fields=", ".join(sorted(exc.fields))), "error")
    return _back()


def _invalid_input(exc: InvalidInput) -> ResponseReturnValue:
    flash(say(exc.message), "error")
    return _back()


def _process_error(exc: ProcessError) -> ResponseReturnValue:
    log.warning("process error on %s: %s", request.path, exc.message)
    return error_page(UNPROCESSABLE, _("The process could not continue"),
                      _("The process model could not run with this data, so nothing was changed. "
                        "The failure is recorded for whoever maintains the process: %(detail)s", detail=exc.message))


def _too_soon(exc: TooSoon) -> ResponseReturnValue:
    """A move made again too soon (urging a step within the hour): say from when, and go back."""
    flash(_("This step was urged less than an hour ago. You may urge it again from %(time)s.",
            time=when(exc.retry_at)), "error")
    return _back()


SERVICE_UNAVAILABLE = 503


def _directory_unavailable(exc: DirectoryUnavailable) -> ResponseReturnValue:
    """The organisation's directory does not answer: on the sign-in form, say so (it is not a wrong password)."""
    log.warning("%s %s: %s", request.method, request.path, exc.message)
    message = _("The organisation's directory does not answer, so your password cannot be checked now. "
                "Try again in a few minutes, or tell your administrator.")
    if request.endpoint == "auth.login":
        return render_template("auth/login.html", error=message, username=request.form.get("username", ""),
                               next=request.form.get("next", "")), SERVICE_UNAVAILABLE
    return error_page(SERVICE_UNAVAILABLE, _("The directory does not answer"), message)


def _unavailable(exc: Unavailable) -> ResponseReturnValue:
    """The database takes no writes now (read-only, full): say so, and when to come back (also on sign-in)."""
    log.warning("%s %s refused: %s", request.method, request.path, exc.message)
    if request.path.startswith(API_PREFIX):
        response = error_response(SERVICE_UNAVAILABLE, exc.code, unavailable_message(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    page = render_template("errors/error.html", status=SERVICE_UNAVAILABLE,
                           title=_("Changes cannot be saved right now"), message=unavailable_message(exc))
    return page, SERVICE_UNAVAILABLE, {"Retry-After": str(exc.retry_after)}


def _other_domain_error(exc: OpsflowError) -> ResponseReturnValue:
    return error_page(400, _("Not accepted"), say(exc.message))


def _csrf(exc: CSRFError) -> ResponseReturnValue:
    return error_page(400, _("The form has expired"),
                      _("This form was not sent from this site or is too old. Go back, reload the page and try again."))


def _http(exc: HTTPException) -> ResponseReturnValue:
    if request.path.startswith(API_PREFIX):
        return http_error(exc)  # a path under /api/ that not even the API's fallback route matched
    status = exc.code or 500
    if isinstance(exc, TextNotAccepted):
        detail = "; ".join(f"{name}: {' '.join(explain(m) for m in messages)}"
                           for name, messages in sorted(exc.problems.items()))
        return error_page(status, _("Bad request"), _(
            "Some text you sent holds characters that are not accepted, so nothing was changed: %(detail)s",
            detail=detail))
    titles = {400: _("Bad request"), 404: _("Not found"), 405: _("Not allowed here"),
              413: _("Too much data")}
    return error_page(status, titles.get(status, exc.name), _("The request could not be handled (%(code)s).",
                                                             code=status))


def _server_error(exc: InternalServerError) -> ResponseReturnValue:
    if request.path.startswith(API_PREFIX):
        return exc
    # Flask has logged the traceback already ("Exception on ..."), once.
    return error_page(500, _("Something went wrong"), _("The error has been logged. Please try again later."))


def attach(blueprint: Blueprint) -> None:
    """Answer domain errors raised under ``blueprint`` with HTML."""
    blueprint.register_error_handler(NotFound, _not_found)
    blueprint.register_error_handler(NotAllowed, _not_allowed)
    blueprint.register_error_handler(Conflict, _conflict)
    blueprint.register_error_handler(FormInvalid, _form_invalid)
    blueprint.register_error_handler(InvalidInput, _invalid_input)
    blueprint.register_error_handler(ProcessError, _process_error)
    blueprint.register_error_handler(TooSoon, _too_soon)
    blueprint.register_error_handler(DirectoryUnavailable, _directory_unavailable)
    blueprint.register_error_handler(Unavailable, _unavailable)
    blueprint.register_error_handler(OpsflowError, _other_domain_error)
    blueprint.register_error_handler(CSRFError, _csrf)


def init_app(app: Flask) -> None:
    """HTML pages for HTTP errors outside any blueprint (unknown URLs) and for crashes."""
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(Unavailable, _unavailable)  # raised outside a blueprint's view (a hook)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http)
