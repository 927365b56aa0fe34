"""Setting a database up and keeping its nodes together: schema, shipped content, health, shared secret."""

from __future__ import annotations

import json
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from .. import calendar_store, db, settings
from ..calendar import read_calendar_file
from ..definitions.bundle import bundles_from_paths
from ..definitions.deploy import DeployResult, deploy
from ..definitions.pack_install import install_packs
from ..definitions.packs import find_packs
from ..errors import Unavailable
from ..org import people, sign_in
from ..org.people import Operator
from ..runtime import title_search
from .core import MIGRATIONS, Area

INIT = Operator("opsflow init")  # who set the database up: the shipped processes and calendar days are theirs
SESSION_KEY = "web_session_key"


@dataclass(frozen=True, slots=True)
class InitReport:
    """What ``init`` added: roles, demo users and calendar days, and what became of each shipped process
    (``processes/``, and with the demo every pack of ``packs/``)."""

    roles_added: int
    users_added: int
    calendar_days_added: int
    deployments: list[DeployResult]


@dataclass(frozen=True, slots=True)
class Health:
    """The database answers, at this schema revision (the newest migration applied), and whether it takes
    writes: "ok", or "read_only" or "full" (``engine.errors.Unavailable``), when the node cannot serve."""

    database: str  # "ok"
    schema: str | None
    writes: str = "ok"


class Setup(Area):
    def migrate(self) -> None:
        """Bring the schema to the newest migration."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.core.db.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def init(self, demo: bool = False, demo_password: str | None = None) -> InitReport:
        """Create the schema, the roles, (the demo organisation and every process pack) and deploy ``processes/``.

        Demo users get ``demo_password`` (hashed) when they are created; None leaves them
        without a password, so they cannot sign in. The shipped processes go through the one deploy check
        like every deploy, as the operator running this (recorded as "opsflow init", with no change note:
        nothing changed, they are what opsflow ships), not through anyone's deploy right; so are the days
        of ``data/calendar.json`` that are not entered yet.

        :raise CalendarFileInvalid: that file cannot be used (nothing is set up then).
        :raise DeploymentRejected: a shipped process fails the deploy check (nothing is set up then).
        """
        password_hash = sign_in.hash_password(demo_password) if demo and demo_password else None
        self.migrate()
        c = self.collaborators
        with self.core.transaction() as session:
            roles = json.loads((c.data_root / "roles.json").read_text(encoding="utf-8"))
            added_roles = people.ensure_roles(session, roles)
            session.flush()
            added_users = 0
            if demo:
                demo_file = c.data_root / "demo_org.json"
                added_users = people.load_demo_organisation(session, demo_file, c.clock(), password_hash)
                session.flush()
            bundles = bundles_from_paths([c.processes_root], c.forms_root)
            results = deploy(session, people.acting(session, INIT), bundles, c.specs, c.clock(), note="")
            if demo:
                installed = install_packs(session, people.acting(session, INIT), find_packs(c.packs_root), c.specs,
                                          c.clock())
                results += [DeployResult(p.process, p.version, "deployed" if p.status == "installed" else "unchanged",
                                         f"packs/{p.pack}") for p in installed]
            calendar_file = c.data_root / "calendar.json"  # the operator's days, if the file has any
            days = calendar_store.import_days(session, read_calendar_file(calendar_file), INIT.name, c.clock()) \
                if calendar_file.exists() else 0
        c.calendar.refresh()
        self.core.refresh_statistics()
        return InitReport(added_roles, added_users, days, results)

    def healthy(self) -> Health:
        """Whether the database answers, and at which schema revision (raises when it does not answer)."""
        with self.core.reading() as session:
            session.execute(text("SELECT 1"))
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return Health("ok", revision, self._writes())

    def _writes(self) -> str:
        """Whether a write is taken: tried without changing anything (an UPDATE of no row, rolled back: a
        read-only database refuses it), then what this node's last write met (a full disk refuses only real
        writes)."""
        try:
            with db.writing_tried(self.core.session_factory) as session:
                session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))
        except Unavailable as exc:
            return exc.reason
        return self.core.refused_writes() or "ok"

    def shared_secret(self, key: str = SESSION_KEY) -> str:
        """A secret every node reads from the database (created by the first node that asks)."""
        with self.core.transaction() as session:
            return settings.shared_secret(session, key, self.collaborators.clock())

    def rebuild_search_index(self) -> int:
        """Build the instance-title search index again (``title_search.rebuild_index``); the instances it holds."""
        with self.core.transaction() as session:
            return title_search.rebuild_index(session)

    def refresh_statistics(self) -> None:
        """Let the query planner see how the tables have grown (the worker does this hourly)."""
        self.core.refresh_statistics()
