"""The task page (instructions, earlier steps, the generated form, comments) and task actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import Conflict, FormInvalid, ProcessNotFound
from engine.org.people import Person
from engine.runtime.comments import mentioned
from engine.runtime.views import StepForm, TaskDetail
from engine.text_input import id_in_range

from ..context import display_name, engine, me, username
from ..errors import UNPROCESSABLE, come_back_to
from ..forms.context_view import sections
from ..forms.instructions import render_instructions
from ..forms.parse import parse_form
from ..forms.render import build_form
from ..i18n import _, decision_tone, enum_label, pick, step_title, when
from ..inbox import assignment
from ..safety import local_target

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")
CONFLICT = 409
# The hidden field that names the form a task page was made with: "<process>/<version>/<step>".
FORM_OF = "opsflow:form"


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


def earlier_note(task: TaskDetail) -> ReviewNote | None:
    """For a decision step that came back: what was decided last round, and why (shown above the empty form)."""
    earlier = task["earlier_decision"]
    if earlier is None:
        return None
    schema = task["form"].get("properties", {}).get("decision", {})
    return ReviewNote("", enum_label(schema, earlier["decision"]), decision_tone(schema, earlier["decision"]),
                      earlier["comment"])


def review_notes(task: TaskDetail, forms: Mapping[str, StepForm]) -> list[ReviewNote]:
    """For a task that came back: each earlier step in its context that decided with a comment."""
    if not task["returned"]:
        return []
    notes = []
    for key, value in task["context"].items():
        if not (isinstance(value, dict) and value.get("comment") and "decision" in value):
            continue
        form = forms.get(key)
        schema = form.schema.get("properties", {}).get("decision", {}) if form is not None else {}
        notes.append(ReviewNote(pick(form.title, form.title_zh) if form is not None else key,
                                enum_label(schema, value["decision"]), decision_tone(schema, value["decision"]),
                                str(value["comment"])))
    return notes


def _page(task: TaskDetail, values: dict[str, Any], errors: dict[str, list[str]],
          comment_text: str = "", refusal: Refusal | None = None) -> str:
    user = username()
    forms = engine().work.forms(Person(user), task["instance_id"])
    may_complete = bool(task["may_complete"])
    return render_template(
        "tasks/show.html", task=task, step=step_title(task),
        instructions=render_instructions(pick(task["instructions"], task["instructions_zh"]), task["context"]),
        sections=sections(task["context"], forms),
        form=build_form(task["form"], values, errors, task["context"], forms) if may_complete else None,
        notes=review_notes(task, forms), earlier=earlier_note(task), refusal=refusal,
        comments=engine().work.request_comments(Person(user), task["instance_id"]), comment_text=comment_text,
        step_titles={key: pick(form.title, form.title_zh) for key, form in forms.items()},
        candidates=assignment.candidates(task["role"], task["assignee"], user) if task["state"] == "open" else [],
        form_field=FORM_OF, form_of=f"{task['process']}/{task['process_version']}/{task['name']}",
        may_release=bool(task["may_release"]),
        may_claim=may_complete and task["assignee"] is None,
        holder=display_name(task["assignee"]),
        on_behalf_of=display_name(task["on_behalf_of"]) if task["on_behalf_of"] else "",
    )


def _not_taken(task_id: int, user: str) -> ResponseReturnValue:
    """A submission that lost a race (another tab, a colleague): say what happened, keep what was typed."""
    task = engine().work.task(Person(user), task_id)
    typed = parse_form(task["form"], request.form) if task["form"] else {}
    if task["state"] == "completed":
        at = when(task["completed_at"])
        if task["completed_by"] == user:
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
    kept = sections({"typed": typed}, {"typed": StepForm(_("What you typed"), "", task["form"])})
    return _page(task, {}, {}, refusal=Refusal(message, kept)), CONFLICT


def _next_or(default: str) -> str:
    return local_target(request.form.get("next")) or default


@blueprint.get("/<id:task_id>")
def show(task_id: int) -> ResponseReturnValue:
    """Show a task with its instructions, the earlier steps, its form (filled with its draft) and its comments."""
    task = engine().work.task(me(), task_id)
    return _page(task, task["draft"], {})


@blueprint.get("/<id:task_id>/complete")
def back_to_task(task_id: int) -> ResponseReturnValue:
    """A reload of a refused form's address (the form was shown there) goes back to the task."""
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


def _submitted_form(task_id: int) -> dict[str, Any]:
    """The form (JSON Schema) the page was made with, to read the submitted fields by: named in the page's
    hidden field and kept in memory by the engine (a deployed version never changes). An older page, or one
    whose process is gone, is read by the task's form as it is now."""
    key, _sep, rest = request.form.get(FORM_OF, "").partition("/")
    version, _sep, name = rest.partition("/")
    if key and name and version.isdigit() and version.isascii() and id_in_range(int(version)):
        try:
            schema = engine().definitions.task_form(key, int(version), name)
        except ProcessNotFound:
            schema = None
        if schema is not None:
            return schema
    return dict(engine().work.task(me(), task_id)["form"])


@blueprint.post("/<id:task_id>/complete")
def complete(task_id: int) -> ResponseReturnValue:
    """Complete a task with the submitted form: its fields read into data by the task's form, then one engine
    transaction; a refused form is shown again with every error next to its field."""
    data = parse_form(_submitted_form(task_id), request.form)
    come_back_to(url_for("tasks.show", task_id=task_id))
    try:
        result = engine().work.complete(me(), task_id, data)
    except FormInvalid as exc:
        return _page(engine().work.task(me(), task_id), data, exc.fields), UNPROCESSABLE
    except Conflict:
        return _not_taken(task_id, username())
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
    engine().work.claim(me(), task_id)
    flash(_("The task is yours now."), "success")
    return redirect(_next_or(url_for("tasks.show", task_id=task_id)), code=303)


@blueprint.post("/<id:task_id>/unclaim")
def unclaim(task_id: int) -> ResponseReturnValue:
    """Give a task back to the team."""
    engine().work.unclaim(me(), task_id)
    flash(_("The task is back in the team's list."), "success")
    return redirect(_next_or(url_for("inbox.index")), code=303)


@blueprint.post("/<id:task_id>/assign")
def assign(task_id: int) -> ResponseReturnValue:
    """Give a task to someone who reports to me (the dispatch right)."""
    target = request.form.get("user", "").strip()
    come_back_to(_next_or(url_for("tasks.show", task_id=task_id)))
    result = engine().work.assign(me(), task_id, target)
    flash(_("The task is assigned to %(name)s.", name=display_name(result["assignee"])), "success")
    return redirect(_next_or(url_for("tasks.show", task_id=task_id)), code=303)


@blueprint.post("/<id:task_id>/comments")
def comment(task_id: int) -> ResponseReturnValue:
    """Add a comment to a task (the advisory right)."""
    come_back_to(url_for("tasks.show", task_id=task_id, _anchor="comments"))
    body = request.form.get("body", "")
    engine().work.add_comment(me(), task_id, body)
    flash(f"comment-{task_id}", "draft-done")
    if mentioned(body):
        flash(_("Your comment is added; the people you mentioned are told."), "success")
    else:
        flash(_("Your comment is added."), "success")
    return redirect(url_for("tasks.show", task_id=task_id, _anchor="comments"), code=303)
