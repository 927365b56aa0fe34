"""Carrying out an organisation document (``engine.org.org_file``) in the caller's transaction: what ``opsflow org
import`` and the directory import (``engine.org.ldap.sync``) share; the caller puts the changes on the record.

Every change goes through the same checks as one made by hand (``staffing``, ``units``); the same document again
changes nothing and records nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import User
from . import org_file, record, staffing, units
from .people import Actor
from .record import OrgChange
from .units import UnitSpec
from .views import OrgImported


def apply_document(session: Session, actor: Actor, document: org_file.OrgDocument, now: datetime) -> list[OrgChange]:
    """Make the organisation say what ``document`` says for the units and people it names; the changes made (to be
    recorded). A unit's head given as None is left as it is.

    :raise InvalidInput: :raise UnitNotFound: :raise UserNotFound: :raise Conflict: (nothing is to be kept then:
        the caller's transaction rolls back)
    """
    changes: list[OrgChange] = []
    known_units = {u.key for u in units.list_units(session)}
    for unit in org_file.units_in_order(document.units):  # heads later: a head may be one of the joiners
        spec = UnitSpec(unit.spec.name_zh, unit.spec.name_en, unit.spec.parent)
        changes += units.change_unit(session, unit.key, spec) if unit.key in known_units \
            else units.add_unit(session, unit.key, spec, now)
    known_people = set(session.scalars(select(User.username)))
    for person in org_file.people_in_order(document.people):
        changes += staffing.change_person(session, person.username, person.spec) \
            if person.username in known_people else staffing.add_person(session, person.username, person.spec, now)
    for unit in document.units:
        changes += units.change_unit(session, unit.key, UnitSpec(head=unit.spec.head))
    for person in document.people:  # leavers and returners last (nobody reports to a leaver by then)
        changes += _active_change(session, actor, person.username, person.active)
    return changes


def _active_change(session: Session, actor: Actor, username: str, active: bool) -> list[OrgChange]:
    if active == staffing.load_user(session, username).active:
        return []
    if active:
        return staffing.reactivate(session, username)
    leaving = staffing.check_leaving(session, actor, username, None)  # refused while they hold open tasks
    return staffing.mark_left(session, leaving, [])[0]


def summary(changes: list[OrgChange]) -> OrgImported:
    """How many units and people ``changes`` added and changed, and how many events they are."""
    added = {(c.subject, c.key) for c in changes if c.kind in (record.UNIT_ADDED, record.USER_ADDED)}
    changed = {(c.subject, c.key) for c in changes} - added
    return OrgImported(sum(s == record.UNIT for s, _ in added), sum(s == record.UNIT for s, _ in changed),
                       sum(s == record.USER for s, _ in added), sum(s == record.USER for s, _ in changed),
                       len(changes))
