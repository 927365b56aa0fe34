"""The organisation's record over the API (issue 20): who someone was on a day — roles, manager, unit — for the
people who may read the record (auditors, admins, org admins)."""

from __future__ import annotations

from datetime import date

from flask import Response

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import text_arg


@blueprint.get("/people/<person>/as-of")
def person_as_of(person: str) -> Response:
    """Who ``person`` (a username) was on ``date`` (YYYY-MM-DD, China's date): e.g. whose manager, in which role."""
    given = text_arg("date")
    try:
        day = date.fromisoformat(given or "")
    except ValueError as exc:
        raise RequestInvalid("invalid query parameter date", {"date": ["must be a date (YYYY-MM-DD)"]}) from exc
    return answer(context.engine().org.person_on(context.me(), person, day))
