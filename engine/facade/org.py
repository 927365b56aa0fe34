"""The organisation: people, units and roles, what a person may do, out of office, signing in and API tokens.

Changes to people and units (joiners, movers, leavers, reorganisations) are each one transaction that needs
the ``administer the organisation`` right (``admin``, ``org_admin``), checks its input whole before changing
anything, and puts every change on the organisation's record (``engine.org.record``), effective on a day.
A ``request_key`` (a web form's, drawn once) is held in the write's transaction: see ``engine.runtime.request_keys``.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, Unavailable
from ..models import Role
from ..org import (
    absences,
    as_of,
    org_file,
    org_import,
    people,
    record,
    rights,
    roles,
    roster,
    sign_in,
    staffing,
    units,
)
from ..org.directory import Directory
from ..org.ldap import client as ldap_client
from ..org.ldap import sync as ldap_sync
from ..org.ldap.settings import LdapSettings
from ..org.people import Actor, Caller, Operator, Person, acting
from ..org.record import OrgChange
from ..org.rights import Right
from ..org.staffing import PersonSpec
from ..org.units import UnitSpec
from ..org.views import (
    Absence,
    AddedUser,
    Deactivated,
    DirectoryPerson,
    FieldChange,
    HandedOver,
    LeaverCheck,
    OrgChanged,
    OrgEvent,
    OrgImported,
    PersonDetails,
    PersonOnDate,
    RoleTitle,
    RoleView,
    TokenEntry,
    TokenRevoked,
    UnitView,
)
from ..runtime import moves, write_rights
from ..runtime.request_keys import RequestKey
from ..runtime.write_rights import Write
from ..scheduling.org_record import put_on_record
from .core import Area


class Org(Area):
    # -- people and roles --------------------------------------------------------------------
    def directory(self) -> Directory:
        """Everyone (with roles and manager) and every deployed process, as of now (read-only: shared)."""
        return self.core.directory()

    def users(self, by: Operator) -> list[DirectoryPerson]:
        """Everyone, with roles and manager (the directory's copy)."""
        return list(self.core.directory().people.values())

    def add_user(self, by: Caller, username: str, roles: list[str], reports_to: str | None = None,
                 display_name: str = "", email: str | None = None, unit: str | None = None) -> AddedUser:
        """A new user with roles, a manager and a unit (a joiner, on the organisation's record)."""
        self.add_person(by, username, PersonSpec(display_name or None, email, None, roles, reports_to, unit))
        return AddedUser(username, sorted(set(roles)), reports_to)

    # -- administering people and units (on the organisation's record) -----------------------------
    def _administering(self, session: Session, by: Caller) -> Actor:
        actor = acting(session, by)
        rights.require(actor, Right.ADMINISTER_ORG, "change the organisation")
        return actor

    def _record(self, session: Session, actor: Actor, changes: list[OrgChange], effective_on: date | None) -> date:
        """Put ``changes`` on the organisation's record, effective ``effective_on`` (default today); the day."""
        return put_on_record(session, actor, changes, effective_on, self.collaborators.clock())

    def _changed(self, session: Session, actor: Actor, subject: str, key: str, changes: list[OrgChange],
                 effective_on: date | None) -> OrgChanged:
        day = self._record(session, actor, changes, effective_on)
        return OrgChanged(subject, key, [FieldChange(c.field or "", c.before, c.after) for c in changes],
                          day.isoformat())

    def add_person(self, by: Caller, username: str, spec: PersonSpec, effective_on: date | None = None,
                   request_key: RequestKey | None = None) -> OrgChanged:
        """A joiner: roles (at least one), name, e-mail, language, manager, unit."""
        with self.core.transaction(request_key) as session:
            actor = self._administering(session, by)
            changes = staffing.add_person(session, username, spec, self.collaborators.clock())
            return self._changed(session, actor, record.USER, username, changes, effective_on)

    def set_person(self, by: Caller, username: str, spec: PersonSpec, effective_on: date | None = None,
                   request_key: RequestKey | None = None) -> OrgChanged:
        """Change someone's name, e-mail, language, roles, manager or unit (what ``spec`` sets); what already is
        so is no change, and nothing at all is recorded when nothing differs."""
        with self.core.transaction(request_key) as session:
            actor = self._administering(session, by)
            changes = staffing.change_person(session, username, spec)
            return self._changed(session, actor, record.USER, username, changes, effective_on)

    def deactivate(self, by: Caller, username: str, hand_over_to: str | None = None,
                   effective_on: date | None = None, request_key: RequestKey | None = None) -> Deactivated:
        """Someone leaves: their open tasks go to ``hand_over_to`` ("handed over from" them, on each instance's
        record), their API tokens are revoked, and they can no longer sign in."""
        with self.core.transaction(request_key) as session:
            actor = self._administering(session, by)
            leaving = staffing.check_leaving(session, actor, username, hand_over_to)
            handed = []
            for task in leaving.tasks:
                assert leaving.hand_over_to is not None  # check_leaving refuses tasks without someone to take them
                moves.hand_over_task(session, self.collaborators, actor, task, leaving.leaver, leaving.hand_over_to)
                handed.append(HandedOver(task.id, task.instance_id, task.name, leaving.hand_over_to.username))
            changes, revoked = staffing.mark_left(session, leaving, handed)
            day = self._record(session, actor, changes, effective_on)
            return Deactivated(username, handed, revoked, day.isoformat())

    def reactivate(self, by: Caller, username: str, effective_on: date | None = None,
                   request_key: RequestKey | None = None) -> OrgChanged:
        """Someone who left comes back: they may sign in again."""
        with self.core.transaction(request_key) as session:
            actor = self._administering(session, by)
            return self._changed(session, actor, record.USER, username, staffing.reactivate(session, username),
                                 effective_on)

    def add_unit(self, by: Caller, key: str, spec: UnitSpec, effective_on: date | None = None,
                 request_key: RequestKey | None = None) -> OrgChanged:
        """A new unit (department, section) under ``spec.parent``, with its names and head."""
        with self.core.transaction(request_key) as session:
            actor = self._administering(session, by)
            changes = units.add_unit(session, key, spec, self.collaborators.clock())
            return self._changed(session, actor, record.UNIT, key, changes, effective_on)

    def change_unit(self, by: Caller, key: str, spec: UnitSpec, effective_on: date | None = None,
                    request_key: RequestKey | None = None) -> OrgChanged:
        """Move a unit under another (``spec.parent``, "" to the top), rename it or give it another head."""
        with self.core.transaction(request_key) as session:
            actor = self._administering(session, by)
            return self._changed(session, actor, record.UNIT, key, units.change_unit(session, key, spec),
                                 effective_on)

    def units(self, by: Caller) -> list[UnitView]:
        """Every unit, parents before their units, with its head and how many people belong to it."""
        with self.core.reading() as session:
            acting(session, by)  # any active person: the tree is as open as the directory
            return units.list_units(session)

    def person_on(self, by: Caller, username: str, day: date) -> PersonOnDate:
        """Who ``username`` was on ``day``: roles, manager, unit, as the organisation's record says."""
        with self.core.reading() as session:
            rights.require(acting(session, by), Right.SEE_ORG_RECORD, "read the organisation's record")
            return as_of.person_on(session, username, day)

    def person(self, by: Caller, username: str) -> PersonDetails:
        """One person as they are now (active or not), with their e-mail and language. :raise UserNotFound:"""
        with self.core.reading() as session:
            rights.require(acting(session, by), Right.ADMINISTER_ORG, "administer people")
            return roster.person_details(session, username)

    def person_record(self, by: Caller, username: str) -> list[OrgEvent]:
        """``username``'s changes on the organisation's record (who changed what, when, before and after, effective
        when), the latest first. :raise UserNotFound:"""
        with self.core.reading() as session:
            rights.require(acting(session, by), Right.SEE_ORG_RECORD, "read the organisation's record")
            return roster.record_of(session, username)

    def leaving(self, by: Caller, username: str) -> LeaverCheck:
        """Whether ``username`` may leave now: the open tasks they hold (to hand over) and what must change first
        (what ``deactivate`` would refuse). :raise UserNotFound:"""
        with self.core.reading() as session:
            rights.require(acting(session, by), Right.ADMINISTER_ORG, "administer people")
            return roster.leaving(session, username)

    def role_holders(self, by: Caller) -> dict[str, list[str]]:
        """Who holds each role (active people, by role key)."""
        with self.core.reading() as session:
            rights.require(acting(session, by), Right.ADMINISTER_ORG, "administer roles")
            return roster.holders(session)

    def add_role(self, by: Caller, key: str, title: str, title_zh: str, effective_on: date | None = None,
                 request_key: RequestKey | None = None) -> OrgChanged:
        """A new organisation role, with its English and Chinese titles (on the organisation's record)."""
        with self.core.transaction(request_key) as session:
            actor = self._administering(session, by)
            return self._changed(session, actor, record.ROLE, key, roles.add_role(session, key, title, title_zh),
                                 effective_on)

    def reset_password(self, by: Caller, username: str, request_key: RequestKey | None = None) -> str:
        """Give ``username`` a new random password, returned once (stored only as its hash); their old one no
        longer works. :raise UserNotFound:"""
        with self.core.transaction(request_key) as session:
            self._administering(session, by)
            staffing.load_user(session, username)
            password = sign_in.random_password()
            sign_in.set_password(session, username, password)
            actor = acting(session, by)
            self._record(session, actor, [OrgChange(record.PASSWORD_RESET, record.USER, username, "password", None,
                                                    None)], None)
            return password

    def export_org(self, by: Caller) -> dict[str, object]:
        """The organisation as a document (``engine.org.org_file``): every unit and every person."""
        with self.core.reading() as session:
            rights.require(acting(session, by), Right.ADMINISTER_ORG, "export the organisation")
            return org_file.export_document(session)

    def import_org(self, by: Caller, document: org_file.OrgDocument,
                   effective_on: date | None = None) -> OrgImported:
        """Make the organisation say what ``document`` says for the units and people it names, in one
        transaction; each change is checked and recorded as if made by hand. The same file again changes nothing."""
        with self.core.transaction() as session:
            actor = self._administering(session, by)
            now = self.collaborators.clock()
            changes = org_import.apply_document(session, actor, document, now)
            put_on_record(session, actor, changes, effective_on, now)
            return org_import.summary(changes)

    def _ldap(self) -> LdapSettings:
        settings = self.collaborators.ldap
        if settings is None:
            raise InvalidInput("the organisation's directory is not set up (OPSFLOW_LDAP_URL)")
        return settings

    def sync_directory(self, by: Caller, dry_run: bool = False) -> ldap_sync.DirectorySynced:
        """Import the people and units of the organisation's directory (``engine.org.ldap.sync``), in one
        transaction, each change checked and recorded as if made by hand; ``dry_run``: say what would change, change
        nothing. The same directory again changes nothing.

        :raise InvalidInput: the directory is not set up, or a change is refused. :raise DirectoryUnavailable:
        """
        settings = self._ldap()
        with self.core.reading() as session:
            self._administering(session, by)  # before asking the directory anything
        read = ldap_sync.read_directory(settings)
        with self.core.transaction() as session:
            actor = self._administering(session, by)
            now = self.collaborators.clock()
            result, changes = ldap_sync.synchronise(session, settings, read, actor, now, dry_run)
            if dry_run:
                session.rollback()
            else:
                put_on_record(session, actor, changes, None, now)
            return result

    def set_password(self, by: Operator, username: str, password: str) -> None:
        """Set a user's password (stored as an argon2 hash)."""
        with self.core.transaction() as session:
            sign_in.set_password(session, username, password)

    def set_language(self, by: Person, language: str) -> None:
        """Remember the language ``by`` chose in the web ("zh" or "en"): their e-mails are written in it."""
        with self.core.transaction() as session:
            people.set_language(session, acting(session, by), language)

    def roles(self) -> list[RoleView]:
        """Every role (lanes name them), organisation roles first."""
        with self.core.reading() as session:
            rows = session.scalars(select(Role).order_by(Role.kind, Role.key)).all()
            return [RoleView(r.key, r.title, r.title_zh, r.kind) for r in rows]

    def role_titles(self) -> dict[str, RoleTitle]:
        """Every role's title in both languages (to name the role a step was done in)."""
        with self.core.reading() as session:  # kept with the directory: no query while no role changed
            return dict(self.core.directory_of(session).role_titles)

    # -- rights ------------------------------------------------------------------------------
    def may(self, by: Person, right: Right) -> bool:
        """Whether ``by`` holds ``right`` outright through a role (what a page shows or offers; each use case
        still asks its own right). ``Right.AUDIT`` counts a director's department too."""
        with self.core.reading() as session:
            actor = acting(session, by)
            return rights.may_audit(actor) if right is Right.AUDIT else rights.holds(actor, right)

    def require_right_to(self, by: Person, write: Write, target: int | str | None = None) -> None:
        """Whether ``by`` may make ``write`` on ``target`` at all, before what they sent is read (the REST API
        asks this when it refuses a body, so that only someone who could make the write learns what is wrong).

        :raise NotAllowed: :raise NotFound: (see ``engine.runtime.write_rights``)"""
        with self.core.reading() as session:
            write_rights.require_right_to(session, self.collaborators, acting(session, by), write, target)

    # -- out of office (代理) ------------------------------------------------------------------
    def set_away(self, by: Person, starts_on: date, ends_on: date, proxy: str, user: str | None = None,
                 request_key: RequestKey | None = None) -> Absence:
        """``by`` (or, set by an admin, ``user``) is away from ``starts_on`` to ``ends_on``: new tasks for them go
        to ``proxy`` meanwhile, who acts on their behalf."""
        with self.core.transaction(request_key) as session:
            return absences.set_absence(session, acting(session, by), starts_on, ends_on, proxy,
                                        self.collaborators.clock(), user)

    def away(self, by: Person, user: str | None = None) -> Absence:
        """The out-of-office ``by`` (or, for an admin, ``user``) has set. :raise NotFound: none."""
        with self.core.reading() as session:
            return absences.absence_of(session, acting(session, by), self.collaborators.clock(), user)

    def end_away(self, by: Person, user: str | None = None, request_key: RequestKey | None = None) -> bool:
        """End an out-of-office now; whether there was one. Tasks already passed on stay with the proxy."""
        with self.core.transaction(request_key) as session:
            return absences.end_absence(session, acting(session, by), user)

    def absences(self, by: Person) -> list[Absence]:
        """Everyone's out-of-office under way or to come, soonest first (admins)."""
        with self.core.reading() as session:
            return absences.absences(session, acting(session, by), self.collaborators.clock())

    def set_away_for(self, by: Person, user: str, starts_on: date, ends_on: date, proxy: str,
                     request_key: RequestKey | None = None) -> Absence:
        """An admin sets ``user``'s out-of-office (their own too, as an admin): recorded as set by ``by``."""
        with self.core.transaction(request_key) as session:
            return absences.set_absence(session, acting(session, by), starts_on, ends_on, proxy,
                                        self.collaborators.clock(), user, as_admin=True)

    def end_away_for(self, by: Person, user: str, request_key: RequestKey | None = None) -> bool:
        """An admin ends ``user``'s out-of-office now; whether there was one."""
        with self.core.transaction(request_key) as session:
            return absences.end_absence(session, acting(session, by), user, as_admin=True)

    # -- signing in --------------------------------------------------------------------------
    def login(self, username: str, password: str, client: str = "") -> Actor:
        """Check a password sent from ``client`` (its address), through the organisation's directory when it is
        set up (``sign_in.authenticate`` says whose password counts). The attempt, and a failure's wait, are
        committed before a failure is raised. :raise DirectoryUnavailable: nothing is recorded."""
        settings = self.collaborators.ldap
        directory = partial(ldap_client.check_password, settings) if settings is not None else None
        with self.core.transaction() as session:
            try:
                return sign_in.authenticate(session, username, password, self.collaborators.clock(), client,
                                            directory)
            except sign_in.LoginFailed as exc:
                failure = exc
        raise failure

    def create_token(self, by: Person, label: str = "", request_key: RequestKey | None = None) -> str:
        """A new API token of ``by``'s, named ``label``: returned once, stored as a digest."""
        with self.core.transaction(request_key) as session:
            return sign_in.create_token(session, acting(session, by), self.collaborators.clock(), label)

    def tokens(self, by: Person) -> list[TokenEntry]:
        """``by``'s own API tokens: name, when made, when last used, revoked or not."""
        with self.core.reading() as session:
            return sign_in.list_tokens(session, acting(session, by))

    def revoke_token(self, by: Person, token_id: int, request_key: RequestKey | None = None) -> TokenRevoked:
        with self.core.transaction(request_key) as session:
            return sign_in.revoke_token(session, acting(session, by), token_id)

    def actor_for_token(self, token: str) -> Actor:
        """The actor of a bearer token, read without a write (kept per process while the directory revision
        stays, ``engine.org.token_cache``); its last use is written in a transaction of its own, at most once an
        hour per token."""
        now = self.collaborators.clock()
        with self.core.reading() as session:
            use = self.core.token_cache.actor_for_token(session, token, now)
        if use.record_use:
            try:
                with self.core.transaction() as session:
                    sign_in.record_token_use(session, use.token_id, now)
            except Unavailable:  # a database that takes no writes still answers reads: the use is noted later
                pass
        return use.actor
