"""Languages: choosing the locale, the language switch, and text and numbers in that language.

The UI chrome goes through gettext (catalogs in ``webui/translations``); texts that come with
the process definitions carry both languages themselves (``title`` / ``x-title-zh`` in form
schemas, ``title`` / ``title_zh`` on processes and steps) and are picked here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any, Literal, cast

from babel import Locale, dates
from babel.dates import DateTimePattern
from flask import Blueprint, Flask, current_app, g, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    get_locale,
    get_timezone,
    gettext,
)
from flask_babel import ngettext as babel_ngettext

from engine.org.people import Person

from .context import engine, signed_in
from .safety import local_target

LANGUAGES = ("en", "zh")
DATE_STYLES = ("full", "long", "medium", "short")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "opsflow_lang"
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
ONE_YEAR = 365 * 24 * 3600

blueprint = Blueprint("i18n", __name__)


def _(message: str, **variables: Any) -> str:
    """Flask-Babel's gettext, typed (``_`` is also the keyword ``pybabel extract`` looks for)."""
    return str(gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's ngettext, typed."""
    return str(babel_ngettext(singular, plural, num, **variables))


def select_locale() -> str:
    """The language the visitor chose (a cookie), else the browser's best (zh-* → zh), else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for tag, _quality in request.accept_languages:  # already ordered by quality
        primary = tag.lower().replace("_", "-").split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def language() -> str:
    """The language of the current request: ``en`` or ``zh`` (looked up once per request)."""
    if "opsflow_language" not in g:
        locale = get_locale()
        g.opsflow_language = locale.language if locale is not None and locale.language in LANGUAGES \
            else DEFAULT_LANGUAGE
    return str(g.opsflow_language)


@blueprint.post("/language")
def set_language() -> ResponseReturnValue:
    """Remember the chosen language in a cookie and go back to the page the visitor was on."""
    chosen = request.form.get("lang", "")
    response = redirect(local_target(request.form.get("next")) or "/", code=303)
    if chosen in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=ONE_YEAR, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        who = signed_in()
        if who is not None:  # and on the person: their e-mails are written in it
            engine().org.set_language(Person(who), chosen)
    return response


# -- texts that carry both languages ---------------------------------------------------------
def pick(english: Any, chinese: Any) -> str:
    """The Chinese text in a Chinese UI when there is one, else the English."""
    if language() == "zh" and chinese:
        return str(chinese)
    return str(english or chinese or "")


def schema_text(schema: dict[str, Any], key: str = "title") -> str:
    """A schema's ``title`` or ``description`` in the current language (``x-title-zh``...)."""
    return pick(schema.get(key, ""), schema.get(f"x-{key}-zh", ""))


def enum_label(schema: dict[str, Any], value: Any) -> str:
    """The label of an enum value from ``x-enum-labels`` ({value: {"en", "zh"}}), else the value."""
    labels = schema.get("x-enum-labels", {}).get(str(value))
    if isinstance(labels, dict):
        return pick(labels.get("en", ""), labels.get("zh", "")) or str(value)
    return str(value)


def decision_tone(schema: dict[str, Any], value: Any) -> str:
    """``ok`` for a decision that needs no reason (``x-reason-free``, else approve), ``warn`` otherwise."""
    free = schema.get("x-reason-free")
    return "ok" if value in (free if isinstance(free, list) else ["approve"]) else "warn"


def step_title(row: Mapping[str, Any]) -> str:
    """A task's or process's title (``title`` / ``title_zh``) in the current language."""
    return pick(row.get("title", ""), row.get("title_zh", ""))


# -- dates and amounts ----------------------------------------------------------------------
def parse_moment(value: str | datetime | None) -> datetime | None:
    """An engine timestamp (ISO text with Z) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(value: str | datetime | None, style: str = "medium") -> str:
    """A timestamp in the user's language and the app's time zone (to the minute).

    ``short``: the locale's short date and time ("2026/1/1 08:00", "1/1/26, 8:00 AM"); other styles:
    the date in that style, then the short time. Lists show one per row, so the locale's pattern is
    compiled once (``_moment_pattern``) and applied, as Babel's ``format_datetime`` would do each time.
    """
    moment = parse_moment(value)
    if moment is None:
        return ""
    locale, name, zone = _moment_settings()
    return _moment_text(moment, style, locale, name, zone)


def _moment_text(moment: datetime, style: str, locale: Locale, name: str, zone: tzinfo) -> str:
    return str(_moment_pattern(name, style).apply(moment.astimezone(zone), locale))


def _moment_settings() -> tuple[Locale, str, tzinfo]:
    """The locale (and its name) and the time zone timestamps are shown in: looked up once per request."""
    if "opsflow_moments" not in g:
        locale = get_locale() or Locale.parse(DEFAULT_LANGUAGE)
        g.opsflow_moments = (locale, str(locale), get_timezone())
    return cast(tuple[Locale, str, tzinfo], g.opsflow_moments)


@lru_cache(maxsize=32)
def _moment_pattern(locale_name: str, style: str) -> DateTimePattern:
    locale = Locale.parse(locale_name)
    time = dates.get_time_format("short", locale).pattern
    if style == "short":  # the locale's way of joining its date and time ("{1} {0}", "{1}, {0}")
        joined = str(dates.get_datetime_format("short", locale)).replace("{0}", time)
        return dates.parse_pattern(joined.replace("{1}", dates.get_date_format("short", locale).pattern))
    date_style = cast(Literal["full", "long", "medium", "short"], style if style in DATE_STYLES else "medium")
    return dates.parse_pattern(f"{dates.get_date_format(date_style, locale).pattern} {time}")


def ago(value: str | datetime | None, now: datetime | None = None) -> str:
    """How long ago a timestamp was ("3 hours ago" / "3小时前"), seen from ``now`` (default: this moment)."""
    moment = parse_moment(value)
    if moment is None:
        return ""
    return _ago_text(moment, now or datetime.now(UTC), _moment_settings()[0])


def _ago_text(moment: datetime, now: datetime, locale: Locale) -> str:
    return str(dates.format_timedelta(moment - now, add_direction=True, threshold=0.9, locale=locale))


class PageMoments:
    """``when`` and ``ago`` for one page of rows: the language and time zone looked up once, and each distinct
    timestamp formatted once (a cycle's thousand steps share their opening and due moments)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.locale, self.name, self.zone = _moment_settings()
        self._when: dict[tuple[datetime, str], str] = {}
        self._ago: dict[str, str] = {}

    def when(self, moment: datetime, style: str = "medium") -> str:
        key = (moment, style)
        if key not in self._when:
            self._when[key] = _moment_text(moment, style, self.locale, self.name, self.zone)
        return self._when[key]

    def ago(self, value: str) -> str:
        if value not in self._ago:
            moment = parse_moment(value)
            self._ago[value] = "" if moment is None else _ago_text(moment, self.now, self.locale)
        return self._ago[value]


def day(value: str | date | None) -> str:
    """An ISO date (``2027-01-10``) in the user's language; other text as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return str(format_date(value, "medium"))
    try:
        return str(format_date(date.fromisoformat(str(value)), "medium"))
    except ValueError:
        return str(value)


def cny(value: Any) -> str:
    """An amount in Chinese yuan, formatted for the user's language."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return str(format_currency(value, "CNY"))


_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def working_duration(value: str) -> str:
    """An ISO-8601 window whose days are working days, in words: ``P5D`` → "5 working days" / "5 个工作日".

    Text that is not such a duration is shown as it is.
    """
    if _ISO_DATE.match(value.strip()):  # a window given as the step's last day
        return day(value.strip())
    match = _DURATION.match(value.strip()) if value.strip() not in ("P", "PT") else None
    if match is None or not any(match.groups()):
        return value
    weeks, days, hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    words = [
        (weeks, ngettext("%(num)d working week", "%(num)d working weeks", weeks)),
        (days, ngettext("%(num)d working day", "%(num)d working days", days)),
        (hours, ngettext("%(num)d hour", "%(num)d hours", hours)),
        (minutes, ngettext("%(num)d minute", "%(num)d minutes", minutes)),
        (seconds, ngettext("%(num)d second", "%(num)d seconds", seconds)),
    ]
    return (" " if language() == "zh" else ", ").join(text for amount, text in words if amount) or value


def is_overdue(due_at: str | None) -> bool:
    moment = parse_moment(due_at)
    return moment is not None and moment < datetime.now(UTC)


def init_app(app: Flask) -> None:
    """Install Flask-Babel with the locale chooser and the template helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(when=when, ago=ago, day=day, cny=cny, working_duration=working_duration)
    app.jinja_env.globals.update(
        language=language, pick=pick, step_title=step_title, is_overdue=is_overdue,
        LANGUAGES=LANGUAGES, LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
