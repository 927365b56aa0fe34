"""What the organisation's use cases hand out: people, roles, API tokens, refused sign-ins, absences.

``Absence`` is a document of the REST API (component ``Absence`` in ``webui/api/schemas.py``); the rest are
frozen dataclasses; ``engine.results.as_json`` turns each into the
JSON object the CLI prints, with the field names as keys. Times are ISO 8601 texts in UTC (``utc_iso``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

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
