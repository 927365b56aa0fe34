"""Roles (``/admin/roles``): each organisation role with its Chinese and English titles and who holds it; adding
one (on the organisation's record)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import InvalidInput

from ..context import engine, me
from ..i18n import _
from ..request_keys import done_before, form_key, went
from .shared import Names, effective_day, refusal
from .views import REFUSED, blueprint


def _page(sent: dict[str, str] | None = None, problem: str = "", status: int = 200) -> ResponseReturnValue:
    return render_template("people/roles.html", names=Names(), holders=engine().org.role_holders(me()),
                           sent=sent or {}, problem=problem), status


@blueprint.get("/roles")
def roles() -> ResponseReturnValue:
    """List the roles, their titles and holders, with the form to add one."""
    return _page()


@blueprint.post("/roles")
def add_role() -> ResponseReturnValue:
    """Add a role: its key, and its Chinese and English titles."""
    sent = {name: request.form.get(name, "") for name in ("key", "title", "title_zh", "effective_on")}
    key = sent["key"].strip()
    drawn = form_key()
    earlier = done_before(drawn)
    if earlier is not None:
        return earlier
    try:
        engine().org.add_role(me(), key, sent["title"], sent["title_zh"], effective_day(sent["effective_on"]), drawn)
    except InvalidInput as exc:
        return _page(sent, refusal(exc), REFUSED)
    flash(_("The role %(key)s is added: it can be given to people now.", key=key), "success")
    return went(drawn, url_for("people.roles") + f"#role-{key}")
