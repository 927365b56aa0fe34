"""The organisation as a file: units and people in JSON or CSV, written by ``export`` and read back by ``import``.

JSON: ``{"units": [{key, name_zh, name_en, parent, head}], "people": [{username, name, email, language, roles,
reports_to, unit, active}]}``. CSV: one row per unit or person, the columns of ``CSV_COLUMNS``: ``kind`` is
``unit`` or ``person``; ``key`` the unit key or username; ``name`` the unit's Chinese name or the person's name;
``roles`` separated by ``;``; ``active`` ``yes`` or ``no``; an empty cell is nothing (no parent, no manager...).

Importing makes the organisation say what the file says, for the units and people it names (others are left as
they are); the same file again changes nothing. The plan is worked out here; ``engine.facade.org`` carries it out
through the use cases, so that each change is checked and recorded as if made by hand.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import User, UserRole
from .staffing import PersonSpec
from .units import UnitSpec, list_units

CSV_COLUMNS = ["kind", "key", "name", "name_en", "parent", "head", "email", "language", "roles", "reports_to",
               "unit", "active"]
MAX_ROWS = 20_000


@dataclass(frozen=True)
class UnitRow:
    key: str
    spec: UnitSpec  # every field set ("" for none)


@dataclass(frozen=True)
class PersonRow:
    username: str
    spec: PersonSpec  # every field set ("" for none)
    active: bool


@dataclass(frozen=True)
class OrgDocument:
    units: list[UnitRow]
    people: list[PersonRow]


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expected text, found {json.dumps(value)}")
    return value.strip()


def _unit(entry: Any, where: str) -> UnitRow:
    if not isinstance(entry, dict) or not entry.get("key"):
        raise InvalidInput(f"{where}: a unit needs a key")
    return UnitRow(_text(entry["key"], where), UnitSpec(_text(entry.get("name_zh"), where),
                                                        _text(entry.get("name_en"), where),
                                                        _text(entry.get("parent"), where),
                                                        _text(entry.get("head"), where)))


def _person(entry: Any, where: str) -> PersonRow:
    if not isinstance(entry, dict) or not entry.get("username"):
        raise InvalidInput(f"{where}: a person needs a username")
    roles = entry.get("roles") or []
    if isinstance(roles, str):
        roles = [r for r in roles.split(";") if r.strip()]
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidInput(f"{where}: roles must be a list of role keys")
    active = entry.get("active", True)
    if not isinstance(active, bool):
        raise InvalidInput(f"{where}: active must be true or false")
    username = _text(entry["username"], where)
    return PersonRow(username, PersonSpec(_text(entry.get("name"), where) or username,
                                          _text(entry.get("email"), where), _text(entry.get("language"), where),
                                          sorted({r.strip() for r in roles}) or None,  # none given: as they are
                                          _text(entry.get("reports_to"), where),
                                          _text(entry.get("unit"), where)), active)


def _checked(units: list[UnitRow], people: list[PersonRow]) -> OrgDocument:
    if len(units) + len(people) > MAX_ROWS:
        raise InvalidInput(f"an organisation file is limited to {MAX_ROWS} units and people")
    for what, keys in (("unit", [u.key for u in units]), ("person", [p.username for p in people])):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise InvalidInput(f"the file names {what} {', '.join(twice)} more than once")
    return OrgDocument(units, people)


def read_json(text: str) -> OrgDocument:
    """:raise InvalidInput: not JSON, or not an organisation."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the file is not JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("units", []), list) \
            or not isinstance(document.get("people", []), list):
        raise InvalidInput('an organisation file holds {"units": [...], "people": [...]}')
    return _checked([_unit(u, f"units[{i}]") for i, u in enumerate(document.get("units", []))],
                    [_person(p, f"people[{i}]") for i, p in enumerate(document.get("people", []))])


def read_csv(text: str) -> OrgDocument:
    """:raise InvalidInput: a header without the columns, or a row of an unknown kind."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("kind", "key") if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"the CSV file needs the columns {', '.join(CSV_COLUMNS)} (missing: {', '.join(missing)})")
    units, people = [], []
    for number, row in enumerate(reader, start=2):
        where = f"line {number}"
        kind = (row.get("kind") or "").strip()
        if kind == "unit":
            units.append(_unit({"key": row.get("key"), "name_zh": row.get("name"), "name_en": row.get("name_en"),
                                "parent": row.get("parent"), "head": row.get("head")}, where))
        elif kind == "person":
            active = (row.get("active") or "yes").strip().lower()
            if active not in ("yes", "no"):
                raise InvalidInput(f"{where}: active is yes or no, not {active!r}")
            people.append(_person({"username": row.get("key"), "name": row.get("name"), "email": row.get("email"),
                                   "language": row.get("language"), "roles": row.get("roles") or "",
                                   "reports_to": row.get("reports_to"), "unit": row.get("unit"),
                                   "active": active == "yes"}, where))
        else:
            raise InvalidInput(f"{where}: kind is unit or person, not {kind!r}")
    return _checked(units, people)


def export_document(session: Session) -> dict[str, Any]:
    """The organisation as the JSON file ``read_json`` reads: every unit (parents first) and every person."""
    units = [{"key": u.key, "name_zh": u.name_zh, "name_en": u.name_en, "parent": u.parent, "head": u.head}
             for u in list_units(session)]
    users = session.execute(select(User).order_by(User.id)).scalars().all()
    names = {u.id: u.username for u in users}
    roles: dict[int, list[str]] = {}
    for user_id, role in session.execute(select(UserRole.user_id, UserRole.role_key).order_by(UserRole.role_key)):
        roles.setdefault(user_id, []).append(role)
    people = [{"username": u.username, "name": u.display_name, "email": u.email, "language": u.language,
               "roles": roles.get(u.id, []), "reports_to": names.get(u.reports_to_id) if u.reports_to_id else None,
               "unit": u.unit_key, "active": u.active} for u in users]
    return {"units": units, "people": people}


def as_csv(document: dict[str, Any]) -> str:
    """The exported document as CSV (``read_csv`` reads it back)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for u in document["units"]:
        writer.writerow({"kind": "unit", "key": u["key"], "name": u["name_zh"], "name_en": u["name_en"],
                         "parent": u["parent"] or "", "head": u["head"] or ""})
    for p in document["people"]:
        writer.writerow({"kind": "person", "key": p["username"], "name": p["name"], "email": p["email"] or "",
                         "language": p["language"] or "", "roles": ";".join(p["roles"]),
                         "reports_to": p["reports_to"] or "", "unit": p["unit"] or "",
                         "active": "yes" if p["active"] else "no"})
    return out.getvalue()


def units_in_order(units: list[UnitRow]) -> list[UnitRow]:
    """The file's units, each after its parent when the file names the parent too.

    :raise InvalidInput: the file's units go round in a circle.
    """
    return _ordered(units, lambda u: u.key, lambda u: u.spec.parent or None, "units")


def people_in_order(people: list[PersonRow]) -> list[PersonRow]:
    """The file's people, each after their manager when the file names the manager too.

    :raise InvalidInput: the file's reporting lines go round in a circle.
    """
    return _ordered(people, lambda p: p.username, lambda p: p.spec.reports_to or None, "reporting lines")


def _ordered(rows: list[Any], key: Any, above: Any, what: str) -> list[Any]:
    by_key = {key(r): r for r in rows}
    placed: list[Any] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def place(row: Any) -> None:
        k = key(row)
        if k in done:
            return
        if k in visiting:
            raise InvalidInput(f"the file's {what} go round in a circle (at {k})")
        visiting.add(k)
        parent = above(row)
        if parent in by_key and parent != k:
            place(by_key[parent])
        visiting.discard(k)
        done.add(k)
        placed.append(row)

    for row in rows:
        place(row)
    return placed
