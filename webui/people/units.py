"""Units (``/admin/units``): the departments and sections as a tree, each with its head and how many people
it has; adding a unit, renaming one, moving it under another and giving it a head (each on the organisation's
record). Refused input: the page again with the reason in the reader's language, nothing changed."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.org.units import UnitSpec

from ..context import engine, me
from ..i18n import _
from ..request_keys import done_before, form_key, went
from .shared import Names, effective_day, refusal
from .views import REFUSALS, REFUSED, blueprint

FIELDS = ("key", "name_zh", "name_en", "parent", "head", "effective_on")


def _page(sent: dict[str, str] | None = None, problem: str = "", status: int = 200,
          editing: str = "") -> ResponseReturnValue:
    names = Names()
    return render_template("people/units.html", names=names, people=names.active_people(), sent=sent or {},
                           problem=problem, editing=editing), status


def _sent() -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in FIELDS}


@blueprint.get("/units")
def units() -> ResponseReturnValue:
    """The units as a tree, with the form to add one."""
    return _page()


@blueprint.post("/units")
def add_unit() -> ResponseReturnValue:
    """Add a unit: its key, Chinese and English names, the unit above it and its head."""
    sent = _sent()
    drawn = form_key()
    earlier = done_before(drawn)
    if earlier is not None:
        return earlier
    try:
        engine().org.add_unit(me(), sent["key"], UnitSpec(sent["name_zh"], sent["name_en"], sent["parent"] or None,
                                                        sent["head"] or None), effective_day(sent["effective_on"]),
                              drawn)
    except REFUSALS as exc:
        return _page(sent, refusal(exc), REFUSED)
    flash(_("The unit %(name)s is added.", name=Names().unit(sent["key"])), "success")
    return went(drawn, url_for("people.units") + f"#unit-{sent['key']}")


@blueprint.get("/units/<key>")
def unit(key: str) -> ResponseReturnValue:
    """One unit's form: its names, the unit above it and its head."""
    found = next((u for u in engine().org.units(me()) if u.key == key), None)
    if found is None:
        abort(404)
    sent = {"key": found.key, "name_zh": found.name_zh, "name_en": found.name_en, "parent": found.parent or "",
            "head": found.head or "", "effective_on": ""}
    return _page(sent, editing=key)


@blueprint.post("/units/<key>")
def change_unit(key: str) -> ResponseReturnValue:
    """Rename a unit, move it under another (or to the top) or give it another head (or none)."""
    if not any(u.key == key for u in engine().org.units(me())):
        abort(404)
    sent = {**_sent(), "key": key}
    drawn = form_key()
    earlier = done_before(drawn)
    if earlier is not None:
        return earlier
    try:
        changed = engine().org.change_unit(me(), key, UnitSpec(sent["name_zh"], sent["name_en"], sent["parent"],
                                                             sent["head"]), effective_day(sent["effective_on"]),
                                           drawn)
    except REFUSALS as exc:
        return _page(sent, refusal(exc), REFUSED, editing=key)
    if changed.changes:
        flash(_("The unit %(name)s is changed.", name=Names().unit(key)), "success")
    else:
        flash(_("Nothing to change: the unit already is so."), "info")
    return went(drawn, url_for("people.units") + f"#unit-{key}")
