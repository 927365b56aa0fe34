"""Setting up the database and the organisation; signing in."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from alembic.config import Config

from .. import calendar_store
from ..calendar import read_calendar_file
from ..db import refresh_statistics
from ..definitions.bundle import bundles_from_paths
from ..definitions.deploy import store_bundles
from ..org import people, sign_in
from .base import MIGRATIONS, EngineBase

INIT_DEPLOYER = "opsflow init"  # the operator who set the database up: shipped processes are theirs


class OrgUseCases(EngineBase):
    def migrate(self) -> None:
        """Bring the schema to the newest migration."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.db.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def init(self, demo: bool = False, demo_password: str | None = None) -> dict[str, Any]:
        """Create the schema, the roles, (the demo organisation) and deploy ``processes/``.

        Demo users get ``demo_password`` (hashed) when they are created; None leaves them
        without a password, so they cannot sign in. The shipped processes are deployed by the
        operator running this (recorded as "opsflow init"), not through anyone's deploy right; so are
        the days of ``data/calendar.json`` that are not entered yet.

        :raise CalendarFileInvalid: that file cannot be used (nothing is set up then).
        """
        password_hash = sign_in.hash_password(demo_password) if demo and demo_password else None
        self.migrate()
        c = self.collaborators
        with self.transaction() as session:
            roles = json.loads((c.data_root / "roles.json").read_text(encoding="utf-8"))
            added_roles = people.ensure_roles(session, roles)
            session.flush()
            added_users = 0
            if demo:
                demo_file = c.data_root / "demo_org.json"
                added_users = people.load_demo_organisation(session, demo_file, c.clock(), password_hash)
                session.flush()
            bundles = bundles_from_paths([c.processes_root], c.forms_root)
            results = store_bundles(session, bundles, c.specs, c.clock(), INIT_DEPLOYER)
            calendar_file = c.data_root / "calendar.json"  # the operator's days, if the file has any
            days = calendar_store.import_days(session, read_calendar_file(calendar_file), INIT_DEPLOYER, c.clock()) \
                if calendar_file.exists() else 0
        c.calendar.refresh()
        refresh_statistics(self.db)
        return {"roles_added": added_roles, "users_added": added_users, "calendar_days_added": days,
                "deployments": [r.__dict__ for r in results]}

    def add_user(self, username: str, roles: list[str], reports_to: str | None = None,
                 display_name: str = "", email: str | None = None) -> dict[str, Any]:
        with self.transaction() as session:
            people.add_user(session, username, roles, self.collaborators.clock(), reports_to, display_name, email)
        return {"username": username, "roles": sorted(set(roles)), "reports_to": reports_to}

    def users(self) -> list[dict[str, Any]]:
        """Everyone, with roles and manager (read-only: the directory's copy)."""
        return list(self.directory().people.values())

    def actor(self, username: str) -> people.Actor:
        with self.reading() as session:
            return people.load_actor(session, username)

    def set_password(self, username: str, password: str) -> None:
        with self.transaction() as session:
            sign_in.set_password(session, username, password)

    def login(self, username: str, password: str, client: str = "") -> people.Actor:
        """Check a password sent from ``client`` (its address). The attempt, and a failure's wait, are
        committed before a failure is raised."""
        with self.transaction() as session:
            try:
                return sign_in.authenticate(session, username, password, self.collaborators.clock(), client)
            except sign_in.LoginFailed as exc:
                failure = exc
        raise failure

    def create_token(self, username: str, label: str = "") -> str:
        """A new API token for ``username``, named ``label``: returned once, stored as a digest."""
        with self.transaction() as session:
            return sign_in.create_token(session, username, self.collaborators.clock(), label)

    def tokens(self, username: str) -> list[dict[str, Any]]:
        """The user's own API tokens: name, when made, when last used, revoked or not."""
        with self.reading() as session:
            return sign_in.list_tokens(session, username)

    def revoke_token(self, username: str, token_id: int) -> dict[str, Any]:
        with self.transaction() as session:
            return sign_in.revoke_token(session, username, token_id)

    def actor_for_token(self, token: str) -> people.Actor:
        """The actor of a bearer token, read without a write; its last use is written in a transaction of
        its own, at most once an hour per token."""
        now = self.collaborators.clock()
        with self.reading() as session:
            use = sign_in.actor_for_token(session, token, now)
        if use.record_use:
            with self.transaction() as session:
                sign_in.record_token_use(session, use.token_id, now)
        return use.actor
