"""The directory's people and units as an organisation document, carried out like ``opsflow org import``.

What is taken from the directory:

- units: the ``organizationalUnit`` entries under ``OPSFLOW_LDAP_UNIT_BASE`` (not the base itself); the key is the
  first part of the DN in lower case (``ou=supply`` → ``supply``), the English name the ``ou`` value, the Chinese name
  the ``description`` (the ``ou`` value when there is none), the parent the unit whose DN holds it (none: a top unit).
  A unit's head is not the directory's: it stays as set in opsflow.
- people: the entries under ``OPSFLOW_LDAP_USER_BASE`` that ``OPSFLOW_LDAP_USER_FILTER`` matches; the username is the
  username attribute (``uid``) in lower case, the name ``displayName`` or ``cn``, the e-mail ``mail``, the unit
  ``departmentNumber``, else ``ou``, else the unit the entry sits in; ``manager`` (a DN) gives whom they report to.
  What the directory leaves empty is emptied in opsflow (the directory is the source), the language is left alone.
- roles: only through ``OPSFLOW_LDAP_ROLE_GROUPS``: the roles it names follow the groups' members (``member`` or
  ``uniqueMember``); other roles stay as given in opsflow. Someone new gets ``OPSFLOW_LDAP_DEFAULT_ROLE`` (``staff``)
  when their groups give no role.
- who is present: everyone found is active (someone back in the directory comes back) and linked to their entry
  (``User.directory_dn``). Someone linked whom the directory no longer has is deactivated, unless they hold open
  tasks or something else keeps them (people report to them, they head a unit): they are then reported and left
  as they are, for an administrator to hand their tasks over (``opsflow user deactivate --hand-over-to``).

An entry opsflow cannot take (a username or unit key it does not accept, an unknown unit or manager, a bad e-mail)
is reported and left out, or that field left as it is; everything else goes through the checks of a change made by
hand. The same directory again changes nothing and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import Conflict, InvalidInput
from ...models import User, UserRole
from .. import org_import, staffing
from ..org_file import OrgDocument, PersonRow, UnitRow
from ..people import EMAIL_PATTERN, USERNAME_PATTERN, Actor
from ..record import OrgChange
from ..staffing import PersonSpec
from ..units import UNIT_KEY_PATTERN, UnitSpec, list_units
from ..views import OrgImported
from .client import Entry, first_rdn, normal_dn, parent_dn, read, search, service_connection
from .settings import LdapSettings

JOB_KIND = "directory_sync"
UNIT_FILTER = "(objectClass=organizationalUnit)"


@dataclass(frozen=True)
class DirectoryRead:
    """What the directory holds, as read: units, people, and the members of each mapped group (normal DNs)."""

    units: list[Entry]
    people: list[Entry]
    members: dict[str, set[str]]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DirectorySynced:
    """What an import from the directory did (or, tried, would do)."""

    imported: OrgImported
    linked: list[str]  # people newly linked to their directory entry
    deactivated: list[str]
    kept: list[str]  # "username: why", gone from the directory but left as they are
    warnings: list[str]
    dry_run: bool

    @property
    def changed(self) -> bool:
        return bool(self.imported.events or self.linked)


def read_directory(settings: LdapSettings) -> DirectoryRead:
    """Read the directory's units, people and mapped groups. :raise InvalidInput: no ``OPSFLOW_LDAP_USER_BASE``.
    :raise DirectoryUnavailable:"""
    if not settings.user_base:
        raise InvalidInput("the directory import needs OPSFLOW_LDAP_USER_BASE (where to find the people)")
    attributes = [settings.username_attribute, "cn", "displayName", "mail", "ou", "departmentNumber", "manager"]
    warnings = []
    with service_connection(settings) as conn:
        units = search(conn, settings, settings.unit_base, UNIT_FILTER, ["ou", "description"]) \
            if settings.unit_base else []
        people = search(conn, settings, settings.user_base, settings.user_filter, attributes)
        members: dict[str, set[str]] = {}
        for group, _role in settings.role_groups:
            entry = read(conn, settings, group, ["member", "uniqueMember"])
            if entry is None:
                warnings.append(f"group {group}: not in the directory (nobody gets its role)")
            values = entry.attributes.get("member", []) + entry.attributes.get("uniquemember", []) if entry else []
            members[normal_dn(group)] = {normal_dn(v) for v in values}
    base = normal_dn(settings.unit_base or "")
    return DirectoryRead([u for u in units if normal_dn(u.dn) != base], people, members, warnings)


@dataclass(frozen=True)
class SyncPlan:
    document: OrgDocument
    links: dict[str, str]  # username → DN
    warnings: list[str]


def _units(read_from: DirectoryRead, warnings: list[str]) -> tuple[list[UnitRow], dict[str, str]]:
    keys: dict[str, str] = {}
    for entry in read_from.units:
        value = first_rdn(entry.dn)[1].strip()
        key = value.lower()
        if UNIT_KEY_PATTERN.match(key):
            keys[normal_dn(entry.dn)] = key
        else:
            warnings.append(f"unit {entry.dn}: {value!r} is not a unit key opsflow accepts (left out)")
    rows = []
    for entry in read_from.units:
        unit_key = keys.get(normal_dn(entry.dn))
        if unit_key is not None:
            name_en = entry.first("ou") or unit_key
            rows.append(UnitRow(unit_key, UnitSpec(entry.first("description") or name_en, name_en,
                                                   keys.get(normal_dn(parent_dn(entry.dn)), ""), None)))
    return rows, keys


def plan(session: Session, settings: LdapSettings, read_from: DirectoryRead) -> SyncPlan:
    """The organisation document the directory makes, whom it links to which entry, and what it left out."""
    warnings = list(read_from.warnings)
    unit_rows, unit_keys = _units(read_from, warnings)
    known_units = set(unit_keys.values()) | {u.key for u in list_units(session)}
    usernames: dict[str, str] = {}  # normal DN → username
    for entry in read_from.people:
        username = entry.first(settings.username_attribute).lower()
        if USERNAME_PATTERN.match(username):
            usernames[normal_dn(entry.dn)] = username
        else:
            warnings.append(f"person {entry.dn}: {username!r} is not a username opsflow accepts (left out)")
    current = _current_roles(session, set(usernames.values()))
    people: list[PersonRow] = []
    links: dict[str, str] = {}
    for entry in read_from.people:
        found = usernames.get(normal_dn(entry.dn))
        if found is None:
            continue
        username = found
        if username in links:
            raise InvalidInput(f"the directory has {username!r} more than once ({links[username]}, {entry.dn})")
        links[username] = entry.dn
        spec = PersonSpec(entry.first("displayName", "cn") or username, _email(entry, warnings), None,
                          _roles(settings, read_from, entry, current.get(username)),
                          _manager(entry, usernames, warnings), _unit(entry, unit_keys, known_units, warnings))
        people.append(PersonRow(username, spec, True))
    return SyncPlan(OrgDocument(unit_rows, people), links, warnings)


def _current_roles(session: Session, usernames: set[str]) -> dict[str, set[str]]:
    roles: dict[str, set[str]] = {}
    for username in session.scalars(select(User.username).where(User.username.in_(usernames))):
        roles[username] = set()
    for username, role in session.execute(select(User.username, UserRole.role_key).join(
            UserRole, UserRole.user_id == User.id).where(User.username.in_(usernames))):
        roles[username].add(role)
    return roles


def _email(entry: Entry, warnings: list[str]) -> str | None:
    mail = entry.first("mail")
    if mail and not EMAIL_PATTERN.match(mail):
        warnings.append(f"person {entry.dn}: {mail!r} is not an e-mail address (their e-mail is left as it is)")
        return None
    return mail


def _roles(settings: LdapSettings, read_from: DirectoryRead, entry: Entry,
           current: set[str] | None) -> list[str] | None:
    if not settings.role_groups:
        return None if current is not None else [settings.default_role]
    dn = normal_dn(entry.dn)
    given = {role for group, role in settings.role_groups if dn in read_from.members.get(normal_dn(group), set())}
    managed = {role for _group, role in settings.role_groups}
    return sorted(((current or set()) - managed) | given) or [settings.default_role]


def _manager(entry: Entry, usernames: dict[str, str], warnings: list[str]) -> str | None:
    manager = entry.first("manager")
    if not manager:
        return ""
    username = usernames.get(normal_dn(manager))
    if username is None:
        warnings.append(f"person {entry.dn}: their manager {manager} is not among the people imported "
                        "(whom they report to is left as it is)")
    return username


def _unit(entry: Entry, unit_keys: dict[str, str], known: set[str], warnings: list[str]) -> str | None:
    named = entry.first("departmentNumber", "ou").lower()
    key = named or unit_keys.get(normal_dn(parent_dn(entry.dn)), "")
    if key and key not in known:
        warnings.append(f"person {entry.dn}: unit {key!r} is neither in the directory's units nor in opsflow "
                        "(their unit is left as it is)")
        return None
    return key


def synchronise(session: Session, settings: LdapSettings, read_from: DirectoryRead, actor: Actor,
                now: datetime, dry_run: bool = False) -> tuple[DirectorySynced, list[OrgChange]]:
    """Make the organisation say what the directory says (module docstring), in the caller's transaction; what was
    done and the changes to put on the organisation's record.

    :raise InvalidInput: :raise Conflict: a change the checks refuse (nothing is to be kept then).
    """
    made = plan(session, settings, read_from)
    changes = org_import.apply_document(session, actor, made.document, now)
    deactivated, kept = [], []
    gone = session.scalars(select(User).where(User.directory_dn.is_not(None), User.active.is_(True),
                                              User.username.not_in(list(made.links))).order_by(User.username)).all()
    for user in gone:
        try:
            leaving = staffing.check_leaving(session, actor, user.username, None)
        except (Conflict, InvalidInput) as exc:
            kept.append(f"{user.username}: {exc.message}")
            continue
        changes += staffing.mark_left(session, leaving, [])[0]
        deactivated.append(user.username)
    linked = []
    for username, dn in made.links.items():
        user = staffing.load_user(session, username)
        if user.directory_dn != dn:
            user.directory_dn = dn
            linked.append(username)
    session.flush()
    return DirectorySynced(org_import.summary(changes), sorted(linked), deactivated, kept, made.warnings,
                           dry_run), changes
