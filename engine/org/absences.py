"""Out of office (代理): someone away from one date to another names a proxy, who gets their new tasks meanwhile.

Anyone sets, reads and ends their own absence; an admin anyone's (``rights.may_set_absence``), and lists the
absences under way and to come (``absences``: the admins' page sets and ends them from there). The dates are
China's calendar dates, both included; the absence ends by itself after its last day (the check is by date,
no job is needed). A person has at most one absence at a time: setting one replaces the last.

Someone away today is not asked to act on a task by hand either (delegated to, added as a signer: 委派, 加签):
the one asking is told the dates and the proxy, and asks someone who is in (``engine.runtime.signers``).

No chains: a task is passed on once. A proxy who is away when a task would come to them does not pass it on:
the task then stays where it would have gone without any absence (with the absent person, or offered to the
role), so that it is never sent round in circles nor left where nobody looks. Naming a proxy who is away
during the same days is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, delete, literal, select
from sqlalchemy.orm import Session, aliased

from ..calendar import CHINA
from ..clock import utc_iso
from ..errors import InvalidInput, NotAllowed, NotFound
from ..models import OutOfOffice, User, UserRole
from . import rights
from .people import Actor, load_actor
from .views import Absence

MAX_DAYS = 366  # the longest absence one may set at once


def china_today(now: datetime) -> date:
    """The calendar date in China at ``now`` (absences are entered and read as China's dates)."""
    return now.astimezone(CHINA).date()


def _require_admin(actor: Actor) -> None:
    """:raise NotAllowed: ``actor`` may not set other people's out-of-office (the admin role)."""
    if not rights.may_set_absence(actor):
        raise NotAllowed(f"{actor.username} may only set their own out-of-office: setting someone else's needs "
                         "the admin role")


def _person(session: Session, actor: Actor, username: str | None, as_admin: bool = False) -> Actor:
    """Whose absence ``actor`` acts on: themselves, or (an admin) anyone; ``as_admin``: the admin's right is asked
    whoever it is (the admins' page). :raise NotAllowed: :raise UserNotFound: :raise InvalidInput: nobody named."""
    if as_admin:
        _require_admin(actor)
        named = (username or "").strip()
        if not named:
            raise InvalidInput("name the person whose absence this is")
        return load_actor(session, named)
    if not username or username == actor.username:
        if actor.is_operator:
            raise InvalidInput("name the person whose absence this is")
        return actor
    _require_admin(actor)
    return load_actor(session, username)


def _shown(row: OutOfOffice, user: str, proxy: str, proxy_name: str, today: date) -> Absence:
    return {"user": user, "proxy": proxy, "proxy_name": proxy_name, "from": row.starts_on.isoformat(),
            "to": row.ends_on.isoformat(), "active": row.starts_on <= today <= row.ends_on,
            "ended": row.ends_on < today, "set_by": row.set_by, "set_at": utc_iso(row.set_at)}


def set_absence(session: Session, actor: Actor, starts_on: date, ends_on: date, proxy_username: str,
                now: datetime, username: str | None = None, as_admin: bool = False) -> Absence:
    """Be away from ``starts_on`` to ``ends_on`` (included), with ``proxy_username`` acting meanwhile.

    :raise InvalidInput: dates in the wrong order, over, or too far apart; oneself as proxy; a proxy who is
    away during the same days. :raise UserNotFound: no such active proxy. :raise NotAllowed: someone else's
    absence, set by a non-admin (or, ``as_admin``, anyone's set by a non-admin).
    """
    person = _person(session, actor, username, as_admin)
    today = china_today(now)
    if ends_on < starts_on:
        raise InvalidInput("the last day of an absence cannot come before its first day")
    if ends_on < today:
        raise InvalidInput(f"an absence must not be over already (today is {today.isoformat()})")
    if ends_on - starts_on > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"an absence may last at most {MAX_DAYS} days")
    proxy = load_actor(session, proxy_username.strip())
    if proxy.id == person.id:
        raise InvalidInput("the proxy must be someone else")
    theirs = session.get(OutOfOffice, proxy.id)
    if theirs is not None and theirs.starts_on <= ends_on and starts_on <= theirs.ends_on:
        raise InvalidInput(f"{proxy.username} is away themselves from {theirs.starts_on.isoformat()} to "
                           f"{theirs.ends_on.isoformat()}: choose someone who is in")
    row = session.get(OutOfOffice, person.id)
    if row is None:
        row = OutOfOffice(user_id=person.id)
        session.add(row)
    row.proxy_id, row.starts_on, row.ends_on = proxy.id, starts_on, ends_on
    row.set_by, row.set_at = actor.username, now
    session.flush()
    return _shown(row, person.username, proxy.username, proxy.display_name, today)


def absence_of(session: Session, actor: Actor, now: datetime, username: str | None = None) -> Absence:
    """The absence ``username`` (default: the actor) has set, over or not. :raise NotFound: none is set."""
    person = _person(session, actor, username)
    proxy = aliased(User)
    found = session.execute(select(OutOfOffice, proxy.username, proxy.display_name)
                            .join(proxy, proxy.id == OutOfOffice.proxy_id)
                            .where(OutOfOffice.user_id == person.id)).first()
    if found is None:
        raise NotFound(f"{person.username} has no out-of-office set")
    row, proxy_username, proxy_name = found
    return _shown(row, person.username, proxy_username, proxy_name, china_today(now))


def end_absence(session: Session, actor: Actor, username: str | None = None, as_admin: bool = False) -> bool:
    """End (remove) an absence; whether there was one. Tasks already passed on stay with the proxy."""
    person = _person(session, actor, username, as_admin)
    removed = session.execute(delete(OutOfOffice).where(OutOfOffice.user_id == person.id)
                              .execution_options(synchronize_session=False))
    return bool(removed.rowcount)  # type: ignore[attr-defined]


def absences(session: Session, actor: Actor, now: datetime) -> list[Absence]:
    """Everyone's absences under way or to come (not the ones over), soonest first. :raise NotAllowed: not an
    admin."""
    _require_admin(actor)
    person, proxy = aliased(User), aliased(User)
    today = china_today(now)
    rows = session.execute(
        select(OutOfOffice, person.username, proxy.username, proxy.display_name)
        .join(person, person.id == OutOfOffice.user_id).join(proxy, proxy.id == OutOfOffice.proxy_id)
        .where(OutOfOffice.ends_on >= today)
        .order_by(OutOfOffice.starts_on, OutOfOffice.ends_on, person.username)).all()
    return [_shown(row, user, proxy_username, proxy_name, today) for row, user, proxy_username, proxy_name in rows]


def away_on(session: Session, user_ids: list[int], day: date) -> dict[int, tuple[date, date, str]]:
    """Who of ``user_ids`` is away on ``day``: their first and last day away and their proxy's username."""
    if not user_ids:
        return {}
    rows = session.execute(select(OutOfOffice.user_id, OutOfOffice.starts_on, OutOfOffice.ends_on, User.username)
                           .join(User, User.id == OutOfOffice.proxy_id)
                           .where(OutOfOffice.user_id.in_(user_ids), OutOfOffice.starts_on <= day,
                                  OutOfOffice.ends_on >= day)).all()
    return {user_id: (starts, ends, proxy) for user_id, starts, ends, proxy in rows}


@dataclass(frozen=True)
class Stand:
    """Who acts for someone away today: the proxy's id and username, and the absent person's."""

    proxy_id: int
    proxy: str
    absent_id: int
    absent: str


@dataclass(frozen=True)
class Holders:
    """What a step needs to know of the people a set of roles and persons names, read in one query."""

    by_role: dict[str, list[int]]  # role -> its active holders, by id
    stand_in: dict[int, Stand]  # someone away today -> who acts for them (a proxy who is in)


def _holders_statement(with_named: bool) -> Select[Any]:
    """Built once: the holders of the roles (and the persons) bound at each use, each with their absence and
    their proxy's (a statement built per step costs more Python than the database takes to run it)."""
    users, roles_ = User.__table__, UserRole.__table__
    person, proxy = users.alias("person"), users.alias("proxy")
    away, proxy_away = OutOfOffice.__table__.alias("away"), OutOfOffice.__table__.alias("proxy_away")
    held = select(roles_.c.role_key.label("role"), roles_.c.user_id.label("user_id")).where(
        roles_.c.role_key.in_(bindparam("roles", expanding=True)))
    named = select(literal(None, String).label("role"), users.c.id.label("user_id")).where(
        users.c.id.in_(bindparam("user_ids", expanding=True)))
    wanted = held.union_all(named).subquery() if with_named else held.subquery()
    return (select(wanted.c.role, person.c.id, person.c.username, away.c.starts_on, away.c.ends_on, proxy.c.id,
                   proxy.c.username, proxy.c.active, proxy_away.c.starts_on, proxy_away.c.ends_on)
            .select_from(wanted).join(person, and_(person.c.id == wanted.c.user_id, person.c.active.is_(True)))
            .outerjoin(away, away.c.user_id == person.c.id)
            .outerjoin(proxy, proxy.c.id == away.c.proxy_id)
            .outerjoin(proxy_away, proxy_away.c.user_id == away.c.proxy_id)
            .order_by(person.c.username))


_HOLDERS, _HOLDERS_AND_NAMED = _holders_statement(False), _holders_statement(True)


def holders_and_stand_ins(session: Session, roles: list[str], user_ids: list[int], today: date) -> Holders:
    """The active holders of ``roles``, and who stands in today for those of them (and of ``user_ids``) who
    are away; one query (none when there is nothing to ask)."""
    if not roles and not user_ids:
        return Holders({}, {})
    statement = _HOLDERS_AND_NAMED if user_ids else _HOLDERS
    rows = session.execute(statement, {"roles": roles, "user_ids": user_ids} if user_ids else {"roles": roles}).all()
    by_role: dict[str, list[int]] = {}
    stand_in: dict[int, Stand] = {}
    for role, user_id, username, starts, ends, proxy_id, proxy_name, proxy_active, p_starts, p_ends in rows:
        if role is not None and role in roles:
            by_role.setdefault(role, []).append(user_id)
        if starts is None or not starts <= today <= ends or proxy_id is None or not proxy_active:
            continue
        if p_starts is not None and p_starts <= today <= p_ends:
            continue  # no chains: a proxy who is away passes nothing on
        stand_in[user_id] = Stand(proxy_id, proxy_name, user_id, username)
    return Holders(by_role, stand_in)
