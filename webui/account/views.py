"""My account: my out-of-office (代理), and the API tokens a signed-in person makes and revokes for themselves.

A new token is shown once, on the answer to the form that made it (never stored in the clear, never
shown again); the list shows each token's name, when it was made and when it was last used.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import InvalidInput, NotFound
from engine.org.sign_in import MAX_TOKEN_NAME
from engine.org.views import Absence

from ..context import display_name, engine, me
from ..errors import come_back_to
from ..i18n import _
from ..request_keys import done_before, form_key, keep, went

blueprint = Blueprint("account", __name__, url_prefix="/account")


def _absence() -> Absence | None:
    try:
        return engine().org.away(me())
    except NotFound:
        return None


def _page(new_token: str | None = None, new_name: str = "") -> str:
    people = sorted((p for p in engine().org.directory().people.values() if p.active and p.username != me().username),
                    key=lambda p: p.username)
    return render_template("account/tokens.html", tokens=engine().org.tokens(me()), new_token=new_token,
                           new_name=new_name, max_name=MAX_TOKEN_NAME, absence=_absence(), people=people,
                           proxy_name=display_name)


@blueprint.get("")
def tokens() -> ResponseReturnValue:
    """List my API tokens, with a form to make a new one."""
    return _page()


@blueprint.post("/tokens")
def create_token() -> ResponseReturnValue:
    """Make an API token and show it, this once (a second sending of the form makes none and shows none: the
    first answer was the only one to show it)."""
    name = request.form.get("name", "").strip()
    come_back_to(url_for("account.tokens"))
    if not name:
        flash(_("Give the token a name, so that you know later what it is for."), "error")
        return redirect(url_for("account.tokens"), code=303)
    sent = form_key()
    earlier = done_before(sent, _("This token was made already; its secret was shown once, on the answer to that "
                                  "first sending, and is not shown again. If you did not copy it, revoke it and "
                                  "make another."))
    if earlier is not None:
        return earlier
    token = engine().org.create_token(me(), name, sent)
    keep(sent, url_for("account.tokens"))
    return _page(new_token=token, new_name=name)


@blueprint.post("/tokens/<id:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of my tokens: it stops working at once."""
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    result = engine().org.revoke_token(me(), token_id, sent)
    flash(_("The token “%(name)s” is revoked.", name=result.name), "success")
    return went(sent, url_for("account.tokens"))


def day_field(field: str) -> date:
    """The form's date ``field`` (from, to). :raise InvalidInput: not a date."""
    try:
        return date.fromisoformat(request.form.get(field, "").strip())
    except ValueError as exc:
        raise InvalidInput(f"the {'first' if field == 'from' else 'last'} day away must be a date") from exc


@blueprint.post("/out-of-office")
def set_away() -> ResponseReturnValue:
    """Be away from one date to another: new tasks for me go to a proxy meanwhile (代理)."""
    come_back_to(url_for("account.tokens") + "#away")
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    absence = engine().org.set_away(me(), day_field("from"), day_field("to"), request.form.get("proxy", "").strip(),
                                    request_key=sent)
    flash(_("From %(start)s to %(end)s, your new tasks go to %(name)s.", start=absence["from"], end=absence["to"],
            name=display_name(absence["proxy"])), "success")
    return went(sent, url_for("account.tokens") + "#away")


@blueprint.post("/out-of-office/end")
def end_away() -> ResponseReturnValue:
    """End my out-of-office now: new tasks come to me again."""
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    engine().org.end_away(me(), request_key=sent)
    flash(_("Your out-of-office is ended: new tasks come to you again."), "success")
    return went(sent, url_for("account.tokens") + "#away")
