"""Copies of requests (抄送, CC): the requests copied to me, and copying one to people."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..context import display_name, engine, me
from ..errors import come_back_to
from ..i18n import _
from ..request_keys import done_before, form_key, keep

blueprint = Blueprint("copies", __name__, url_prefix="/copies")


@blueprint.get("")
def index() -> ResponseReturnValue:
    """List the requests copied to me, newest first (``?unread=1``: those I have not opened)."""
    unread_only = request.args.get("unread") == "1"
    return render_template("copies/index.html", copies=engine().work.copies(me(), unread_only),
                           unread_only=unread_only)


@blueprint.get("/<id:instance_id>")
def open_one(instance_id: int) -> ResponseReturnValue:
    """Open a request copied to me, marking the copy read on the way."""
    engine().work.open_copy(me(), instance_id)
    return redirect(url_for("instances.show", instance_id=instance_id), code=303)


@blueprint.post("/<id:instance_id>")
def copy(instance_id: int) -> ResponseReturnValue:
    """Copy a request to the people chosen, with an optional note (its starter, or a holder of an open step)."""
    back = url_for("instances.show", instance_id=instance_id)
    come_back_to(back)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    result = engine().work.copy(me(), instance_id, request.form.getlist("to"), request.form.get("note", ""), sent)
    if result["copied"]:
        names = "、".join(display_name(name) for name in result["copied"])
        flash(_("The request is copied to %(names)s.", names=names), "success")
    else:
        flash(_("Everyone you chose has this request already."), "success")
    keep(sent, back)
    return redirect(back, code=303)
