"""My account: the API tokens a signed-in person makes and revokes for themselves.

A new token is shown once, on the answer to the form that made it (never stored in the clear, never
shown again); the list shows each token's name, when it was made and when it was last used.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.org.sign_in import MAX_TOKEN_NAME

from ..context import engine, me
from ..errors import come_back_to
from ..i18n import _

blueprint = Blueprint("account", __name__, url_prefix="/account")


def _page(new_token: str | None = None, new_name: str = "") -> str:
    return render_template("account/tokens.html", tokens=engine().org.tokens(me()), new_token=new_token,
                           new_name=new_name, max_name=MAX_TOKEN_NAME)


@blueprint.get("")
def tokens() -> ResponseReturnValue:
    """List my API tokens, with a form to make a new one."""
    return _page()


@blueprint.post("/tokens")
def create_token() -> ResponseReturnValue:
    """Make an API token and show it, this once."""
    name = request.form.get("name", "").strip()
    come_back_to(url_for("account.tokens"))
    if not name:
        flash(_("Give the token a name, so that you know later what it is for."), "error")
        return redirect(url_for("account.tokens"), code=303)
    token = engine().org.create_token(me(), name)
    return _page(new_token=token, new_name=name)


@blueprint.post("/tokens/<id:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of my tokens: it stops working at once."""
    result = engine().org.revoke_token(me(), token_id)
    flash(_("The token “%(name)s” is revoked.", name=result.name), "success")
    return redirect(url_for("account.tokens"), code=303)
