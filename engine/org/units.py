"""Units of the organisation (departments, sections) as a tree: added, moved, renamed, given a head.

Each function checks its input whole before it changes anything, runs in the caller's transaction and
returns the changes to put on the organisation's record (``engine.org.record``); the use case records them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound, UserNotFound
from ..models import OrgUnit, User
from ..text_input import line_problem, text_problem
from .record import UNIT, UNIT_ADDED, UNIT_CHANGED, UNIT_MOVED, OrgChange
from .views import UnitView

UNIT_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")
MAX_NAME = 200


class UnitNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"unknown unit: {key!r}")
        self.key = key


@dataclass(frozen=True)
class UnitSpec:
    """What a unit should be: its names, parent and head (username); None leaves a field as it is, and ``""``
    takes the parent or the head away."""

    name_zh: str | None = None
    name_en: str | None = None
    parent: str | None = None
    head: str | None = None


def load_unit(session: Session, key: str) -> OrgUnit:
    """:raise UnitNotFound:"""
    unit = None if text_problem(key) else session.get(OrgUnit, key)
    if unit is None:
        raise UnitNotFound(key)
    return unit


def _name(value: str, which: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"a unit needs a {which} name")
    if len(text) > MAX_NAME:
        raise InvalidInput(f"a unit's {which} name is limited to {MAX_NAME} characters")
    if line_problem(text):
        raise InvalidInput(f"the {which} name {line_problem(text)}")
    return text


def _parents(session: Session) -> dict[str, str | None]:
    return {key: parent for key, parent in session.execute(select(OrgUnit.key, OrgUnit.parent_key))}


def units_below(session: Session, key: str) -> set[str]:
    """The keys of every unit under ``key`` in the tree (not itself)."""
    children: dict[str, list[str]] = {}
    for child, parent in _parents(session).items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[str] = set()
    stack = [key]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _parent_key(session: Session, key: str, parent: str) -> str | None:
    """The parent's key ("" for none). :raise UnitNotFound: :raise InvalidInput: a cycle in the tree."""
    if parent == "":
        return None
    load_unit(session, parent)
    if parent == key or parent in units_below(session, key):
        raise InvalidInput(f"unit {key!r} cannot be placed under {parent!r}: {parent!r} is {key!r} itself or "
                           "one of its units (the tree would go round in a circle)")
    return parent


def _head(session: Session, head: str) -> tuple[int | None, str | None]:
    """The head's id and username ("" for none). :raise UserNotFound: :raise InvalidInput: not active."""
    if head == "":
        return None, None
    row = None if text_problem(head) else session.execute(
        select(User.id, User.active).where(User.username == head)).first()
    if row is None:
        raise UserNotFound(head)
    if not row.active:
        raise InvalidInput(f"{head} has left (is deactivated) and cannot head a unit")
    return row.id, head


def _username(session: Session, user_id: int | None) -> str | None:
    return None if user_id is None else session.scalar(select(User.username).where(User.id == user_id))


def add_unit(session: Session, key: str, spec: UnitSpec, now: datetime) -> list[OrgChange]:
    """A new unit under ``spec.parent`` (none: a top unit), with its names and head.

    :raise InvalidInput: a bad or taken key, a missing name, a head who has left.
    :raise UnitNotFound: an unknown parent. :raise UserNotFound: an unknown head.
    """
    if not UNIT_KEY_PATTERN.match(key or ""):
        raise InvalidInput(f"invalid unit key {key!r}: use 2-64 lower-case letters, digits, '_' or '-', "
                           "starting with a letter")
    if session.get(OrgUnit, key) is not None:
        raise InvalidInput(f"unit {key!r} already exists")
    name_zh, name_en = _name(spec.name_zh or "", "Chinese"), _name(spec.name_en or "", "English")
    parent = None
    if spec.parent:
        load_unit(session, spec.parent)
        parent = spec.parent
    head_id, head = _head(session, spec.head or "")
    session.add(OrgUnit(key=key, name_zh=name_zh, name_en=name_en, parent_key=parent, head_id=head_id,
                        created_at=now))
    session.flush()
    after = {"name_zh": name_zh, "name_en": name_en, "parent": parent, "head": head}
    return [OrgChange(UNIT_ADDED, UNIT, key, None, None, after)]


def change_unit(session: Session, key: str, spec: UnitSpec) -> list[OrgChange]:
    """Move a unit under another (``spec.parent``; "" to the top), rename it, or give it another head.

    :raise UnitNotFound: :raise UserNotFound: :raise InvalidInput: a cycle, an empty name, a head who has left.
    """
    unit = load_unit(session, key)
    changes: list[OrgChange] = []
    if spec.parent is not None:
        parent = _parent_key(session, key, spec.parent)
        if parent != unit.parent_key:
            changes.append(OrgChange(UNIT_MOVED, UNIT, key, "parent", unit.parent_key, parent))
    for which, language, value in (("name_zh", "Chinese", spec.name_zh), ("name_en", "English", spec.name_en)):
        if value is not None:
            name = _name(value, language)
            if name != getattr(unit, which):
                changes.append(OrgChange(UNIT_CHANGED, UNIT, key, which, getattr(unit, which), name))
    if spec.head is not None:
        head_id, head = _head(session, spec.head)
        if head_id != unit.head_id:
            changes.append(OrgChange(UNIT_CHANGED, UNIT, key, "head", _username(session, unit.head_id), head))
    for change in changes:  # all checked: now change
        if change.field == "parent":
            unit.parent_key = change.after
        elif change.field == "head":
            unit.head_id = session.scalar(select(User.id).where(User.username == change.after)) \
                if change.after else None
        else:
            setattr(unit, str(change.field), change.after)
    return changes


def list_units(session: Session) -> list[UnitView]:
    """Every unit, parents before their units, siblings by key; with its head and how many people belong to it."""
    units = session.scalars(select(OrgUnit).order_by(OrgUnit.key)).all()
    heads = {uid: name for uid, name in session.execute(select(User.id, User.username))}
    members: dict[str, int] = {}
    for unit_key in session.scalars(select(User.unit_key).where(User.active.is_(True), User.unit_key.is_not(None))):
        if unit_key is not None:
            members[unit_key] = members.get(unit_key, 0) + 1
    children: dict[str | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_key, []).append(unit)
    ordered: list[UnitView] = []

    def visit(parent: str | None, depth: int) -> None:
        for unit in children.get(parent, []):
            ordered.append(UnitView(unit.key, unit.name_zh, unit.name_en, unit.parent_key,
                                    heads.get(unit.head_id) if unit.head_id else None, members.get(unit.key, 0),
                                    depth))
            visit(unit.key, depth + 1)

    visit(None, 0)
    return ordered
