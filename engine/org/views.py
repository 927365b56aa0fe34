"""What the organisation's use cases hand out: people, roles, API tokens, refused sign-ins, absences.

``Absence`` is a document of the REST API (component ``Absence`` in ``webui/api/schemas.py``); the rest are
frozen dataclasses; ``engine.results.as_json`` turns each into the
JSON object the CLI prints, with the field names as keys. Times are ISO 8601 texts in UTC (``utc_iso``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

# Out of office (代理): "from" is a keyword, hence the functional form.
Absence = TypedDict("Absence", {
    "user": str, "proxy": str, "proxy_name": str, "from": str, "to": str,
    "active": bool,  # today is one of its days
    "ended": bool,  # its last day is past: it ended by itself
    "set_by": str, "set_at": str,
})


@dataclass(frozen=True, slots=True)
class DirectoryPerson:
    """A user as every page knows them (``Directory.people``, ``org.users``): shared, so read-only."""

    username: str
    name: str  # the display name
    email: str | None
    roles: list[str]  # sorted
    reports_to: str | None  # the manager's username
    active: bool
    unit: str | None = None  # the key of the unit they belong to


@dataclass(frozen=True, slots=True)
class AddedUser:
    username: str
    roles: list[str]  # sorted, without repeats
    reports_to: str | None


@dataclass(frozen=True, slots=True)
class RoleView:
    """A role as lanes name it: ``kind`` is ``org`` (granted to users) or ``relationship`` (resolved per
    instance from its data)."""

    key: str
    title: str
    title_zh: str
    kind: str


@dataclass(frozen=True, slots=True)
class RoleTitle:
    """A role's title in both languages."""

    title: str
    title_zh: str


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """One of a person's API tokens as listed (never the token itself)."""

    id: int
    name: str
    created_at: str
    revoked: bool
    last_used_at: str | None  # to the hour


@dataclass(frozen=True, slots=True)
class TokenRevoked:
    id: int
    name: str
    changed: bool  # False when it was revoked already


@dataclass(frozen=True, slots=True)
class SignInTarget:
    """An account with refused sign-ins lately: how often, from how many clients (and the first ten), when
    last, which clients must wait now, and whether the account exists."""

    username: str
    refused: int
    clients: int
    client_list: list[str]
    last_at: str
    waiting_clients: list[str]
    known_account: bool


@dataclass(frozen=True, slots=True)
class UnitView:
    """A unit of the organisation as listed (parents before their units): ``depth`` 0 is a top unit, ``members``
    counts its active people (not those of the units under it)."""

    key: str
    name_zh: str
    name_en: str
    parent: str | None
    head: str | None  # the head's username
    members: int
    depth: int


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a person or unit that a use case changed, from ``before`` to ``after``."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class OrgChanged:
    """What a change to a person (``subject`` "user") or a unit ("unit") did: no ``changes``, nothing was
    changed and nothing recorded; else each is on the organisation's record, effective ``effective_on``."""

    subject: str
    key: str
    changes: list[FieldChange]
    effective_on: str


@dataclass(frozen=True, slots=True)
class HandedOver:
    """A task passed on when its holder left."""

    task_id: int
    instance_id: int
    task_name: str
    to: str


@dataclass(frozen=True, slots=True)
class Deactivated:
    """Someone who left: their open tasks handed over, their API tokens revoked (how many)."""

    username: str
    handed_over: list[HandedOver]
    tokens_revoked: int
    effective_on: str


@dataclass(frozen=True, slots=True)
class PersonOnDate:
    """Who someone was on a day, as the organisation's record says: ``member`` False when they had not joined
    yet (the rest is then empty). ``recorded`` False: nothing about them is on the record yet, so the answer is
    the organisation as it is now."""

    username: str
    on: str
    member: bool
    name: str
    roles: list[str]
    reports_to: str | None
    unit: str | None
    active: bool
    recorded: bool


@dataclass(frozen=True, slots=True)
class OrgImported:
    """What ``org import`` did: how many units and people it added and changed (0 and 0: the file matched the
    organisation already, and nothing was recorded)."""

    units_added: int
    units_changed: int
    people_added: int
    people_changed: int
    events: int  # written to the organisation's record


@dataclass(frozen=True, slots=True)
class PersonDetails:
    """One person as the organisation knows them now (the people pages' edit form)."""

    username: str
    name: str
    email: str | None
    language: str | None
    roles: list[str]  # sorted
    reports_to: str | None
    unit: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class OrgEvent:
    """One change on the organisation's record, as read back: who made it (``actor``), when it was written
    (``recorded_at``, UTC) and the day it took effect; ``field`` None with ``after`` holding every field: the
    person or unit was added. A leaver's ``handed_over`` names the tasks passed on, and to whom."""

    seq: int
    kind: str
    actor: str | None
    recorded_at: str
    effective_on: str
    field: str | None
    before: Any
    after: Any
    handed_over: list[HandedOver]


@dataclass(frozen=True, slots=True)
class LeavingTask:
    """An open task someone holds, to be handed over before they leave."""

    task_id: int
    instance_id: int
    name: str
    title: str
    title_zh: str
    instance_title: str


@dataclass(frozen=True, slots=True)
class LeaverCheck:
    """Whether someone may leave now: the open tasks they hold (handed over when they leave), whom they report
    to (the usual one to take them), and what must change first (people who report to them, units they head,
    tasks whose delegation or added signers wait on them: all empty, they may leave)."""

    username: str
    active: bool
    manager: str | None
    tasks: list[LeavingTask]
    reports: list[str]
    heads: list[str]
    waiting_tasks: list[int]
