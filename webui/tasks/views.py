"""The task page (instructions, earlier steps, the generated form, comments) and task actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..context import display_name, engine, username
from ..errors import come_back_to, show_form_again
from ..forms.context_view import sections
from ..forms.instructions import render_instructions
from ..forms.parse import parse_form
from ..forms.render import build_form
from ..i18n import _, pick, step_title
from ..inbox import assignment
from ..safety import local_target

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")


def _page(task: dict[str, Any], values: dict[str, Any], errors: dict[str, list[str]],
          comment_text: str = "") -> str:
    me = username()
    forms = engine().forms(task["instance_id"], me)
    may_complete = bool(task["may_complete"])
    return render_template(
        "tasks/show.html", task=task, step=step_title(task),
        instructions=render_instructions(pick(task["instructions"], task["instructions_zh"]), task["context"]),
        sections=sections(task["context"], forms),
        form=build_form(task["form"], values, errors, task["context"], forms) if may_complete else None,
        comments=engine().comments(task["id"], me), comment_text=comment_text,
        candidates=assignment.candidates(task, me),
        may_release=bool(task["may_release"]),
        may_claim=may_complete and task["assignee"] is None,
        holder=display_name(task["assignee"]),
    )


def _next_or(default: str) -> str:
    return local_target(request.form.get("next")) or default


@blueprint.get("/<int:task_id>")
def show(task_id: int) -> ResponseReturnValue:
    """Show a task with its instructions, the earlier steps, its form and its comments."""
    return _page(engine().task(task_id, username()), {}, {})


@blueprint.get("/<int:task_id>/complete")
def back_to_task(task_id: int) -> ResponseReturnValue:
    """A reload of a refused form's address (the form was shown there) goes back to the task."""
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


@blueprint.post("/<int:task_id>/complete")
def complete(task_id: int) -> ResponseReturnValue:
    """Complete a task with the submitted form, in one engine transaction (shown again with every error if refused)."""
    me = username()
    submitted: dict[str, Any] = {}

    def read_form(schema: dict[str, Any]) -> dict[str, Any]:
        submitted.update(parse_form(schema, request.form))
        return submitted

    show_form_again(lambda errors: _page(engine().task(task_id, me), submitted, errors))
    come_back_to(url_for("tasks.show", task_id=task_id))
    result = engine().complete(task_id, me, read_form=read_form)
    step = step_title(result)
    if result["status"] == "running":
        flash(_("“%(step)s” is done.", step=step), "success")
    else:
        flash(_("“%(step)s” is done; the process has ended.", step=step), "success")
    return redirect(url_for("inbox.index"), code=303)


@blueprint.post("/<int:task_id>/claim")
def claim(task_id: int) -> ResponseReturnValue:
    """Take an unclaimed task, so that nobody else works on it."""
    engine().claim(task_id, username())
    flash(_("The task is yours now."), "success")
    return redirect(_next_or(url_for("tasks.show", task_id=task_id)), code=303)


@blueprint.post("/<int:task_id>/unclaim")
def unclaim(task_id: int) -> ResponseReturnValue:
    """Give a task back to the team."""
    engine().unclaim(task_id, username())
    flash(_("The task is back in the team's list."), "success")
    return redirect(_next_or(url_for("inbox.index")), code=303)


@blueprint.post("/<int:task_id>/assign")
def assign(task_id: int) -> ResponseReturnValue:
    """Give a task to someone who reports to me (the dispatch right)."""
    target = request.form.get("user", "").strip()
    come_back_to(_next_or(url_for("tasks.show", task_id=task_id)))
    result = engine().assign(task_id, target, username())
    flash(_("The task is assigned to %(name)s.", name=display_name(result["assignee"])), "success")
    return redirect(_next_or(url_for("tasks.show", task_id=task_id)), code=303)


@blueprint.post("/<int:task_id>/comments")
def comment(task_id: int) -> ResponseReturnValue:
    """Add a comment to a task (the advisory right)."""
    come_back_to(url_for("tasks.show", task_id=task_id, _anchor="comments"))
    engine().add_comment(task_id, username(), request.form.get("body", ""))
    flash(_("Your comment is added."), "success")
    return redirect(url_for("tasks.show", task_id=task_id, _anchor="comments"), code=303)
