"""The moves around a task or a request (issue 19): transfer a task (转办), urge its holders (催办), withdraw a
request (撤回). Starting one again (重新发起) is the start form, prefilled (``processes.start_form``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import Conflict

from ..context import display_name, engine, me
from ..errors import come_back_to
from ..i18n import _
from ..request_keys import done_before, form_key, keep
from ..safety import local_target

blueprint = Blueprint("moves", __name__)


@blueprint.post("/tasks/<id:task_id>/transfer")
def transfer(task_id: int) -> ResponseReturnValue:
    """Transfer a task to the colleague chosen, with a reason (its holder, or a manager above them)."""
    back = url_for("tasks.show", task_id=task_id)
    come_back_to(back)
    target = request.form.get("to", "").strip()
    offered = engine().work.transfer_candidates(me(), task_id)
    if offered and target not in offered:  # a page the rule's list did not make: say why, change nothing
        flash(_("%(name)s cannot receive this task: the process allows transfers only to the people listed.",
                name=display_name(target) if target else "—"), "error")
        return redirect(back, code=303)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    result = engine().work.transfer(me(), task_id, target, request.form.get("reason", ""), sent)
    flash(_("The task is transferred to %(name)s.", name=display_name(result["to"])), "success")
    keep(sent, back)
    return redirect(back, code=303)


@blueprint.post("/tasks/<id:task_id>/urge")
def urge(task_id: int) -> ResponseReturnValue:
    """Remind a task's holders (the request's starter, or a manager above the holder); once an hour."""
    back = local_target(request.form.get("next")) or url_for("tasks.show", task_id=task_id)
    come_back_to(back)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    result = engine().work.urge(me(), task_id, request.form.get("note", ""), sent)
    if result["told"]:
        flash(_("Reminded: %(names)s.", names="、".join(display_name(n) for n in result["told"])), "success")
    else:
        flash(_("Nobody else holds this step, so nobody was reminded."), "success")
    keep(sent, back)
    return redirect(back, code=303)


@blueprint.post("/instances/<id:instance_id>/withdraw")
def withdraw(instance_id: int) -> ResponseReturnValue:
    """Withdraw a request I started, with a reason, while nobody has acted on it."""
    back = url_for("instances.show", instance_id=instance_id)
    come_back_to(back)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        engine().work.withdraw(me(), instance_id, request.form.get("reason", ""), sent)
    except Conflict:
        flash(_("This request can no longer be withdrawn: someone has already acted on it, or it has ended. "
                "You may urge the holder instead."), "error")
        return redirect(back, code=303)
    flash(_("The request is withdrawn."), "success")
    keep(sent, back)
    return redirect(back, code=303)
