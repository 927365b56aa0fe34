"""The organisation: people and roles, what a person may do, out of office, signing in and API tokens."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..models import Role
from ..org import absences, people, rights, sign_in
from ..org.directory import Directory
from ..org.people import Actor, Operator, Person, acting
from ..org.rights import Right
from ..org.views import Absence, AddedUser, DirectoryPerson, RoleTitle, RoleView, TokenEntry, TokenRevoked
from .core import Area


class Org(Area):
    # -- people and roles --------------------------------------------------------------------
    def directory(self) -> Directory:
        """Everyone (with roles and manager) and every deployed process, as of now (read-only: shared)."""
        return self.core.directory()

    def users(self, by: Operator) -> list[DirectoryPerson]:
        """Everyone, with roles and manager (the directory's copy)."""
        return list(self.core.directory().people.values())

    def add_user(self, by: Operator, username: str, roles: list[str], reports_to: str | None = None,
                 display_name: str = "", email: str | None = None) -> AddedUser:
        """A new user with roles and a manager."""
        with self.core.transaction() as session:
            people.add_user(session, username, roles, self.collaborators.clock(), reports_to, display_name, email)
        return AddedUser(username, sorted(set(roles)), reports_to)

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
        with self.core.reading() as session:
            return {key: RoleTitle(title, title_zh)
                    for key, title, title_zh in session.execute(select(Role.key, Role.title, Role.title_zh))}

    # -- rights ------------------------------------------------------------------------------
    def may(self, by: Person, right: Right) -> bool:
        """Whether ``by`` holds ``right`` outright through a role (what a page shows or offers; each use case
        still asks its own right). ``Right.AUDIT`` counts a director's department too."""
        with self.core.reading() as session:
            actor = acting(session, by)
            return rights.may_audit(actor) if right is Right.AUDIT else rights.holds(actor, right)

    # -- out of office (代理) ------------------------------------------------------------------
    def set_away(self, by: Person, starts_on: date, ends_on: date, proxy: str, user: str | None = None) -> Absence:
        """``by`` (or, set by an admin, ``user``) is away from ``starts_on`` to ``ends_on``: new tasks for them go
        to ``proxy`` meanwhile, who acts on their behalf."""
        with self.core.transaction() as session:
            return absences.set_absence(session, acting(session, by), starts_on, ends_on, proxy,
                                        self.collaborators.clock(), user)

    def away(self, by: Person, user: str | None = None) -> Absence:
        """The out-of-office ``by`` (or, for an admin, ``user``) has set. :raise NotFound: none."""
        with self.core.reading() as session:
            return absences.absence_of(session, acting(session, by), self.collaborators.clock(), user)

    def end_away(self, by: Person, user: str | None = None) -> bool:
        """End an out-of-office now; whether there was one. Tasks already passed on stay with the proxy."""
        with self.core.transaction() as session:
            return absences.end_absence(session, acting(session, by), user)

    def absences(self, by: Person) -> list[Absence]:
        """Everyone's out-of-office under way or to come, soonest first (admins)."""
        with self.core.reading() as session:
            return absences.absences(session, acting(session, by), self.collaborators.clock())

    def set_away_for(self, by: Person, user: str, starts_on: date, ends_on: date, proxy: str) -> Absence:
        """An admin sets ``user``'s out-of-office (their own too, as an admin): recorded as set by ``by``."""
        with self.core.transaction() as session:
            return absences.set_absence(session, acting(session, by), starts_on, ends_on, proxy,
                                        self.collaborators.clock(), user, as_admin=True)

    def end_away_for(self, by: Person, user: str) -> bool:
        """An admin ends ``user``'s out-of-office now; whether there was one."""
        with self.core.transaction() as session:
            return absences.end_absence(session, acting(session, by), user, as_admin=True)

    # -- signing in --------------------------------------------------------------------------
    def login(self, username: str, password: str, client: str = "") -> Actor:
        """Check a password sent from ``client`` (its address). The attempt, and a failure's wait, are
        committed before a failure is raised."""
        with self.core.transaction() as session:
            try:
                return sign_in.authenticate(session, username, password, self.collaborators.clock(), client)
            except sign_in.LoginFailed as exc:
                failure = exc
        raise failure

    def create_token(self, by: Person, label: str = "") -> str:
        """A new API token of ``by``'s, named ``label``: returned once, stored as a digest."""
        with self.core.transaction() as session:
            return sign_in.create_token(session, acting(session, by), self.collaborators.clock(), label)

    def tokens(self, by: Person) -> list[TokenEntry]:
        """``by``'s own API tokens: name, when made, when last used, revoked or not."""
        with self.core.reading() as session:
            return sign_in.list_tokens(session, acting(session, by))

    def revoke_token(self, by: Person, token_id: int) -> TokenRevoked:
        with self.core.transaction() as session:
            return sign_in.revoke_token(session, acting(session, by), token_id)

    def actor_for_token(self, token: str) -> Actor:
        """The actor of a bearer token, read without a write; its last use is written in a transaction of
        its own, at most once an hour per token."""
        now = self.collaborators.clock()
        with self.core.reading() as session:
            use = sign_in.actor_for_token(session, token, now)
        if use.record_use:
            with self.core.transaction() as session:
                sign_in.record_token_use(session, use.token_id, now)
        return use.actor
