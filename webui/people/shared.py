"""What the people administration pages share: the right they need, names of roles and units in the reader's
language, an engine refusal said in that language, and the day a change takes effect."""

from __future__ import annotations

from datetime import date

from flask import abort

from engine.errors import InvalidInput, OpsflowError, UserNotFound
from engine.org.units import UnitNotFound
from engine.org.views import DirectoryPerson, RoleView, UnitView

from ..context import display_name, engine, me, people
from ..forms.field_errors import say
from ..i18n import _, pick
from ..inbox.views import holds

ADMINISTER_ORG = "administer the organisation"  # engine.org.rights.Right.ADMINISTER_ORG


def require_org_admin() -> None:
    """Deny by default: only those holding the right (admin, org_admin) see these pages (each use case asks again)."""
    if not holds(ADMINISTER_ORG):
        abort(403)


def refusal(exc: OpsflowError) -> str:
    """Why the engine refused a change, in the reader's language."""
    if isinstance(exc, UserNotFound):
        return _("There is no such person: %(name)s.", name=exc.username)
    if isinstance(exc, UnitNotFound):
        return _("There is no such unit: %(unit)s.", unit=exc.key)
    return say(exc.message)


def effective_day(text: str) -> date | None:
    """The day a change takes effect, as typed ("" for today). :raise InvalidInput: not a date."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("the day a change takes effect must be a date (YYYY-MM-DD)") from exc


class Names:
    """Roles and units by key, and people by username, named in the reader's language (one read each)."""

    def __init__(self) -> None:
        self.roles: list[RoleView] = [r for r in engine().org.roles() if r.kind == "org"]
        self.units: list[UnitView] = engine().org.units(me())
        self._role = {r.key: r for r in self.roles}
        self._unit = {u.key: u for u in self.units}
        self.people: dict[str, DirectoryPerson] = people()

    def role(self, key: str) -> str:
        role = self._role.get(key)
        return pick(role.title, role.title_zh) if role else key

    def unit(self, key: str | None) -> str:
        if not key:
            return ""
        unit = self._unit.get(key)
        return pick(unit.name_en, unit.name_zh) if unit else key

    @staticmethod
    def person(username: str | None) -> str:
        """"王磊 (wang.lei)": the name and the username, so that two of one name are told apart."""
        if not username:
            return ""
        shown = display_name(username)
        return shown if shown == username else f"{shown} ({username})"

    def active_people(self) -> list[DirectoryPerson]:
        return sorted((p for p in self.people.values() if p.active), key=lambda p: p.username)

