"""The organisation: roles, users and reporting lines, kept as data."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, select, update
from sqlalchemy.orm import Session

from ..db import remembered
from ..errors import InvalidInput, UserNotFound
from ..models import OrgUnit, Role, User, UserRole
from ..text_input import text_problem
from .views import DirectoryPerson

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,62}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEMO_MAIL_DOMAIN = "example.com"


# What a read-only session remembers (``engine.db.remembered``): the active users as actors by username,
# the relationship roles.
ACTORS = "actors"
RELATIONSHIP_ROLES = "relationship roles"


@dataclass(frozen=True)
class Person:
    """Who calls a use case in their own name (signed in, or named by the CLI's ``--as``): the use case
    finds them among the active users and asks their rights.

    ``found``: the actor the request's authentication found for them moments ago, as of the directory revision
    it checked (the API's token, ``engine.org.token_cache``); the use case takes it instead of a look-up of its
    own (one statement, on PostgreSQL one round trip, fewer per request).
    """

    username: str
    found: Actor | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Operator:
    """Who runs opsflow against its database itself (``opsflow init``, the CLI without ``--as``, the worker).

    They could change the tables directly, so no right is asked of them; what they do is recorded under
    ``name`` (e.g. "opsflow init") in the history and the access log.
    """

    name: str


# Who calls a use case: a use case an operator may run takes a ``Caller``, one only a person may, a ``Person``.
Caller = Person | Operator


@dataclass(frozen=True)
class Actor:
    """Who a use case runs for, found: a person with their roles, or the operator (``is_operator``)."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    reports_to_id: int | None
    is_operator: bool = False
    unit: str | None = None  # the unit (department) they belong to

    @classmethod
    def operator(cls, name: str) -> Actor:
        """The operator as an actor: no user row (id 0), no roles, every right (``engine.org.rights.holds``)."""
        return cls(0, name, name, frozenset(), None, is_operator=True)

    def has_any_role(self, roles: set[str] | frozenset[str] | list[str]) -> bool:
        return bool(self.roles.intersection(roles))


def acting(session: Session, caller: Caller) -> Actor:
    """The actor a use case runs for. :raise UserNotFound: a person who is not an active user."""
    if isinstance(caller, Operator):
        return Actor.operator(caller.name)
    if caller.found is not None and caller.found.username == caller.username and not caller.found.is_operator:
        return caller.found
    return load_actor(session, caller.username)


def load_actor(session: Session, username: str) -> Actor:
    """Find an active user and their roles.

    :raise UserNotFound: when there is no such (active) user.
    """
    if text_problem(username):
        raise UserNotFound(username)  # no username holds such characters (and the query could not encode them)
    known: dict[str, Actor] = remembered(session, ACTORS, dict)  # a shared read session starts with the directory's
    actor = known.get(username) or remembered(session, ("actor", username),
                                              lambda: _actor_of(session.execute(_ACTOR_BY_USERNAME,
                                                                                {"b_username": username}).all()))
    if actor is None:
        raise UserNotFound(username)
    return actor


def actor_by_id(session: Session, user_id: int) -> Actor:
    """A user by id, active or not (work planned by someone who has left since is still theirs)."""
    rows = session.execute(select(User, UserRole.role_key).outerjoin(UserRole, UserRole.user_id == User.id)
                           .where(User.id == user_id)).all()
    if not rows:
        raise UserNotFound(str(user_id))
    user = rows[0][0]
    return Actor(user.id, user.username, user.display_name, frozenset(r for _, r in rows if r), user.reports_to_id,
                 unit=user.unit_key)


def actor_where(session: Session, *conditions: ColumnElement[bool], join: Any = None) -> Actor | None:
    """The active user a condition selects, with their roles, in one query (None if there is none)."""
    query = _actor_query()
    if join is not None:
        query = query.join(*join)
    return _actor_of(session.execute(query.where(User.active.is_(True), *conditions)).all())


def _actor_query() -> Select[Any]:
    return (select(User.id, User.username, User.display_name, User.reports_to_id, User.unit_key, UserRole.role_key)
            .select_from(User).outerjoin(UserRole, UserRole.user_id == User.id))


def _actor_by_username() -> Select[Any]:
    """Of the tables' columns, not the mapped attributes: the ORM's work on each execution is skipped."""
    users, roles = User.__table__.c, UserRole.__table__.c
    return (select(users.id, users.username, users.display_name, users.reports_to_id, users.unit_key, roles.role_key)
            .select_from(User.__table__.outerjoin(UserRole.__table__, roles.user_id == users.id))
            .where(users.active.is_(True), users.username == bindparam("b_username")))


# Every use case finds its actor by name: the statement is built once (building it cost more than running it).
_ACTOR_BY_USERNAME = _actor_by_username()


def _actor_of(rows: Sequence[Row[Any]]) -> Actor | None:
    if not rows:
        return None
    first = rows[0]
    roles = frozenset(row.role_key for row in rows if row.role_key)
    return Actor(first.id, first.username, first.display_name, roles, first.reports_to_id, unit=first.unit_key)


LANGUAGES = ("zh", "en")


def set_language(session: Session, actor: Actor, language: str) -> None:
    """Remember the language ``actor`` chose (their e-mails are written in it). :raise InvalidInput: not zh/en."""
    if language not in LANGUAGES:
        raise InvalidInput(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    session.execute(update(User).where(User.id == actor.id).values(language=language))


def known_roles(session: Session) -> set[str]:
    return set(session.scalars(select(Role.key)).all())


def relationship_roles(session: Session) -> set[str]:
    """Roles resolved per instance from its data (e.g. ``employee``), never granted to users."""
    return set(remembered(session, RELATIONSHIP_ROLES, lambda: read_relationship_roles(session)))


def read_relationship_roles(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Role.key).where(Role.kind == "relationship")))


def ensure_roles(session: Session, roles: list[dict[str, str]]) -> int:
    """Insert missing roles; return how many were added."""
    existing = known_roles(session)
    added = 0
    for role in roles:
        if role["key"] not in existing:
            session.add(Role(key=role["key"], title=role["title"], title_zh=role.get("title_zh", ""),
                             kind=role.get("kind", "org")))
            added += 1
    return added


def add_user(
    session: Session, username: str, roles: list[str], now: datetime,
    reports_to: str | None = None, display_name: str = "", email: str | None = None,
) -> User:
    """Create a user with roles and a manager.

    :raise InvalidInput: bad or duplicate username, unknown role.
    :raise UserNotFound: unknown manager.
    """
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(f"invalid username {username!r}: use 2-63 lower-case letters, digits, '.', '_' or '-'")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"user {username!r} already exists")
    if not roles:
        raise InvalidInput("a user needs at least one role (--role)")
    grantable = set(session.scalars(select(Role.key).where(Role.kind == "org")))
    unknown = sorted(set(roles) - grantable)
    if unknown:
        raise InvalidInput(f"unknown role(s): {', '.join(unknown)} (relationship roles are not granted to users)")
    if text_problem(display_name):
        raise InvalidInput(f"the display name {text_problem(display_name)}")
    manager_id = None
    if reports_to:
        if text_problem(reports_to):
            raise UserNotFound(reports_to)
        manager_id = session.scalar(select(User.id).where(User.username == reports_to))
        if manager_id is None:
            raise UserNotFound(reports_to)
    if email is not None and not EMAIL_PATTERN.match(email):
        raise InvalidInput(f"invalid e-mail address {email!r}")
    user = User(username=username, display_name=display_name or username, reports_to_id=manager_id,
                active=True, created_at=now, email=email)
    session.add(user)
    session.flush()
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user.id, role_key=role))
    return user


def list_users(session: Session) -> list[DirectoryPerson]:
    """Everyone, with roles and manager (plain columns: pages read this on every request)."""
    return read_people(session)[0]


def read_people(session: Session) -> tuple[list[DirectoryPerson], dict[str, Actor]]:
    """Everyone (as ``list_users``), and the active ones as actors by username, in two statements."""
    users = session.execute(select(User.id, User.username, User.display_name, User.email, User.reports_to_id,
                                   User.active, User.unit_key).order_by(User.id)).all()
    by_id = {u.id: u.username for u in users}
    roles: dict[int, list[str]] = {}
    for user_id, role in session.execute(select(UserRole.user_id, UserRole.role_key).order_by(UserRole.role_key)):
        roles.setdefault(user_id, []).append(role)
    listed = [
        DirectoryPerson(u.username, u.display_name, u.email, roles.get(u.id, []),
                        by_id.get(u.reports_to_id) if u.reports_to_id else None, u.active, u.unit_key)
        for u in users
    ]
    actors = {u.username: Actor(u.id, u.username, u.display_name, frozenset(roles.get(u.id, [])), u.reports_to_id,
                                unit=u.unit_key) for u in users if u.active}
    return listed, actors


def role_holders(session: Session, role: str) -> list[str]:
    """The usernames of the active people who hold ``role``, in order (a countersign's people)."""
    return list(session.scalars(
        select(User.username).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role_key == role, User.active.is_(True)).order_by(User.username)
    ))


def manager_of(session: Session, username: str) -> str:
    """The username of whom ``username`` reports to ('' for nobody, or an unknown person)."""
    manager = session.scalar(select(User.reports_to_id).where(User.username == username))
    if manager is None:
        return ""
    return session.scalar(select(User.username).where(User.id == manager)) or ""


def managers_of(session: Session, user_id: int) -> list[int]:
    """The ids of everyone above ``user_id`` in the reporting lines, nearest first."""
    chain: list[int] = []
    current: int | None = session.scalar(select(User.reports_to_id).where(User.id == user_id))
    while current is not None and current not in chain and current != user_id:
        chain.append(current)
        current = session.scalar(select(User.reports_to_id).where(User.id == current))
    return chain


def subordinates_of(session: Session, user_id: int) -> set[int]:
    """Everyone below ``user_id`` in the reporting lines."""
    reports: dict[int, list[int]] = {}
    for uid, manager in session.execute(select(User.id, User.reports_to_id).where(User.reports_to_id.is_not(None))):
        reports.setdefault(manager, []).append(uid)
    found: set[int] = set()
    stack = [user_id]
    while stack:
        for child in reports.get(stack.pop(), []):
            if child not in found and child != user_id:
                found.add(child)
                stack.append(child)
    return found


def load_demo_organisation(
    session: Session, path: Path, now: datetime, password_hash: str | None = None,
) -> int:
    """Add the demo units and users that are missing (users with ``password_hash``), and the heads of the units
    added; return how many users were added. The demo is how the organisation starts: it is not a change on the
    organisation's record (``engine.org.record``), which begins with the first change made to it."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    known_units = set(session.scalars(select(OrgUnit.key)))
    new_units = [u for u in spec.get("units", []) if u["key"] not in known_units]
    for unit in new_units:  # listed parents first
        session.add(OrgUnit(key=unit["key"], name_zh=unit["name_zh"], name_en=unit["name_en"],
                            parent_key=unit.get("parent"), created_at=now))
    session.flush()
    existing = set(session.scalars(select(User.username)).all())
    added = 0
    for entry in spec["users"]:  # listed managers first, so reports_to always resolves
        if entry["username"] in existing:
            continue
        email = entry.get("email") or f"{entry['username']}@{DEMO_MAIL_DOMAIN}"
        user = add_user(session, entry["username"], entry["roles"], now, entry.get("reports_to"),
                        entry.get("name", ""), email)
        user.password_hash = password_hash
        user.unit_key = entry.get("unit")
        added += 1
    session.flush()
    for unit in new_units:
        if unit.get("head"):
            session.execute(update(OrgUnit).where(OrgUnit.key == unit["key"]).values(
                head_id=select(User.id).where(User.username == unit["head"]).scalar_subquery()))
    return added
