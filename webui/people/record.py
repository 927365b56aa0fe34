"""A person's changes on the organisation's record as the person page shows them: what changed, from what to
what, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.org.views import OrgEvent

from ..i18n import LANGUAGE_NAMES, _
from .shared import Names


@dataclass(frozen=True, slots=True)
class ShownChange:
    what: str  # the kind of change, or the field changed
    before: str
    after: str


def field_label(field: str | None) -> str:
    return {"name": _("Full name"), "email": _("E-mail"), "language": _("Language"), "roles": _("Roles"),
            "reports_to": _("Reports to"), "unit": _("Unit"), "active": _("State")}.get(field or "", field or "")


def shown_value(field: str | None, value: Any, names: Names) -> str:
    """A field's value as a reader knows it: role titles, a unit's and a manager's names, active or left."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "roles":
        return ", ".join(names.role(str(r)) for r in value)
    if field == "reports_to":
        return names.person(str(value))
    if field == "unit":
        return names.unit(str(value))
    if field == "active":
        return _("Active") if value else _("Left")
    if field == "language":
        return LANGUAGE_NAMES.get(str(value), str(value))
    return str(value)


def shown(event: OrgEvent, names: Names) -> ShownChange:
    """One change of the record, said in words."""
    if event.kind == "org_user_added" and isinstance(event.after, dict):
        after = "; ".join(f"{field_label(f)}: {shown_value(f, v, names)}" for f, v in event.after.items()
                          if f != "active" and v not in (None, "", []))
        return ShownChange(_("Joined"), "—", after)
    if event.kind == "org_user_deactivated":
        return ShownChange(_("Left"), _("Active"), _("Left"))
    if event.kind == "org_user_reactivated":
        return ShownChange(_("Came back"), _("Left"), _("Active"))
    if event.kind == "org_password_reset":
        return ShownChange(_("Password"), "—", _("Reset by an administrator"))
    if event.kind == "org_password_link_sent":
        return ShownChange(_("Password"), "—", _("Set-password link e-mailed"))
    if event.kind == "org_password_set":
        return ShownChange(_("Password"), "—", _("Set through the e-mailed link"))
    return ShownChange(field_label(event.field), shown_value(event.field, event.before, names),
                       shown_value(event.field, event.after, names))
