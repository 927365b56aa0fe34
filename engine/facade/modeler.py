"""The analysts' modeler: drafts, validation, deploys with a change note, versions, diffs, migrations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..definitions.bundle import DefinitionBundle
from ..definitions.problems import Problem
from ..errors import Conflict
from ..modeler import deploying, diff, drafts, migration, versions
from ..modeler.validation import validate_bundle
from ..models import Role
from ..org.people import load_actor
from ..org.rights import Right, holds, require
from .base import EngineBase


class ModelerUseCases(EngineBase):
    def may_model(self, username: str) -> bool:
        """Analysts and admins edit drafts (the model right)."""
        with self.reading() as session:
            return holds(load_actor(session, username), Right.MODEL)

    def roles(self) -> list[dict[str, Any]]:
        """Every role (lanes name them), organisation roles first."""
        with self.reading() as session:
            rows = session.scalars(select(Role).order_by(Role.kind, Role.key)).all()
            return [{"key": r.key, "title": r.title, "title_zh": r.title_zh, "kind": r.kind} for r in rows]

    def drafts(self, username: str) -> list[dict[str, Any]]:
        with self.reading() as session:
            return drafts.list_drafts(session, load_actor(session, username))

    def open_draft(self, key: str, username: str) -> dict[str, Any]:
        """The saved draft of ``key``, or one made from its latest version (version 0, not saved)."""
        with self.reading() as session:
            return drafts.open_draft(session, load_actor(session, username), key)

    def new_draft(self, key: str, title: str, username: str) -> dict[str, Any]:
        with self.transaction() as session:
            return drafts.new_draft(session, load_actor(session, username), key, title, self.collaborators.clock())

    def save_draft(self, key: str, bpmn: str, files: dict[str, dict[str, str]], expected_version: int,
                   username: str) -> dict[str, Any]:
        """Validate and store a draft; the answer carries every problem, each on its element."""
        with self.transaction() as session:
            return drafts.save_draft(session, load_actor(session, username), key, bpmn, files, expected_version,
                                     self.collaborators.clock())

    def discard_draft(self, key: str, expected_version: int, username: str) -> None:
        with self.transaction() as session:
            drafts.discard_draft(session, load_actor(session, username), key, expected_version)

    def validate(self, bundle: DefinitionBundle, username: str, key: str | None = None) -> list[dict[str, Any]]:
        """Every problem of a bundle (nothing stored), for someone with the model right."""
        with self.reading() as session:
            require(load_actor(session, username), Right.MODEL, "validate processes")
            return [p.as_dict() for p in validate_bundle(session, bundle, key)]

    def deploy_draft(self, key: str, expected_version: int, note: str, username: str) -> dict[str, Any]:
        """Deploy the draft as saved at ``expected_version`` (the deploy right, a change note)."""
        c = self.collaborators
        with self.transaction() as session:
            return deploying.deploy_draft(session, load_actor(session, username), key, expected_version, note,
                                          c.specs, c.clock())

    def deploy_bundle(self, bundle: DefinitionBundle, note: str, username: str) -> dict[str, Any]:
        """Validate fully and deploy one bundle (the API's ``POST /process-definitions``)."""
        c = self.collaborators
        with self.transaction() as session:
            result = deploying.deploy_checked(session, load_actor(session, username), bundle, note, c.specs,
                                              c.clock())
            return {"key": result.key, "version": result.version, "status": result.status}

    def versions(self, key: str, username: str) -> list[dict[str, Any]]:
        with self.reading() as session:
            return versions.list_versions(session, load_actor(session, username), key)

    def version(self, key: str, version: int, username: str) -> dict[str, Any]:
        with self.reading() as session:
            return versions.show_version(session, load_actor(session, username), key, version)

    def diff(self, key: str, old_version: int, new_version: int, username: str) -> dict[str, Any]:
        with self.reading() as session:
            return diff.diff_versions(session, load_actor(session, username), key, old_version, new_version)

    def migration_dry_run(self, key: str, to_version: int, username: str) -> list[dict[str, Any]]:
        """Per running instance on an older version: can it move to ``to_version``, and why not."""
        with self.reading() as session:
            return migration.dry_run(session, self.collaborators, load_actor(session, username), key, to_version)

    def migrate_instances(self, instance_ids: list[int], to_version: int, reason: str,
                          username: str) -> list[dict[str, Any]]:
        """Move each instance in its own transaction; one that cannot move is reported, not moved."""
        results = []
        for instance_id in instance_ids:
            try:
                with self.transaction() as session:
                    moved = migration.migrate_instance(session, self.collaborators, load_actor(session, username),
                                                       instance_id, to_version, reason, self.collaborators.clock())
                results.append({**moved, "moved": True})
            except migration.CannotMove as exc:
                results.append({"instance_id": instance_id, "moved": False, "reasons": [str(r) for r in exc.reasons],
                                "reasons_said": [r.as_dict() if isinstance(r, Problem) else {"message": r}
                                                 for r in exc.reasons]})
            except Conflict as exc:
                results.append({"instance_id": instance_id, "moved": False, "reasons": [exc.message]})
        return results
