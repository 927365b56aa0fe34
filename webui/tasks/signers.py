"""Handing a task on, from its page: delegate (委派), add signers (加签), remove one (减签), sign as one.

What the page shows of it is ``handover.handover_view``; the engine decides every move.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import Conflict

from ..context import display_name, engine, me
from ..errors import come_back_to
from ..forms.field_errors import say
from ..i18n import _
from ..request_keys import done_before, form_key, keep
from .views import blueprint


def _back(task_id: int) -> str:
    url = url_for("tasks.show", task_id=task_id, _anchor="handover")
    come_back_to(url)
    return url


def _refused(exc: Conflict, task_id: int) -> ResponseReturnValue:
    flash(say(exc.message), "error")
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


@blueprint.post("/<id:task_id>/delegate")
def delegate(task_id: int) -> ResponseReturnValue:
    """Delegate the task I hold to a colleague, with a reason; it comes back to me."""
    back = _back(task_id)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        result = engine().work.delegate(me(), task_id, request.form.get("to", "").strip(),
                                        request.form.get("reason", ""), sent)
    except Conflict as exc:
        return _refused(exc, task_id)
    flash(_("The task is with %(name)s now; it comes back to you when they have done it.",
            name=display_name(result["acting"])), "success")
    keep(sent, back)
    return redirect(back, code=303)


@blueprint.post("/<id:task_id>/add-signers")
def add_signers(task_id: int) -> ResponseReturnValue:
    """Add people who approve before me, or after my decision."""
    back = _back(task_id)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        engine().work.add_signers(me(), task_id, request.form.getlist("people"), request.form.get("position", ""),
                                  request.form.get("reason", ""), sent)
    except Conflict as exc:
        return _refused(exc, task_id)
    if request.form.get("position") == "before":
        flash(_("The signers are asked in turn; the task comes back to you when they have approved."), "success")
    else:
        flash(_("The signers will be asked after you approve."), "success")
    keep(sent, back)
    return redirect(back, code=303)


@blueprint.post("/<id:task_id>/remove-signer")
def remove_signer(task_id: int) -> ResponseReturnValue:
    """Remove an added signer who has not acted yet."""
    back = _back(task_id)
    person = request.form.get("person", "")
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        engine().work.remove_signer(me(), task_id, person, request.form.get("reason", ""), sent)
    except Conflict as exc:
        return _refused(exc, task_id)
    flash(_("%(name)s is no longer asked to sign.", name=display_name(person)), "success")
    keep(sent, back)
    return redirect(back, code=303)


@blueprint.post("/<id:task_id>/sign")
def sign(task_id: int) -> ResponseReturnValue:
    """Sign the task as an added signer, on my turn."""
    _back(task_id)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        engine().work.sign(me(), task_id, request.form.get("decision", ""), request.form.get("comment", ""), sent)
    except Conflict as exc:
        return _refused(exc, task_id)
    flash(_("Your signature is recorded."), "success")
    keep(sent, url_for("inbox.index"))
    return redirect(url_for("inbox.index"), code=303)
