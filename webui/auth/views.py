"""Signing in and out, and the guard that sends anonymous visitors to the sign-in page.

Passwords are checked by the engine (argon2; wrong ones slow down the client that sends them, per
account, in the database); the session keeps only the username. The client is ``request.remote_addr``:
behind a reverse proxy, ``OPSFLOW_PROXY_COUNT`` says how many proxies' ``X-Forwarded-For`` to trust
(``webui.create_app``); without it the header is ignored, so nobody can pose as another client.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from engine.errors import InvalidInput
from engine.org.password_links import LinkNotValid

from ..context import SESSION_USER, engine, signed_in
from ..forms.field_errors import say
from ..i18n import _
from ..safety import local_target

blueprint = Blueprint("auth", __name__)

# Endpoints an anonymous visitor may reach; every other route needs a signed-in user.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.set_password", "i18n.set_language", "static", "health.healthz",
                              "favicon"})
API_PREFIX = "/api/"


def require_sign_in() -> ResponseReturnValue | None:
    """Deny by default: send anonymous visitors to /login (the API checks its own tokens)."""
    if request.path.startswith(API_PREFIX) or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if signed_in() is not None:
        return None
    return redirect(url_for("auth.login", next=_return_to()), code=303)


def _return_to() -> str | None:
    """Where to go after signing in: the page asked for, or, for a form sent after the session ended,
    the page the form was on (its typed values wait in the browser's sessionStorage, never here)."""
    if request.method == "GET":
        return request.full_path.rstrip("?") if request.endpoint else None
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path in ("", url_for("auth.login")):
        return None
    return local_target(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form, and sign the person in with their username and password."""
    target = local_target(request.values.get("next")) or url_for("inbox.index")
    if request.method == "GET":
        if signed_in() is not None:
            return redirect(target)
        return render_template("auth/login.html", username=request.args.get("username", "")[:64],
                               next=request.args.get("next", ""), error=None)
    actor = engine().org.login(request.form.get("username", "").strip(), request.form.get("password", ""),
                           client=request.remote_addr or "")
    session.clear()  # a new session for the new user: nothing carries over from before
    session[SESSION_USER] = actor.username
    session.permanent = True
    return redirect(target, code=303)


@blueprint.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    """A set-password link e-mailed by an administrator: choose a password (twice), once, then sign in."""
    try:
        owner = engine().passwords.password_link_owner(token)
    except LinkNotValid:
        return render_template("auth/set_password.html", owner=None, error=None), 410
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password_again", ""):
            error = _("The two passwords differ: type the same password twice.")
        else:
            try:
                username = engine().passwords.set_password_by_link(token, password)
            except LinkNotValid:
                return render_template("auth/set_password.html", owner=None, error=None), 410
            except InvalidInput as exc:
                error = say(str(exc))
            else:
                session.clear()
                flash(_("Your password is set: sign in with it."), "success")
                return redirect(url_for("auth.login", username=username), code=303)
    response = render_template("auth/set_password.html", owner=owner, error=error)
    return (response, 422) if error else response


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out and go back to the sign-in page."""
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


def init_app(app: Flask) -> None:
    app.before_request(require_sign_in)
