"""Joiners, movers and leavers: adding a person, changing their details, roles, manager and unit, deactivating
and reactivating them.

Each function checks its input whole before it changes anything (an unknown user, role or unit, a cycle in the
reporting lines, a manager who has left: nothing changed), runs in the caller's transaction and returns the
changes to put on the organisation's record (``engine.org.record``); the use case records them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, UserNotFound
from ..models import ApiToken, ApprovalStep, HumanTask, OrgUnit, Role, User, UserRole
from ..text_input import line_problem, text_problem
from .people import EMAIL_PATTERN, LANGUAGES, Actor, actor_by_id, add_user, load_actor, subordinates_of
from .record import DEACTIVATED, REACTIVATED, USER, USER_ADDED, USER_CHANGED, OrgChange
from .units import load_unit
from .views import HandedOver

MAX_NAME = 200
OPEN_STEPS = ("waiting", "pending")  # an approval step someone still has to act on


@dataclass(frozen=True)
class PersonSpec:
    """What a person should be. None leaves a field as it is; ``""`` takes a manager, unit, e-mail or language
    away. ``roles`` replaces all of their roles."""

    name: str | None = None
    email: str | None = None
    language: str | None = None
    roles: list[str] | None = None
    reports_to: str | None = None
    unit: str | None = None


def load_user(session: Session, username: str) -> User:
    """A user, active or not. :raise UserNotFound:"""
    user = None if text_problem(username or "") else session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(username)
    return user


def current_fields(session: Session, user: User) -> dict[str, Any]:
    """A person's fields as the organisation's record names them."""
    manager = session.scalar(select(User.username).where(User.id == user.reports_to_id)) if user.reports_to_id \
        else None
    roles = sorted(session.scalars(select(UserRole.role_key).where(UserRole.user_id == user.id)))
    return {"name": user.display_name, "email": user.email, "language": user.language, "roles": roles,
            "reports_to": manager, "unit": user.unit_key, "active": user.active}


def _name(value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput("a person needs a name")
    if len(text) > MAX_NAME:
        raise InvalidInput(f"a name is limited to {MAX_NAME} characters")
    if line_problem(text):
        raise InvalidInput(f"the name {line_problem(text)}")
    return text


def _email(value: str) -> str | None:
    text = value.strip()
    if text and not EMAIL_PATTERN.match(text):
        raise InvalidInput(f"invalid e-mail address {text!r}")
    return text or None


def _language(value: str) -> str | None:
    if value and value not in LANGUAGES:
        raise InvalidInput(f"unknown language {value!r}: choose one of {', '.join(LANGUAGES)}")
    return value or None


def _roles(session: Session, roles: list[str]) -> list[str]:
    wanted = sorted({r.strip() for r in roles if r.strip()})
    if not wanted:
        raise InvalidInput("a person needs at least one role")
    grantable = set(session.scalars(select(Role.key).where(Role.kind == "org")))
    unknown = [r for r in wanted if r not in grantable]
    if unknown:
        raise InvalidInput(f"unknown role(s): {', '.join(unknown)} (relationship roles are not granted to people)")
    return wanted


def _manager(session: Session, user: User | None, manager: str) -> str | None:
    """:raise UserNotFound: :raise InvalidInput: oneself, someone who has left, or a cycle."""
    if manager == "":
        return None
    row = load_user(session, manager)
    if user is not None and row.id == user.id:
        raise InvalidInput(f"{manager} cannot report to themselves")
    if not row.active:
        raise InvalidInput(f"{manager} has left (is deactivated): choose an active manager")
    if user is not None and row.id in subordinates_of(session, user.id):
        raise InvalidInput(f"{user.username} cannot report to {manager}: {manager} reports to {user.username} "
                           "(directly or through others), and the reporting lines would go round in a circle")
    return manager


def _unit(session: Session, unit: str) -> str | None:
    """:raise UnitNotFound:"""
    return load_unit(session, unit).key if unit else None


def wanted_fields(session: Session, user: User | None, spec: PersonSpec) -> dict[str, Any]:
    """The fields ``spec`` sets, checked (the user is None for someone about to be added)."""
    wanted: dict[str, Any] = {}
    if spec.name is not None:
        wanted["name"] = _name(spec.name)
    if spec.email is not None:
        wanted["email"] = _email(spec.email)
    if spec.language is not None:
        wanted["language"] = _language(spec.language)
    if spec.roles is not None:
        wanted["roles"] = _roles(session, spec.roles)
    if spec.reports_to is not None:
        wanted["reports_to"] = _manager(session, user, spec.reports_to)
    if spec.unit is not None:
        wanted["unit"] = _unit(session, spec.unit)
    return wanted


def _apply(session: Session, user: User, field: str, value: Any) -> None:
    if field == "roles":
        session.execute(delete(UserRole).where(UserRole.user_id == user.id, UserRole.role_key.not_in(value)))
        held = set(session.scalars(select(UserRole.role_key).where(UserRole.user_id == user.id)))
        session.add_all([UserRole(user_id=user.id, role_key=role) for role in value if role not in held])
    elif field == "reports_to":
        user.reports_to_id = None if value is None else load_user(session, value).id
    elif field == "name":
        user.display_name = value
    elif field == "unit":
        user.unit_key = value
    else:
        setattr(user, field, value)


def change_person(session: Session, username: str, spec: PersonSpec) -> list[OrgChange]:
    """Set a person's details, roles, manager or unit; what differs from now is changed and returned.

    :raise UserNotFound: :raise UnitNotFound: :raise InvalidInput: (see the module's docstring)
    """
    user = load_user(session, username)
    wanted = wanted_fields(session, user, spec)
    now = current_fields(session, user)
    changes = [OrgChange(USER_CHANGED, USER, username, field, now[field], value)
               for field, value in wanted.items() if now[field] != value]
    for change in changes:
        _apply(session, user, str(change.field), change.after)
    session.flush()
    return changes


def add_person(session: Session, username: str, spec: PersonSpec, now: datetime) -> list[OrgChange]:
    """A joiner, with roles (at least one), a name (default: the username), manager, unit, e-mail, language.

    :raise InvalidInput: a bad or taken username, no role, an unknown role.
    :raise UserNotFound: an unknown manager. :raise UnitNotFound: an unknown unit.
    """
    wanted = wanted_fields(session, None, PersonSpec(spec.name or username, spec.email, spec.language,
                                                       spec.roles or [], spec.reports_to, spec.unit))
    user = add_user(session, username, wanted["roles"], now, wanted.get("reports_to"), wanted["name"],
                    wanted.get("email"))
    user.unit_key = wanted.get("unit")
    user.language = wanted.get("language")
    session.flush()
    return [OrgChange(USER_ADDED, USER, username, None, None, current_fields(session, user))]


@dataclass(frozen=True)
class Blockers:
    """What keeps someone from leaving as things stand: the active people who report to them, the units they
    head, the tasks whose delegation or added signers wait on them."""

    reports: list[str]
    heads: list[str]
    waiting_tasks: list[int]

    def __bool__(self) -> bool:
        return bool(self.reports or self.heads or self.waiting_tasks)


def blockers(session: Session, user: User) -> Blockers:
    """What must change before ``user`` may leave (nothing: they may)."""
    reports = list(session.scalars(select(User.username).where(User.reports_to_id == user.id, User.active.is_(True))
                                   .order_by(User.username)))
    headed = list(session.scalars(select(OrgUnit.key).where(OrgUnit.head_id == user.id).order_by(OrgUnit.key)))
    waiting = list(session.scalars(select(ApprovalStep.human_task_id).where(
        ApprovalStep.state.in_(OPEN_STEPS), (ApprovalStep.user_id == user.id) | (ApprovalStep.owner_id == user.id))
        .distinct().order_by(ApprovalStep.human_task_id)))
    return Blockers(reports, headed, waiting)


def _refusals(session: Session, user: User) -> list[str]:
    """Why someone cannot leave as things stand (people report to them, they head a unit, a delegation waits)."""
    found = blockers(session, user)
    reasons = []
    if found.reports:
        reasons.append(f"{', '.join(found.reports)} report(s) to {user.username}: give them another manager first")
    if found.heads:
        reasons.append(f"{user.username} heads {', '.join(found.heads)}: name another head first")
    if found.waiting_tasks:
        reasons.append(f"task(s) {', '.join(map(str, found.waiting_tasks))} wait on a delegation or added signers "
                       f"with {user.username}: let them finish, or remove them, first")
    return reasons


def open_tasks(session: Session, user: User) -> list[HumanTask]:
    """The open tasks ``user`` holds (what goes to someone else when they leave)."""
    return list(session.scalars(select(HumanTask).where(HumanTask.assignee_id == user.id, HumanTask.state == "open")
                                .order_by(HumanTask.id)))


@dataclass(frozen=True)
class Leaving:
    """Someone about to leave, checked: their open tasks, and whom they go to (None: they hold none)."""

    user: User
    leaver: Actor
    tasks: list[HumanTask]
    hand_over_to: Actor | None


def check_leaving(session: Session, actor: Actor, username: str, hand_over_to: str | None) -> Leaving:
    """Whether someone may leave now, and what goes where: refused while people report to them, they head a unit
    or a delegation waits with them, and while they hold open tasks unless someone to hand them to is named.

    :raise UserNotFound: an unknown person, or an unknown (or inactive) one to hand over to.
    :raise Conflict: they left already, or one of the refusals above.
    :raise InvalidInput: oneself, or handing over to the leaver.
    """
    user = load_user(session, username)
    if not user.active:
        raise Conflict(f"{username} is deactivated already")
    if user.id == actor.id:
        raise InvalidInput("you cannot deactivate yourself")
    reasons = _refusals(session, user)
    if reasons:
        raise Conflict(f"{username} cannot be deactivated yet: " + "; ".join(reasons))
    tasks = open_tasks(session, user)
    target = None
    if hand_over_to:
        target = load_actor(session, hand_over_to.strip())
        if target.id == user.id:
            raise InvalidInput(f"hand {username}'s tasks over to someone else than {username}")
    elif tasks:
        raise Conflict(f"{username} holds {len(tasks)} open task(s) (id {', '.join(str(t.id) for t in tasks)}): "
                       "hand them over to someone first")
    return Leaving(user, actor_by_id(session, user.id), tasks, target)


def mark_left(session: Session, leaving: Leaving, handed: list[HandedOver]) -> tuple[list[OrgChange], int]:
    """Deactivate someone whose tasks are handed over (``handed``): they can no longer sign in, their API
    tokens are revoked. Returns the change and how many tokens were revoked."""
    user = leaving.user
    revoked = session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
                              .values(revoked=True).execution_options(synchronize_session=False)
                              ).rowcount  # type: ignore[attr-defined]
    user.active = False
    session.flush()
    extra = {"handed_over": [{"task": h.task_id, "instance": h.instance_id, "to": h.to} for h in handed]} \
        if handed else {}
    return [OrgChange(DEACTIVATED, USER, user.username, "active", True, False, extra)], int(revoked or 0)


def reactivate(session: Session, username: str) -> list[OrgChange]:
    """Someone who left comes back: they may sign in again (with their old password; old tokens stay revoked).

    :raise UserNotFound: :raise Conflict: they are active.
    """
    user = load_user(session, username)
    if user.active:
        raise Conflict(f"{username} is active already")
    user.active = True
    session.flush()
    return [OrgChange(REACTIVATED, USER, username, "active", False, True)]
