"""Deploying process versions and listing what is deployed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..definitions.bundle import DefinitionBundle, bundles_from_paths
from ..definitions.deploy import DeployResult, deploy
from ..org.people import load_actor
from ..org.rights import Right, require
from ..runtime.instances import may_start
from .base import EngineBase, latest_processes


class DefinitionUseCases(EngineBase):
    def deploy(self, bundles: list[DefinitionBundle], username: str) -> list[DeployResult]:
        """Validate and store bundles (in memory) as new versions, for someone with the deploy right."""
        with self.transaction() as session:
            actor = load_actor(session, username)
            return deploy(session, actor, bundles, self.collaborators.specs, self.collaborators.clock())

    def deploy_paths(self, paths: list[Path], username: str, note: str = "") -> list[DeployResult]:
        """The same, reading BPMN files or folders from disk (forms from the forms folder), with a change note."""
        with self.transaction() as session:
            actor = load_actor(session, username)
            require(actor, Right.DEPLOY, "deploy processes")  # before reading anything
            bundles = bundles_from_paths(paths, self.collaborators.forms_root)
            return deploy(session, actor, bundles, self.collaborators.specs, self.collaborators.clock(), note)

    def processes(self, username: str | None = None) -> list[dict[str, Any]]:
        """The latest version of each deployed process (for ``username``: those they may start)."""
        with self.reading() as session:
            if username is None:
                return list(self.directory_cache.get(session).processes.values())
            actor = load_actor(session, username)
            return [shown for process, shown in latest_processes(session, self.collaborators)
                    if may_start(self.collaborators, process, actor)]
