"""The working-day calendar for admins: a year's special days, and entering the days the package lacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date

from engine.clock import utc_now
from engine.errors import InvalidInput

from ..context import engine, me
from ..errors import come_back_to
from ..i18n import _
from ..inbox.views import holds
from ..request_keys import once_per_drawing

blueprint = Blueprint("calendar", __name__, url_prefix="/calendar")
FIRST_YEAR, LAST_YEAR = 1900, 9998


def _require_admin() -> None:
    if not holds("edit calendar"):  # the engine checks the right again when a day is entered
        abort(403)


@blueprint.get("")
def index() -> ResponseReturnValue:
    """Go to this year's calendar."""
    _require_admin()
    return redirect(url_for("calendar.year", year=utc_now().year), code=303)


@blueprint.get("/<id:year>")
def year(year: int) -> ResponseReturnValue:
    """List the year's holidays and make-up working days, where each comes from, and the form to enter one."""
    _require_admin()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    days = engine().calendar.year(year)
    shown = [ShownDay(d.date, str(format_date(date.fromisoformat(d.date), "EEE")), d.working, holiday_name(d.name),
                      d.source) for d in days]
    return render_template("calendar/year.html", year=year, days=shown,
                           fallback=any(d.source == "fallback" for d in days))


@dataclass(frozen=True, slots=True)
class ShownDay:
    """A special day as the page shows it: the weekday and the holiday in the reader's language."""

    date: str
    weekday: str
    working: bool
    name: str
    source: str


def holiday_name(name: str) -> str:
    """A holiday the package (or the fixed-date rule) names in English, in the reader's language; a name an
    admin entered is shown as entered."""
    known = {"New Year's Day": _("New Year's Day"), "Spring Festival": _("Spring Festival"),
             "Tomb-sweeping Day": _("Tomb-sweeping Day"), "Labour Day": _("Labour Day"),
             "Dragon Boat Festival": _("Dragon Boat Festival"), "Mid-autumn Festival": _("Mid-autumn Festival"),
             "National Day": _("National Day"), "Anti-Fascist 70th Day": _("Anti-Fascist 70th Day")}
    return known.get(name, name)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)") from exc


@blueprint.post("/days")
@once_per_drawing
def enter() -> ResponseReturnValue:
    """Enter a holiday or a make-up working day (it counts on every node within a minute)."""
    _require_admin()
    back = request.form.get("year", "")
    come_back_to(url_for("calendar.year", year=int(back)) if back.isdigit() else url_for("calendar.index"))
    day = _day(request.form.get("day", "").strip())
    working = request.form.get("kind") == "working"
    engine().calendar.enter_day(me(), day, working, request.form.get("name", ""))
    flash(_("%(day)s is entered as a make-up working day.", day=day.isoformat()) if working
          else _("%(day)s is entered as a day off.", day=day.isoformat()), "success")
    return redirect(url_for("calendar.year", year=day.year), code=303)


@blueprint.post("/days/<day>/remove")
@once_per_drawing
def remove(day: str) -> ResponseReturnValue:
    """Forget an entered day: the holiday package's data counts for it again."""
    _require_admin()
    when = _day(day)
    come_back_to(url_for("calendar.year", year=when.year))
    engine().calendar.remove_day(me(), when)
    flash(_("%(day)s follows the holiday package again.", day=when.isoformat()), "success")
    return redirect(url_for("calendar.year", year=when.year), code=303)
