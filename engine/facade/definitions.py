"""Deploying process versions from bundles: the CLI's files and the API's uploads, through the one deploy check."""

from __future__ import annotations

from ..definitions.bundle import DefinitionBundle
from ..definitions.deploy import DeployResult, deploy
from ..org.people import Person, acting
from .core import Area


class Definitions(Area):
    def deploy(self, by: Person, bundles: list[DefinitionBundle], note: str) -> list[DeployResult]:
        """Check bundles (in memory) with the one deploy check and store them as new versions: the deploy
        right, a change note (what changed and why), every problem on its element; all or nothing."""
        with self.core.transaction() as session:
            return deploy(session, acting(session, by), bundles, self.collaborators.specs, self.collaborators.clock(),
                          note)
