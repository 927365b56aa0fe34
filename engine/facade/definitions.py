"""Deploying process versions and listing what is deployed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..definitions.bundle import DefinitionBundle, bundles_from_paths
from ..definitions.deploy import DeployResult, deploy
from ..models import ProcessDefinition
from ..org.people import load_actor
from ..org.rights import Right, require
from ..runtime.instances import may_start
from .base import EngineBase


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
        c = self.collaborators
        with self.reading() as session:
            actor = load_actor(session, username) if username is not None else None
            keys = session.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)).all()
            result = []
            for key in keys:
                process = c.catalog.latest(session, key)
                if actor is not None and not may_start(c, process, actor):
                    continue
                result.append({"key": process.key, "version": process.version, "title": process.title,
                               "title_zh": process.title_zh, "start_roles": sorted(process.start_roles),
                               "start_form": process.start_form,
                               "started_by": c.hooks.started_by_parent.get(key)})
            return result
