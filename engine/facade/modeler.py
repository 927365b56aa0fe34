"""The analysts' modeler: drafts, validation, deploys with a change note, versions, diffs, migrations."""

from __future__ import annotations

from typing import Any

from ..definitions.bundle import DefinitionBundle
from ..definitions.pack_install import find_pack
from ..definitions.problems import located
from ..definitions.views import Deployment, TemplatedProblem
from ..errors import Conflict
from ..modeler import decisions, deploying, diff, drafts, migration, pack_copy, versions
from ..modeler.validation import validate_for
from ..modeler.views import (
    DecisionTrial,
    Diff,
    Draft,
    DraftProblems,
    DraftSummary,
    Files,
    MigrationCheck,
    MigrationResult,
    Version,
    VersionDetail,
)
from ..org.people import Person, acting
from .core import Area


class Modeler(Area):
    def drafts(self, by: Person) -> list[DraftSummary]:
        """The saved drafts, newest first."""
        with self.core.reading() as session:
            return drafts.list_drafts(session, acting(session, by))

    def open_draft(self, by: Person, key: str) -> Draft:
        """The saved draft of ``key``, or one made from its latest version (version 0, not saved)."""
        with self.core.reading() as session:
            return drafts.open_draft(session, acting(session, by), key)

    def new_draft(self, by: Person, key: str, title: str) -> Draft:
        """A draft of a new process ``key`` with a start, one step and an end."""
        with self.core.transaction() as session:
            return drafts.new_draft(session, acting(session, by), key, title, self.collaborators.clock())

    def save_draft(self, by: Person, key: str, bpmn: str, files: Files, expected_version: int) -> Draft:
        """Validate and store a draft; the answer carries every problem, each on its element."""
        with self.core.transaction() as session:
            return drafts.save_draft(session, acting(session, by), key, bpmn, files, expected_version,
                                     self.collaborators.clock())

    def check_draft(self, by: Person, key: str, bpmn: str, files: Files) -> DraftProblems:
        """Every problem saving this as the draft of ``key`` would find; nothing is stored."""
        with self.core.reading() as session:
            found = drafts.check_draft(session, acting(session, by), key, bpmn, files)
            return {"problems": [p.as_dict() for p in found]}

    def discard_draft(self, by: Person, key: str, expected_version: int) -> None:
        with self.core.transaction() as session:
            drafts.discard_draft(session, acting(session, by), key, expected_version)

    def validate(self, by: Person, bundle: DefinitionBundle, key: str | None = None) -> list[TemplatedProblem]:
        """Every problem of a bundle (nothing stored), for someone with the model right."""
        with self.core.reading() as session:
            return [p.as_dict() for p in validate_for(session, acting(session, by), bundle, key)]

    def try_decision(self, by: Person, dmn: str, decision: str, inputs: dict[str, Any]) -> DecisionTrial:
        """Evaluate a decision table (as the editor has it) with ``inputs``; nothing is stored."""
        with self.core.reading() as session:
            actor = acting(session, by)
        return decisions.try_decision(actor, dmn, decision, inputs, self.collaborators.runner.script_engine_factory())

    def deploy_draft(self, by: Person, key: str, expected_version: int, note: str) -> Deployment:
        """Deploy the draft as saved at ``expected_version`` through the one deploy check (the deploy right,
        a change note, every problem), and the draft's own rule: it keeps its process id."""
        c = self.collaborators
        with self.core.transaction() as session:
            return deploying.deploy_draft(session, acting(session, by), key, expected_version, note, c.specs,
                                          c.clock())

    def versions(self, by: Person, key: str) -> list[Version]:
        with self.core.reading() as session:
            return versions.list_versions(session, acting(session, by), key)

    def version(self, by: Person, key: str, version: int) -> VersionDetail:
        with self.core.reading() as session:
            return versions.show_version(session, acting(session, by), key, version)

    def diff(self, by: Person, key: str, old_version: int, new_version: int) -> Diff:
        """What changed between two versions, element by element."""
        with self.core.reading() as session:
            return diff.diff_versions(session, acting(session, by), key, old_version, new_version)

    def migration_dry_run(self, by: Person, key: str, to_version: int) -> list[MigrationCheck]:
        """Per running instance on an older version: can it move to ``to_version``, and why not."""
        with self.core.reading() as session:
            return migration.dry_run(session, self.collaborators, acting(session, by), key, to_version)

    def migrate_instances(self, by: Person, instance_ids: list[int], to_version: int,
                          reason: str) -> list[MigrationResult]:
        """Move each instance in its own transaction; one that cannot move is reported, not moved."""
        results: list[MigrationResult] = []
        for instance_id in instance_ids:
            try:
                with self.core.transaction() as session:
                    moved = migration.migrate_instance(session, self.collaborators, acting(session, by), instance_id,
                                                       to_version, reason, self.collaborators.clock())
                results.append(moved)
            except migration.CannotMove as exc:
                results.append({"instance_id": instance_id, "moved": False, "reasons": [str(r) for r in exc.reasons],
                                "reasons_said": [r.as_dict() for r in located(exc.reasons)]})
            except Conflict as exc:
                results.append({"instance_id": instance_id, "moved": False, "reasons": [exc.message]})
        return results

    def new_draft_from_pack(self, by: Person, pack: str, key: str, title: str = "",
                            process: str | None = None) -> Draft:
        """A draft of a new process ``key`` copied from a pack's process (its forms and DMN tables with it,
        renamed for ``key``), saved as version 1, ready to edit and deploy. :raise PackNotFound: :raise Conflict:"""
        found = find_pack(self.collaborators.packs_root, pack)
        with self.core.transaction() as session:
            return pack_copy.draft_from_pack(session, acting(session, by), found, process, key, title,
                                             self.collaborators.clock())
