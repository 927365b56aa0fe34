"""Deploying process versions and listing what is deployed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.bundle import DefinitionBundle, bundles_from_paths
from ..definitions.deploy import DeployResult, deploy
from ..models import ProcessDefinition
from ..org import people
from ..org.directory import Directory
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
        with self.reading() as session:
            if username is None:
                return list(self.directory_cache.get(session).processes.values())
            actor = load_actor(session, username)
            return [p for p in self._latest_processes(session)
                    if may_start(self.collaborators, self.collaborators.catalog.latest(session, p["key"]), actor)]

    def _read_directory(self, session: Session) -> Directory:
        return Directory(people={u["username"]: u for u in people.list_users(session)},
                         processes={p["key"]: p for p in self._latest_processes(session)})

    def _latest_processes(self, session: Session) -> list[dict[str, Any]]:
        c = self.collaborators
        keys = session.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)).all()
        result = []
        for key in keys:
            process = c.catalog.latest(session, key)
            result.append({"key": process.key, "version": process.version, "title": process.title,
                           "title_zh": process.title_zh, "start_roles": sorted(process.start_roles),
                           "start_form": process.start_form, "started_by": c.hooks.started_by_parent.get(key)})
        return result
