"""The task page (instructions, earlier steps, the generated form, comments) and task actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import Conflict

from ..context import display_name, engine, username
from ..errors import come_back_to, show_form_again
from ..forms.context_view import sections
from ..forms.instructions import render_instructions
from ..forms.parse import parse_form
from ..forms.render import build_form
from ..i18n import _, decision_tone, enum_label, pick, step_title, when
from ..inbox import assignment
from ..safety import local_target

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")
CONFLICT = 409


@dataclass
class ReviewNote:
    """What a reviewer decided and said about a task that came back (shown beside its form)."""

    step: str
    decision: str
    tone: str
    comment: str


@dataclass
class Refusal:
    """Why a submission was not taken, and what the person typed, kept on the page."""

    message: str
    kept: list[Any]  # the typed values, read-only (empty when the form itself shows them again)


def review_notes(task: dict[str, Any], forms: dict[str, dict[str, Any]]) -> list[ReviewNote]:
    """For a task that came back: each earlier step in its context that decided with a comment."""
    if not task.get("returned"):
        return []
    notes = []
    for key, value in task["context"].items():
        if not (isinstance(value, dict) and value.get("comment") and "decision" in value):
            continue
        form = forms.get(key, {})
        schema = (form.get("schema") or {}).get("properties", {}).get("decision", {})
        notes.append(ReviewNote(pick(form.get("title", key), form.get("title_zh", "")),
                                enum_label(schema, value["decision"]), decision_tone(schema, value["decision"]),
                                str(value["comment"])))
    return notes


def _page(task: dict[str, Any], values: dict[str, Any], errors: dict[str, list[str]],
          comment_text: str = "", refusal: Refusal | None = None) -> str:
    me = username()
    forms = engine().forms(task["instance_id"], me)
    may_complete = bool(task["may_complete"])
    return render_template(
        "tasks/show.html", task=task, step=step_title(task),
        instructions=render_instructions(pick(task["instructions"], task["instructions_zh"]), task["context"]),
        sections=sections(task["context"], forms),
        form=build_form(task["form"], values, errors, task["context"], forms) if may_complete else None,
        notes=review_notes(task, forms), refusal=refusal,
        comments=engine().comments(task["id"], me), comment_text=comment_text,
        candidates=assignment.candidates(task, me),
        may_release=bool(task["may_release"]),
        may_claim=may_complete and task["assignee"] is None,
        holder=display_name(task["assignee"]),
    )


def _not_taken(task_id: int, me: str) -> ResponseReturnValue:
    """A submission that lost a race (another tab, a colleague): say what happened, keep what was typed."""
    task = engine().task(task_id, me)
    typed = parse_form(task["form"], request.form) if task["form"] else {}
    if task["state"] == "completed":
        at = when(task["completed_at"])
        if task["completed_by"] == me:
            message = _("You already completed this task, at %(time)s (in another tab or window, perhaps). "
                        "What you typed here was not sent; it is kept below so that you can copy it.", time=at)
        else:
            message = _("%(name)s completed this task at %(time)s. What you typed here was not sent; it is kept "
                        "below so that you can copy it.", name=display_name(task["completed_by"]), time=at)
    elif task["state"] != "open":
        message = _("This task was closed meanwhile. What you typed here was not sent; it is kept below so "
                    "that you can copy it.")
    elif task["may_complete"]:  # the request moved under us (another step at the same time): try again
        return _page(task, typed, {}, refusal=Refusal(_(
            "Someone else changed this request at the same time. Your input is kept: check it and send it "
            "again."), [])), CONFLICT
    else:
        message = _("%(name)s has taken this task meanwhile. What you typed here was not sent; it is kept "
                    "below so that you can copy it.", name=display_name(task["assignee"]))
    kept = sections({"typed": typed}, {"typed": {"schema": task["form"], "title": _("What you typed")}})
    return _page(task, {}, {}, refusal=Refusal(message, kept)), CONFLICT


def _next_or(default: str) -> str:
    return local_target(request.form.get("next")) or default


@blueprint.get("/<id:task_id>")
def show(task_id: int) -> ResponseReturnValue:
    """Show a task with its instructions, the earlier steps, its form (filled with its draft) and its comments."""
    task = engine().task(task_id, username())
    return _page(task, task["draft"], {})


@blueprint.get("/<id:task_id>/complete")
def back_to_task(task_id: int) -> ResponseReturnValue:
    """A reload of a refused form's address (the form was shown there) goes back to the task."""
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


@blueprint.post("/<id:task_id>/complete")
def complete(task_id: int) -> ResponseReturnValue:
    """Complete a task with the submitted form, in one engine transaction (shown again with every error if refused)."""
    me = username()
    submitted: dict[str, Any] = {}

    def read_form(schema: dict[str, Any]) -> dict[str, Any]:
        submitted.update(parse_form(schema, request.form))
        return submitted

    show_form_again(lambda errors: _page(engine().task(task_id, me), submitted, errors))
    come_back_to(url_for("tasks.show", task_id=task_id))
    try:
        result = engine().complete(task_id, me, read_form=read_form)
    except Conflict:
        return _not_taken(task_id, me)
    step = step_title(result)
    flash(f"task-{task_id}", "draft-done")  # the browser may forget what it kept of this form
    if result["status"] == "running":
        flash(_("“%(step)s” is done.", step=step), "success")
    else:
        flash(_("“%(step)s” is done; the process has ended.", step=step), "success")
    return redirect(url_for("inbox.index"), code=303)


@blueprint.post("/<id:task_id>/claim")
def claim(task_id: int) -> ResponseReturnValue:
    """Take an unclaimed task, so that nobody else works on it."""
    engine().claim(task_id, username())
    flash(_("The task is yours now."), "success")
    return redirect(_next_or(url_for("tasks.show", task_id=task_id)), code=303)


@blueprint.post("/<id:task_id>/unclaim")
def unclaim(task_id: int) -> ResponseReturnValue:
    """Give a task back to the team."""
    engine().unclaim(task_id, username())
    flash(_("The task is back in the team's list."), "success")
    return redirect(_next_or(url_for("inbox.index")), code=303)


@blueprint.post("/<id:task_id>/assign")
def assign(task_id: int) -> ResponseReturnValue:
    """Give a task to someone who reports to me (the dispatch right)."""
    target = request.form.get("user", "").strip()
    come_back_to(_next_or(url_for("tasks.show", task_id=task_id)))
    result = engine().assign(task_id, target, username())
    flash(_("The task is assigned to %(name)s.", name=display_name(result["assignee"])), "success")
    return redirect(_next_or(url_for("tasks.show", task_id=task_id)), code=303)


@blueprint.post("/<id:task_id>/comments")
def comment(task_id: int) -> ResponseReturnValue:
    """Add a comment to a task (the advisory right)."""
    come_back_to(url_for("tasks.show", task_id=task_id, _anchor="comments"))
    engine().add_comment(task_id, username(), request.form.get("body", ""))
    flash(f"comment-{task_id}", "draft-done")
    flash(_("Your comment is added."), "success")
    return redirect(url_for("tasks.show", task_id=task_id, _anchor="comments"), code=303)
