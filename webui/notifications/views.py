"""In-app notifications: the list, marking them read, and the unread count in the navigation."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.scheduling.letters import step_and_request
from engine.scheduling.views import Notification

from ..context import engine, me
from ..i18n import _, language, ngettext
from ..safety import local_target

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")
LISTED = 100  # the engine lists the newest 100


@dataclass
class Notice:
    """One notification as the list shows it."""

    id: int
    kind: str
    kind_label: str
    subject: str
    body: str
    at: str
    read: bool
    href: str | None


def kind_label(kind: str) -> str:
    labels = {"new_task": _("New task"), "reminder": _("Reminder"), "overdue": _("Overdue"),
              "escalation": _("Escalation"), "result": _("Result"), "decided": _("Decided"),
              "mention": _("Mention"), "expired": _("Closed at its deadline"), "copied": _("CC"),
              "delegated": _("Delegated to you"), "sign": _("Your signature"), "handed_back": _("Back to you"),
              "transferred": _("Transferred"), "urged": _("Urged"), "returned": _("Returned"),
              "round_closed": _("Countersign ended")}
    return labels.get(kind, kind.replace("_", " "))


def _subject(kind: str, subject: str) -> str:
    """The subject in the UI's language, as far as the engine's bilingual subject allows.

    The engine writes one subject for every reader (and e-mail): "新任务 New task: 上级评分 · Manager
    scoring — 王磊 (wang.lei) · 2026-Q4". The kind prefix is dropped (the UI shows the kind itself), and
    the step's "中文 · English" label is cut to the reader's language.
    """
    if kind not in ("new_task", "reminder", "overdue", "escalation", "result", "decided", "mention", "expired",
                    "copied", "delegated", "sign", "handed_back", "transferred", "urged", "returned", "round_closed"):
        return subject
    return step_and_request(language(), subject) or subject


def _notice(row: Notification) -> Notice:
    if row.task_id:
        href: str | None = url_for("tasks.show", task_id=row.task_id)
    elif row.instance_id:
        href = url_for("instances.show", instance_id=row.instance_id)
    else:
        href = None
    return Notice(row.id, row.kind, kind_label(row.kind), _subject(row.kind, row.subject), row.body or "", row.at,
                  row.read, href)


@blueprint.get("")
def index() -> ResponseReturnValue:
    """List my notifications, newest first (``?unread=1``: only the unread ones)."""
    unread_only = request.args.get("unread") == "1"
    notices = [_notice(row) for row in engine().work.notifications(me(), unread_only)]
    return render_template("notifications/index.html", notices=notices, unread_only=unread_only,
                           capped=len(notices) >= LISTED)


@blueprint.post("/read")
def mark_all_read() -> ResponseReturnValue:
    """Mark all my notifications read."""
    changed = engine().work.mark_read(me())
    if changed:
        flash(ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", changed),
              "success")
    return redirect(local_target(request.form.get("next")) or url_for("notifications.index"), code=303)


@blueprint.get("/<id:notification_id>")
def open_one(notification_id: int) -> ResponseReturnValue:
    """Follow a notification to its task or request, marking it read on the way."""
    target = _notice(engine().work.open_notification(me(), notification_id)).href
    return redirect(target or url_for("notifications.index"), code=303)


@blueprint.post("/<id:notification_id>/read")
def mark_read(notification_id: int) -> ResponseReturnValue:
    """Mark one of my notifications read (someone else's are left alone)."""
    engine().work.mark_read(me(), notification_id)
    return redirect(local_target(request.form.get("next")) or url_for("notifications.index"), code=303)
