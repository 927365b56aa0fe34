"""The task page (instructions, earlier steps, the generated form, comments) and task actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import (
    Conflict,
    FormInvalid,
    InvalidInput,
    OwnSeparationRule,
    ProcessError,
    ProcessNotFound,
    SeparationOfDuties,
)
from engine.org.people import Person
from engine.runtime.comments import mentioned
from engine.runtime.form_files import attachment_fields
from engine.runtime.views import StepForm, TaskDetail
from engine.text_input import id_in_range

from .. import files
from ..context import display_name, engine, me, username
from ..errors import UNPROCESSABLE, come_back_to, separation_text
from ..forms.context_view import name_files, sections
from ..forms.field_errors import say
from ..forms.instructions import render_instructions
from ..forms.parse import parse_form
from ..forms.render import UPLOAD_PREFIX, build_form
from ..i18n import _, decision_tone, enum_label, pick, step_title, when
from ..inbox import assignment
from ..inbox.views import holds
from ..request_keys import done_before, form_key, keep, once_per_drawing
from ..route_preview import preview_mode
from ..safety import local_target
from .handover import handover_view

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")
CONFLICT = 409
FORBIDDEN = 403
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


@dataclass
class RoundRow:
    """One person of a countersign round as the task page lists them."""

    name: str
    state: str
    decision: str
    tone: str
    comment: str
    decided_at: str | None
    mine: bool


def round_rows(task: TaskDetail, user: str) -> list[RoundRow]:
    """Who else is in this task's countersign round and who decided what (empty for other tasks)."""
    shown = task["countersign"]
    if shown is None:
        return []
    schema = task["form"].get("properties", {}).get("decision", {})
    states = {"open": _("To decide"), "completed": _("Decided"), "closed": _("Closed when the round ended"),
              "waiting": _("Waiting for their turn"), "skipped": _("Not asked: the round ended")}
    return [RoundRow(display_name(m["username"]), states.get(m["state"], m["state"]),
                     enum_label(schema, m["decision"]) if m["decision"] else "",
                     decision_tone(schema, m["decision"]) if m["decision"] else "muted",
                     m["comment"], m["decided_at"], m["username"] == user)
            for m in shown["members"]]


@dataclass
class ReturnOffer:
    """Where the reader may return the request from this open step (驳回), and what happens after."""

    targets: list[tuple[str, str]]  # (step name, its title in the reader's language), in flow order
    straight_back: bool


def return_offer(task: TaskDetail, user: str) -> ReturnOffer | None:
    """The earlier steps this open task may return its request to, for whoever may complete it (None: no offer)."""
    if not task["may_complete"]:
        return None
    offer = engine().work.return_targets(Person(user), task["id"])
    if not offer["targets"]:
        return None
    return ReturnOffer([(t["name"], pick(t["title"], t["title_zh"])) for t in offer["targets"]],
                       offer["straight_back"])


def _page(task: TaskDetail, values: dict[str, Any], errors: dict[str, list[str]],
          comment_text: str = "", refusal: Refusal | None = None) -> str:
    user = username()
    forms = engine().work.forms(Person(user), task["instance_id"])
    handover = handover_view(task, user)
    may_complete = bool(task["may_complete"]) and not handover.signing
    attached = engine().work.attachments(Person(user), task["instance_id"])
    names = {a["sha256"]: a["name"] for a in attached}
    route, route_mode = None, preview_mode() if task["state"] == "open" else "off"
    if route_mode == "inline":
        try:  # what happens next (流程预测), for the request's data as it stands
            route = engine().simulation.next_steps(Person(user), task["id"], values)
        except (ProcessError, InvalidInput):
            route_mode = "off"
    return render_template(
        "tasks/show.html", task=task, step=step_title(task), route=route, route_mode=route_mode,
        instructions=render_instructions(pick(task["instructions"], task["instructions_zh"]), task["context"]),
        sections=name_files(sections(task["context"], forms), names),
        form=build_form(task["form"], values, errors, task["context"], forms, names) if may_complete else None,
        attachments=attached, forms=forms, file_limit=files.size_text(engine().work.attachment_limits().max_bytes),
        accept_files=",".join(f".{e}" for e in sorted(engine().work.attachment_limits()
                                                                              .extensions)),
        notes=review_notes(task, forms), earlier=earlier_note(task), refusal=refusal,
        comments=engine().work.request_comments(Person(user), task["instance_id"]), comment_text=comment_text,
        step_titles={key: pick(form.title, form.title_zh) for key, form in forms.items()},
        kept_from_titles="”、“".join(_("Start the request") if name == "starter" else
                                    pick(forms[name].title, forms[name].title_zh) if name in forms else name
                                    for name in task["kept_from"].split(",") if name),
        candidates=assignment.candidates(task["role"], task["assignee"], user)
        if task["state"] == "open" and task["countersign"] is None else [],
        countersign=task["countersign"], round_rows=round_rows(task, user),
        form_field=FORM_OF, form_of=f"{task['process']}/{task['process_version']}/{task['name']}",
        may_release=bool(task["may_release"]),
        may_override=bool(task["kept_from"]) and task["state"] == "open" and holds("override separation of duties"),
        may_claim=may_complete and task["assignee"] is None,
        holder=display_name(task["assignee"]), handover=handover,
        on_behalf_of=display_name(task["on_behalf_of"]) if task["on_behalf_of"] else "",
        transfer_to=engine().work.transfer_candidates(Person(user), task["id"]) if task["state"] == "open" else [],
        open_transfer=False, return_offer=return_offer(task, user),
        may_urge=not may_complete and task["state"] == "open"
        and task["id"] in engine().work.offered_moves(Person(user), task["instance_id"]).urge,
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
    schema = _submitted_form(task_id)
    data = parse_form(schema, request.form)
    come_back_to(url_for("tasks.show", task_id=task_id))
    for name in attachment_fields(schema):  # a file chosen in a file field is attached first, then named by it
        sent = files.uploads(UPLOAD_PREFIX + name)
        if not sent:
            continue
        try:
            [added] = engine().work.attach(me(), task_id, sent[:1], field=name)
        except InvalidInput as exc:
            return _page(engine().work.task(me(), task_id), data, {name: [say(exc.message)]}), UNPROCESSABLE
        data[name] = added["sha256"]
    try:
        result = engine().work.complete(me(), task_id, data)
    except FormInvalid as exc:
        return _page(engine().work.task(me(), task_id), data, exc.fields), UNPROCESSABLE
    except Conflict:
        return _not_taken(task_id, username())
    except SeparationOfDuties as exc:  # 不相容职责分离: said above the form, what was typed kept
        return _page(engine().work.task(me(), task_id), data, {}, refusal=Refusal(separation_text(exc), [])), \
            FORBIDDEN
    step = step_title(result)
    flash(f"task-{task_id}", "draft-done")  # the browser may forget what it kept of this form
    name = request.form.get(FORM_OF, "").rpartition("/")[2]  # read the round only when the step seems to stay
    still = engine().work.approval_round(me(), task_id) if name and result["next_tasks"] == [name] else None
    if still is not None and still["state"] == "open":  # handed back by a delegate, or held for the signers after
        flash(_("Submitted: the task is with %(name)s now.", name=display_name(still["acting"])), "success")
    elif result["status"] == "running":
        flash(_("“%(step)s” is done.", step=step), "success")
    else:
        flash(_("“%(step)s” is done; the process has ended.", step=step), "success")
    return redirect(url_for("inbox.index"), code=303)


@blueprint.post("/<id:task_id>/claim")
@once_per_drawing
def claim(task_id: int) -> ResponseReturnValue:
    """Take an unclaimed task, so that nobody else works on it."""
    come_back_to(_next_or(url_for("tasks.show", task_id=task_id)))
    engine().work.claim(me(), task_id)
    flash(_("The task is yours now."), "success")
    return redirect(_next_or(url_for("tasks.show", task_id=task_id)), code=303)


@blueprint.post("/<id:task_id>/unclaim")
@once_per_drawing
def unclaim(task_id: int) -> ResponseReturnValue:
    """Give a task back to the team."""
    engine().work.unclaim(me(), task_id)
    flash(_("The task is back in the team's list."), "success")
    return redirect(_next_or(url_for("inbox.index")), code=303)


@blueprint.post("/<id:task_id>/assign")
@once_per_drawing
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
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    engine().work.add_comment(me(), task_id, body, files.uploads("files"), sent)
    flash(f"comment-{task_id}", "draft-done")
    if mentioned(body):
        flash(_("Your comment is added; the people you mentioned are told."), "success")
    else:
        flash(_("Your comment is added."), "success")
    shown = url_for("tasks.show", task_id=task_id, _anchor="comments")
    keep(sent, shown)
    return redirect(shown, code=303)


@blueprint.post("/<id:task_id>/return")
def return_task(task_id: int) -> ResponseReturnValue:
    """Return the request to an earlier step it passed, with a reason (驳回); its holder is told why."""
    come_back_to(url_for("tasks.show", task_id=task_id, _anchor="return"))
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    result = engine().work.return_task(me(), task_id, request.form.get("to_step", ""), request.form.get("reason", ""),
                                       sent)
    forms = engine().work.forms(me(), result["instance_id"])
    target = forms.get(result["to_step"])
    flash(_("The request is back at “%(step)s”; whoever does it is told why.",
            step=pick(target.title, target.title_zh) if target else result["to_step"]), "success")
    keep(sent, url_for("inbox.index"))
    return redirect(url_for("inbox.index"), code=303)


@blueprint.post("/<id:task_id>/separation-override")
@once_per_drawing
def separation_override(task_id: int) -> ResponseReturnValue:
    """Let the person a step's separation rule keeps away do this task after all, with a reason (the director,
    admins: 不相容职责分离的例外); on the request's history and in the auditors' report."""
    come_back_to(url_for("tasks.show", task_id=task_id, _anchor="separation"))
    try:
        engine().separation.override(me(), task_id, request.form.get("reason", ""))
    except OwnSeparationRule:
        flash(_("The rule keeps you away from this task, so you may not override it yourself: someone else with "
                "the override right must."), "error")
        return redirect(url_for("tasks.show", task_id=task_id), code=303)
    flash(_("The exception is recorded: whoever did the earlier step may now do this one."), "success")
    return redirect(url_for("tasks.show", task_id=task_id), code=303)
