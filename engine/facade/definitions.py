"""Deploying process versions from bundles (the CLI's files, the API's uploads)."""

from __future__ import annotations

from ..definitions.bundle import DefinitionBundle
from ..definitions.deploy import DeployResult, deploy
from ..org.people import Person, acting
from .core import Area


class Definitions(Area):
    def deploy(self, by: Person, bundles: list[DefinitionBundle], note: str = "") -> list[DeployResult]:
        """Validate and store bundles (in memory) as new versions, for someone with the deploy right."""
        with self.core.transaction() as session:
            return deploy(session, acting(session, by), bundles, self.collaborators.specs, self.collaborators.clock(),
                          note)
