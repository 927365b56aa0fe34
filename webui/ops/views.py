"""The operations page (admins: the operate right): incidents with their error and the instance's
history, retrying them, cancelling an instance with a reason, pending and leased jobs, the workers
seen recently, and the accounts whose sign-ins are being refused (who is being targeted, from where).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import InstanceNotFound, NotAllowed
from engine.org.people import Person
from engine.org.rights import Right
from engine.runtime.instances import MAX_REASON_LENGTH
from engine.text_input import id_in_range

from ..context import engine, me, signed_in, username
from ..errors import come_back_to
from ..i18n import _
from ..instances.status import GOOD_ENDS, status_text
from ..instances.views import timeline
from ..request_keys import once_per_drawing
from ..safety import local_target

blueprint = Blueprint("ops", __name__, url_prefix="/ops")


def may_operate() -> bool:
    """Whether the signed-in person may see the operations page (for the navigation)."""
    user = signed_in()
    if user is None:
        return False
    if "opsflow_operator" not in g:
        g.opsflow_operator = engine().org.may(Person(user), Right.OPERATE)
    return bool(g.opsflow_operator)


def job_kind(kind: str) -> str:
    return {"timer": _("Timer"), "reminder": _("Reminder"), "overdue": _("Overdue check"), "email": _("E-mail"),
            "schedule": _("Scheduled start")}.get(kind, kind)


@blueprint.get("")
def index() -> ResponseReturnValue:
    """Show incidents, pending and leased jobs, workers seen recently and sign-in targets."""
    board = engine().ops.overview(me())
    return render_template("ops/index.html", board=board, job_kind=job_kind, max_reason=MAX_REASON_LENGTH)


@blueprint.get("/incidents/<id:job_id>")
def incident(job_id: int) -> ResponseReturnValue:
    """Show one incident: its whole error, and its instance with the instance's history."""
    found = engine().ops.incident(me(), job_id)
    entries = [] if found.history is None or found.instance_id is None else \
        timeline(found.history, engine().work.forms(me(), found.instance_id))
    return render_template("ops/incident.html", incident=found, entries=entries, job_kind=job_kind,
                           status_text=status_text, good_ends=GOOD_ENDS, max_reason=MAX_REASON_LENGTH)


@blueprint.post("/incidents/<id:job_id>/retry")
@once_per_drawing
def retry(job_id: int) -> ResponseReturnValue:
    """Run an incident's job again (the worker takes it at once)."""
    come_back_to(url_for("ops.index"))
    engine().ops.retry(me(), job_id)
    flash(_("Job %(id)s will run again.", id=job_id), "success")
    return redirect(url_for("ops.index"), code=303)


@blueprint.post("/incidents/<id:job_id>/dismiss")
@once_per_drawing
def dismiss(job_id: int) -> ResponseReturnValue:
    """Give up a failing notification job with a reason (kept on the job, with who gave it up)."""
    come_back_to(url_for("ops.incident", job_id=job_id, _anchor="dismiss"))
    result = engine().ops.dismiss(me(), job_id, request.form.get("reason", ""))
    flash(_("Notification %(id)s is skipped: nobody is told by it.", id=result.id), "success")
    return redirect(url_for("ops.index"), code=303)


@blueprint.post("/instances/<id:instance_id>/cancel")
@once_per_drawing
def cancel(instance_id: int) -> ResponseReturnValue:
    """Cancel an instance with a reason; its starter is told, with the reason."""
    target = local_target(request.form.get("next")) or url_for("ops.index")
    come_back_to(target)
    engine().ops.cancel(me(), instance_id, request.form.get("reason", ""))
    flash(_("Instance %(id)s is cancelled.", id=instance_id), "success")
    return redirect(target, code=303)


@blueprint.post("/instances/cancel")
@once_per_drawing
def cancel_by_id() -> ResponseReturnValue:
    """Cancel the instance whose id is typed into the form (the same as cancelling it from its incident)."""
    come_back_to(url_for("ops.index"))
    if not may_operate():  # the engine's answer, asked before the typed id is even read
        raise NotAllowed(f"{username()} may not cancel instances from the operations page")
    raw = request.form.get("instance_id", "").strip()
    instance_id = int(raw) if raw.isdigit() and raw.isascii() else 0
    try:
        if not id_in_range(instance_id):
            raise InstanceNotFound(raw)
        engine().ops.cancel(me(), instance_id, request.form.get("reason", ""))
    except InstanceNotFound:
        flash(_("There is no instance %(id)s.", id=raw), "error")
        return redirect(url_for("ops.index"), code=303)
    flash(_("Instance %(id)s is cancelled.", id=instance_id), "success")
    return redirect(url_for("ops.index"), code=303)
