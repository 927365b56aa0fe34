"""The admins' out-of-office page (代理): everyone's absences under way and to come, and a form to set or end one
for anyone, recorded as set by the admin. Each person sets their own on their account page."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..account.views import day_field
from ..context import display_name, engine, me, people
from ..errors import come_back_to
from ..i18n import _
from ..request_keys import done_before, form_key, went

blueprint = Blueprint("absences", __name__, url_prefix="/admin/absences")


@blueprint.get("")
def index() -> ResponseReturnValue:
    """List the absences under way and to come, with a form to set one for anyone (admins)."""
    listed = engine().org.absences(me())
    everyone = sorted((p for p in people().values() if p.active), key=lambda p: p.username)
    return render_template("absences/index.html", absences=listed, people=everyone, name=display_name,
                           chosen=request.args.get("user", ""))


@blueprint.post("")
def set_away() -> ResponseReturnValue:
    """Set someone's out-of-office: from the first to the last day, their new tasks go to the proxy."""
    come_back_to(url_for("absences.index"))
    user = request.form.get("user", "").strip()
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    absence = engine().org.set_away_for(me(), user, day_field("from"), day_field("to"),
                                        request.form.get("proxy", "").strip(), sent)
    flash(_("From %(start)s to %(end)s, new tasks for %(person)s go to %(name)s.", start=absence["from"],
            end=absence["to"], person=display_name(absence["user"]), name=display_name(absence["proxy"])), "success")
    return went(sent, url_for("absences.index"))


@blueprint.post("/end")
def end_away() -> ResponseReturnValue:
    """End someone's out-of-office now: new tasks go to them again."""
    come_back_to(url_for("absences.index"))
    user = request.form.get("user", "").strip()
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    if engine().org.end_away_for(me(), user, sent):
        flash(_("The out-of-office of %(person)s is ended: new tasks go to them again.", person=display_name(user)),
              "success")
    else:
        flash(_("%(person)s had no out-of-office to end.", person=display_name(user)), "error")
    return went(sent, url_for("absences.index"))
