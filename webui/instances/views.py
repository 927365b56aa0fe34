"""Following work: "My requests" and an instance's page with its timeline."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from engine.org.people import Person
from engine.org.views import DirectoryPerson
from engine.runtime.views import HistoryEvent, InstanceDetail, StepForm

from .. import files
from ..context import display_name, engine, me, people, processes, username
from ..forms.context_view import name_files, sections
from ..i18n import _, decision_tone, enum_label, pick, step_title
from ..inbox import assignment
from .present import RequestLines, team_of
from .status import GOOD_ENDS, status_text

blueprint = Blueprint("instances", __name__)

HIDDEN_EVENTS = frozenset({"gateway_path", "data_changed"})  # engine detail, not what people did
STEPLESS = frozenset({"instance_ended", "task_returned", "returned_straight_back"})  # their text names the steps
SHOWN_DATA = ("result",)  # besides the forms' data: what a process records as its outcome
REQUESTS_PER_PAGE = 50
MAX_ID = 2**31 - 1


@dataclass
class Entry:
    """One line of an instance's timeline."""

    at: str
    kind: str
    actor: str
    what: str
    step: str
    decision: str = ""
    tone: str = ""
    comment: str = ""
    task_id: int | None = None


def _process_title(key: str) -> str:
    process = processes().get(key)
    return step_title(process) if process else key


ENGINE_EVENTS = frozenset({"task_created", "task_auto_passed", "instance_ended", "error", "timer_fired", "task_expired",
                           "reminder_sent", "task_overdue", "countersign_started", "countersign_ended",
                           "returned_straight_back"})


def _completed(payload: dict[str, Any]) -> str:
    """A completion, with who prepared it (a delegate), for whom an added signer decided it, or for whom a proxy
    did it (代理: the person was away)."""
    absent = payload.get("on_behalf_of")
    if absent and ("overruled" in payload or payload.get("signed_after_by") or payload.get("signed_before_by")):
        return _("decided the step for %(name)s, as an added signer", name=display_name(absent))
    if absent:
        return _("completed the step on behalf of %(name)s", name=display_name(absent))
    if payload.get("prepared_by"):
        return _("completed the step, prepared by %(name)s", name=display_name(payload["prepared_by"]))
    return _("completed the step")


def _kept_title(rule: object, title: Callable[[object], str]) -> str:
    """The steps (and the starter) a separation rule names, as their titles."""
    return "”、“".join(_("Start the request") if name == "starter" else title(name)
                      for name in str(rule or "").split(",") if name)


def _what(kind: str, payload: dict[str, Any], forms: Mapping[str, StepForm] | None = None) -> str:
    def title(step: object) -> str:
        form = (forms or {}).get(str(step))
        return pick(form.title, form.title_zh) if form is not None else str(step or "")

    absent = payload.get("on_behalf_of")
    if kind == "task_created" and payload.get("no_holder"):  # 审批人为空: nobody held the step's role
        return _("Nobody holds the step's role; by the process's rule it went to %(name)s",
                 name=display_name(payload["no_holder"].get("to")))
    if absent and kind == "task_created":
        return _("Waiting for %(proxy)s, on behalf of %(name)s (away)", proxy=display_name(payload.get("proxy")),
                 name=display_name(absent))
    if kind == "instance_copied" and payload.get("by_model"):  # 抄送节点: the model's copyTo, nobody's hand
        return _("Copied to %(names)s, as the process model says",
                 names="、".join(display_name(n) for n in payload.get("copied_to", [])))
    names = "、".join(display_name(n) for n in payload.get("members", []))
    texts = {
        "instance_started": _("started the process"),
        "task_created": _("Waiting for %(name)s", name=display_name(payload["for"])) if payload.get("for")
        else _("Waiting for"),
        "task_claimed": _("took the task"),
        "task_unclaimed": _("gave the task back to the team"),
        "task_assigned": _("assigned the task to %(name)s", name=display_name(payload.get("to"))),
        "task_completed": _completed(payload),
        "task_auto_passed": _("Passed automatically: %(name)s had just approved the step before (same approver)",
                              name=display_name(payload.get("approver"))),
        "comment_added": _("commented"),
        "task_returned": _("returned the request from “%(from_step)s” to “%(to_step)s”",
                           from_step=title(payload.get("from_step")), to_step=title(payload.get("to_step"))),
        "returned_straight_back": _("“%(from_step)s” was done again: the request went straight back to “%(to_step)s”",
                                    from_step=title(payload.get("from_step")), to_step=title(payload.get("to_step"))),
        "attachment_added": _("attached %(name)s (%(size)s)", name=payload.get("name", ""),
                              size=files.size_text(int(payload.get("size") or 0))),
        "instance_copied": _("copied the request to %(names)s",
                             names="、".join(display_name(n) for n in payload.get("copied_to", []))),
        "task_delegated": _("delegated the task to %(name)s", name=display_name(payload.get("to"))),
        "delegation_done": _("did the delegated work; it went back to %(name)s",
                             name=display_name(payload.get("for"))),
        "signers_added": _("added signers before them: %(names)s", names="、".join(
            display_name(n) for n in payload.get("people", []))) if payload.get("position") == "before" else
        _("added signers after their approval: %(names)s", names="、".join(
            display_name(n) for n in payload.get("people", []))),
        "task_signed": _("signed for %(name)s", name=display_name(payload.get("for"))),
        "awaiting_signers": _("decided; the added signers approve next"),
        "signer_removed": _("removed a signer: %(name)s", name=display_name(payload.get("person"))),
        "instance_ended": _("The process ended"),
        "instance_cancelled": _("cancelled the process"),
        "task_transferred": _("handed over the task of %(left)s, who left, to %(name)s",
                              left=display_name(payload.get("from")), name=display_name(payload.get("to")))
        if payload.get("handed_over") else _("transferred the task to %(name)s", name=display_name(payload.get("to"))),
        "task_urged": _("urged %(names)s to handle the step",
                        names="、".join(display_name(n) for n in payload.get("told", [])) or "—"),
        "instance_withdrawn": _("withdrew the request"),
        "error": _("The process model failed"),
        "timer_fired": _("The deadline passed"),
        "task_expired": _("The step was closed unfinished when its deadline passed"),
        "reminder_sent": _("A reminder was sent"),
        "task_overdue": _("The step is overdue; the holder's manager was told"),
        "countersign_started": (_("Countersign in turn (依次) by %(names)s", names=names)
                                if payload.get("sequential") else _("Countersign (会签) by %(names)s", names=names)),
        "countersign_ended": (_("The countersign ended; the steps of %(names)s were closed unfinished",
                                names="、".join(display_name(n) for n in payload.get("closed", [])))
                              if payload.get("closed") else _("The countersign ended")),
        "separation_overridden": _("allowed an exception to separation of duties: whoever did “%(other)s” may do this "
                                   "step", other=_kept_title(payload.get("other_step"), title)),
        "separation_refused": _("was refused by separation of duties: %(name)s did “%(other)s” on this request",
                                name=display_name(payload.get("person")),
                                other=_kept_title(payload.get("other_step"), title)),
        "instance_migrated": _("moved the process from version %(old)s to version %(new)s: %(reason)s",
                               old=payload.get("from_version"), new=payload.get("to_version"),
                               reason=payload.get("reason", "")),
    }
    return texts.get(kind, kind.replace("_", " "))


def timeline(history: list[HistoryEvent], forms: Mapping[str, StepForm]) -> list[Entry]:
    """Who did what and when, with decisions and comments, oldest first."""
    entries = []
    for event in history:
        kind, payload = event["kind"], event["payload"]
        if kind in HIDDEN_EVENTS:
            continue
        form = forms.get(event["task_name"] or "")
        step = pick(form.title, form.title_zh) if form is not None else (event["task_name"] or "")
        if kind in STEPLESS or (form is None and kind == "instance_copied"):  # a copy made at an end event
            step = ""
        decision, tone = "", ""
        if "decision" in payload:
            schema = form.schema.get("properties", {}).get("decision", {}) if form is not None else {}
            decision = enum_label(schema, payload["decision"])
            tone = decision_tone(schema, payload["decision"])
            if kind == "task_signed" and (payload.get("position") == "before" or decision == payload["decision"]):
                decision = _("Approve") if payload["decision"] == "approve" else _("Return to the holder")
            grade = (payload.get("data") or {}).get("grade")
            if grade:  # e.g. "Adjust the grade → A": the new grade belongs with the decision
                decision = f"{decision} → {grade}"
        if kind == "instance_ended":
            decision = status_text({"status": "completed", "end_event": payload.get("end_event")})
            tone = "ok" if payload.get("end_event") in GOOD_ENDS else "warn"
        # A step closed at its deadline says nothing more; a leaver's handover is said in full by its line.
        comment = "" if kind == "task_expired" or payload.get("handed_over") else \
            str(payload.get("comment") or payload.get("reason") or payload.get("message") or "")
        # What the engine did on its own is told without a person, even when someone's step set it off.
        actor = "" if kind in ENGINE_EVENTS else display_name(event["actor"])
        entries.append(Entry(event["at"], kind, actor, _what(kind, payload, forms), step,
                             decision, tone, comment, event["task_id"]))
    return entries


@blueprint.get("/requests")
def requests() -> ResponseReturnValue:
    """List the process instances I started, and those I take part in, newest first, a page of each."""
    user = username()
    before, involved_before = _page_arg("before"), _page_arg("involved_before")
    page = engine().work.my_requests(Person(user), REQUESTS_PER_PAGE + 1, before, involved_before)
    rows, involved = page.started, page.involved
    lines = RequestLines(page.urge)
    return render_template(
        "instances/requests.html", rows=lines(rows[:REQUESTS_PER_PAGE]), involved=lines(involved[:REQUESTS_PER_PAGE]),
        rows_next=rows[REQUESTS_PER_PAGE - 1]["id"] if len(rows) > REQUESTS_PER_PAGE else None,
        involved_next=involved[REQUESTS_PER_PAGE - 1]["id"] if len(involved) > REQUESTS_PER_PAGE else None,
        paged=bool(before or involved_before))


def _page_arg(name: str) -> int | None:
    """A keyset page parameter (an instance id); anything else is the first page."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


def _team_of(role: str) -> str:
    """Who could take an unclaimed step (once per role and request)."""
    known = cast(dict[str, str], g.setdefault("opsflow_team_of", {}))
    if role not in known:
        known[role] = team_of(role)
    return known[role]


@blueprint.get("/instances/<id:instance_id>")
def show(instance_id: int) -> ResponseReturnValue:
    """Show an instance: its request, open steps and a timeline of everything done."""
    user = username()
    instance = engine().work.show(Person(user), instance_id)
    history = engine().work.history(Person(user), instance_id)
    forms = engine().work.forms(Person(user), instance_id)
    data = {k: v for k, v in instance["data"].items() if k in forms or k in SHOWN_DATA}
    attached = engine().work.attachments(Person(user), instance_id)
    open_steps = [{**step, "state": "open", "candidates": assignment.candidates(step["role"], step["assignee"], user),
                   "may_release": assignment.may_offer_release(step, user)} for step in instance["open_tasks"]]
    return render_template(
        "instances/show.html", instance=instance, status=status_text(instance), good_ends=GOOD_ENDS,
        process_title=_process_title(instance["process"]), open_steps=open_steps, team_of=_team_of,
        entries=timeline(history, forms),
        sections=name_files(sections(data, forms), {a["sha256"]: a["name"] for a in attached}),
        starter=display_name(instance["started_by"]), mine=instance["started_by"] == username(),
        copy_candidates=_copy_candidates(instance, user), moves=engine().work.offered_moves(Person(user), instance_id),
        attachments=attached, forms=forms,
    )


def _copy_candidates(instance: InstanceDetail, user: str) -> list[DirectoryPerson]:
    """Whom the form offers to copy the request to: for its starter and the holders of its open steps (the
    engine decides when it is sent), everyone active but oneself, by name; nobody for anyone else."""
    if instance["started_by"] != user and all(step["assignee"] != user for step in instance["open_tasks"]):
        return []
    return sorted((p for p in people().values() if p.active and p.username != user), key=lambda p: p.name)


@blueprint.get("/instances/<id:instance_id>/attachments/<id:attachment_id>")
def attachment(instance_id: int, attachment_id: int) -> ResponseReturnValue:
    """Download a file of a request (whoever may see it), as an attachment."""
    return files.download(engine().work.attachment(me(), instance_id, str(attachment_id)))
