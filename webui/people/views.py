"""People (``/admin/people``): list and search, add a joiner, edit someone's details, roles, manager and unit,
deactivate a leaver (their open tasks handed over first, in the same form), reactivate, reset a password (shown
once) or e-mail a set-password link; each person's changes as the organisation's record has them. Refused
input: the form again, with the engine's reason in the reader's language, and nothing changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import Conflict, InvalidInput, NotFound, UserNotFound
from engine.org.people import LANGUAGES
from engine.org.staffing import PersonSpec
from engine.org.views import DirectoryPerson, PersonDetails

from ..context import engine, me
from ..i18n import _, ngettext
from ..request_keys import done_before, form_key, keep, went
from .record import shown
from .shared import Names, effective_day, refusal, require_org_admin

blueprint = Blueprint("people", __name__, url_prefix="/admin")
REFUSED = 422  # the form again, with why
REFUSALS = (InvalidInput, NotFound, Conflict)  # what a person's forms show on the form; NotAllowed stays 403
SHOWN = ("active", "left", "all")


@blueprint.before_request
def _only_org_admins() -> None:
    require_org_admin()


@dataclass
class PersonForm:
    """What the person form holds (as typed, so that a refused form comes back as it was sent)."""

    username: str = ""
    name: str = ""
    email: str = ""
    language: str = ""
    unit: str = ""
    reports_to: str = ""
    roles: list[str] = field(default_factory=list)
    effective_on: str = ""

    @classmethod
    def sent(cls) -> PersonForm:
        form = request.form
        return cls(form.get("username", "").strip(), form.get("name", ""), form.get("email", ""),
                   form.get("language", ""), form.get("unit", ""), form.get("reports_to", ""),
                   form.getlist("roles"), form.get("effective_on", ""))

    @classmethod
    def of(cls, person: PersonDetails) -> PersonForm:
        return cls(person.username, person.name, person.email or "", person.language or "", person.unit or "",
                   person.reports_to or "", list(person.roles))

    def spec(self) -> PersonSpec:
        return PersonSpec(self.name, self.email, self.language, self.roles, self.reports_to, self.unit)


def _matches(person: DirectoryPerson, words: list[str], names: Names) -> bool:
    text = " ".join([person.username, person.name, person.email or "", person.unit or "", names.unit(person.unit),
                     person.reports_to or "", names.person(person.reports_to),
                     *person.roles, *(names.role(r) for r in person.roles)]).lower()
    return all(word in text for word in words)


@blueprint.get("/people")
def index() -> ResponseReturnValue:
    """List people (active ones by default) and find them by name, username, unit, role or manager."""
    names = Names()
    query = request.args.get("q", "").strip()
    shown = request.args.get("shown", "active")
    if shown not in SHOWN:
        shown = "active"
    words = query.lower().split()
    listed = [p for p in sorted(names.people.values(), key=lambda p: p.username)
              if (shown == "all" or p.active == (shown == "active")) and _matches(p, words, names)]
    return render_template("people/index.html", people=listed, names=names, query=query, shown=shown,
                           total=len(names.people))


def _form_page(template: str, form: PersonForm, names: Names, problem: str = "", status: int = 200,
               **context: Any) -> ResponseReturnValue:
    return render_template(template, form=form, names=names, problem=problem, languages=LANGUAGES,
                           **context), status


@blueprint.get("/people/new")
def new() -> ResponseReturnValue:
    """The form for a joiner."""
    return _form_page("people/new.html", PersonForm(roles=["staff"]), Names())


@blueprint.post("/people/new")
def add() -> ResponseReturnValue:
    """Add a joiner: username, name, e-mail, language, unit, manager and roles (on the organisation's record)."""
    form = PersonForm.sent()
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        engine().org.add_person(me(), form.username, form.spec(), effective_day(form.effective_on), sent)
    except REFUSALS as exc:
        return _form_page("people/new.html", form, Names(), refusal(exc), REFUSED)
    flash(_("%(name)s has joined. Reset their password below to give them one.", name=form.name or form.username),
          "success")
    return went(sent, url_for("people.show", username=form.username))


def _person(username: str) -> PersonDetails:
    try:
        return engine().org.person(me(), username)
    except UserNotFound:
        abort(404)


def _person_page(username: str, form: PersonForm | None = None, problem: str = "", status: int = 200,
                 new_password: str = "") -> ResponseReturnValue:
    person = _person(username)
    names = Names()
    page = render_template("people/person.html", person=person, form=form or PersonForm.of(person), names=names,
                           problem=problem, languages=LANGUAGES, record=engine().org.person_record(me(), username),
                           describe=lambda event: shown(event, names), new_password=new_password)
    headers = {"Cache-Control": "no-store"} if new_password else {}
    return page, status, headers


@blueprint.get("/people/<username>")
def show(username: str) -> ResponseReturnValue:
    """One person: their details to edit, what can be done about them, and their changes on record."""
    return _person_page(username)


@blueprint.post("/people/<username>")
def edit(username: str) -> ResponseReturnValue:
    """Change someone's name, e-mail, language, unit, manager or roles, effective on a day (default today)."""
    _person(username)
    form = PersonForm.sent()
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        changed = engine().org.set_person(me(), username, form.spec(), effective_day(form.effective_on), sent)
    except REFUSALS as exc:
        return _person_page(username, form, refusal(exc), REFUSED)
    if changed.changes:
        flash(ngettext("%(num)d change is on record, effective %(day)s.",
                       "%(num)d changes are on record, effective %(day)s.", len(changed.changes),
                       day=changed.effective_on), "success")
    else:
        flash(_("Nothing differed: nothing was changed."), "info")
    return went(sent, url_for("people.show", username=username))


def _leaving_page(username: str, hand_over_to: str = "", effective_on: str = "", problem: str = "",
                  status: int = 200) -> ResponseReturnValue:
    check = engine().org.leaving(me(), username)
    names = Names()
    candidates = [p for p in names.active_people() if p.username != username]
    chosen = hand_over_to or check.manager or ""
    return render_template("people/deactivate.html", check=check, names=names, candidates=candidates,
                           chosen=chosen, effective_on=effective_on, problem=problem), status


@blueprint.get("/people/<username>/deactivate")
def leaving(username: str) -> ResponseReturnValue:
    """Before someone leaves: their open tasks, whom to hand them to (their manager unless another is chosen), and
    what must change first."""
    _person(username)
    return _leaving_page(username)


@blueprint.post("/people/<username>/deactivate")
def deactivate(username: str) -> ResponseReturnValue:
    """Hand someone's open tasks over and deactivate them, in one step: they can no longer sign in."""
    _person(username)
    hand_over_to = request.form.get("hand_over_to", "").strip()
    day = request.form.get("effective_on", "")
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        left = engine().org.deactivate(me(), username, hand_over_to or None, effective_day(day), sent)
    except REFUSALS as exc:
        return _leaving_page(username, hand_over_to, day, refusal(exc), REFUSED)
    if left.handed_over:
        flash(ngettext("%(name)s has left; %(num)d open task went to %(to)s.",
                       "%(name)s has left; %(num)d open tasks went to %(to)s.", len(left.handed_over),
                       name=Names.person(username), to=Names.person(hand_over_to)), "success")
    else:
        flash(_("%(name)s has left and can no longer sign in.", name=Names.person(username)), "success")
    return went(sent, url_for("people.show", username=username))


@blueprint.post("/people/<username>/reactivate")
def reactivate(username: str) -> ResponseReturnValue:
    """Let someone who left sign in again."""
    _person(username)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        engine().org.reactivate(me(), username, effective_day(request.form.get("effective_on", "")), sent)
    except REFUSALS as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("people.show", username=username), code=303)
    flash(_("%(name)s is active again and may sign in.", name=Names.person(username)), "success")
    return went(sent, url_for("people.show", username=username))


@blueprint.post("/people/<username>/password")
def reset_password(username: str) -> ResponseReturnValue:
    """Give someone a new random password and show it, this once (a second sending of the form resets nothing
    and shows no password: the first answer was the only one to show it)."""
    _person(username)
    sent = form_key()
    earlier = done_before(sent, _("The password was reset already; the new one was shown once, on the answer to "
                                  "that first sending, and is not shown again. If it was not noted, reset it again."))
    if earlier is not None:
        return earlier
    password = engine().org.reset_password(me(), username, sent)
    keep(sent, url_for("people.show", username=username))
    return _person_page(username, new_password=password)


@blueprint.post("/people/<username>/password-link")
def send_password_link(username: str) -> ResponseReturnValue:
    """Have the worker e-mail someone a link to set their own password (the link starts with this site's
    address unless ``OPSFLOW_BASE_URL`` says otherwise)."""
    _person(username)
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        link = engine().passwords.send_password_link(me(), username, link_base=request.url_root, request_key=sent)
    except REFUSALS as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("people.show", username=username), code=303)
    flash(_("A set-password link is on its way to %(email)s.", email=link.email), "success")
    return went(sent, url_for("people.show", username=username))
