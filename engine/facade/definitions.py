"""Deployed definitions: deploying versions from bundles (the CLI's files and the API's uploads, through the one
deploy check), and what a deployed version's step asks for."""

from __future__ import annotations

from typing import Any

from ..definitions.bundle import DefinitionBundle
from ..definitions.deploy import DeployResult, deploy
from ..definitions.end_names import end_names
from ..definitions.pack_install import (
    PackDetail,
    PackInstall,
    PackSummary,
    find_pack,
    install_packs,
    list_packs,
    pack_detail,
)
from ..definitions.packs import find_packs
from ..org.people import Caller, Operator, Person, acting
from ..org.rights import Right, require
from .core import Area, Core

PACKS_OPERATOR = Operator("opsflow packs")  # who installs packs: recorded on the versions it deploys


class Definitions(Area):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._ends: dict[tuple[str, int], dict[str, tuple[str, str]]] = {}  # a deployed version never changes

    def deploy(self, by: Person, bundles: list[DefinitionBundle], note: str) -> list[DeployResult]:
        """Check bundles (in memory) with the one deploy check and store them as new versions: the deploy
        right, a change note (what changed and why), every problem on its element; all or nothing."""
        with self.core.transaction() as session:
            return deploy(session, acting(session, by), bundles, self.collaborators.specs, self.collaborators.clock(),
                          note)

    def end_names(self) -> dict[str, tuple[str, str]]:
        """How requests end, in words: every end event of the newest version of each process, id -> (English
        name, Chinese name) (an id two processes share keeps the name of the first by key)."""
        with self.core.reading() as session:  # the newest versions from the directory: no query when it is kept
            found: dict[str, tuple[str, str]] = {}
            for key, shown in sorted(self.core.directory_of(session).processes.items()):
                mark = (key, int(shown["version"]))
                if mark not in self._ends:
                    self._ends[mark] = end_names(self.collaborators.catalog.version(session, *mark).specs)
                for end, names in self._ends[mark].items():
                    found.setdefault(end, names)
            return found

    def task_form(self, key: str, version: int, name: str) -> dict[str, Any] | None:
        """The form (a JSON Schema document) of step ``name`` in version ``version`` of ``key``, as deployed;
        None when there is no such step. A deployed version never changes, so this is read from the database
        once per node: what a web page needs to read a submitted form before it calls ``work.complete``
        (which checks the data against the task's form as it is then).

        :raise ProcessNotFound:
        """
        process = self.collaborators.catalog.cached_version(key, version)
        if process is None:
            with self.core.reading() as session:
                process = self.collaborators.catalog.version(session, key, version)
        form = process.tasks.get(name)
        return form.schema if form is not None else None

    def packs(self, by: Caller) -> list[PackSummary]:
        """The process packs shipped in ``packs/`` (for the model right: an analyst starts from one)."""
        with self.core.reading() as session:
            require(acting(session, by), Right.MODEL, "see the process packs")
        return list_packs(self.collaborators.packs_root)

    def pack(self, by: Caller, key: str) -> PackDetail:
        """One pack with its README. :raise PackNotFound:"""
        with self.core.reading() as session:
            require(acting(session, by), Right.MODEL, "see the process packs")
        return pack_detail(self.collaborators.packs_root, key)

    def install_pack(self, by: Operator, key: str | None) -> list[PackInstall]:
        """Deploy pack ``key`` (None: every pack) through the one deploy check, as the operator, in one
        transaction; what is deployed already, unchanged, is reported "already installed" and not written.

        :raise PackNotFound: (nothing changed). :raise DeploymentRejected: (nothing changed).
        """
        root = self.collaborators.packs_root
        packs = find_packs(root) if key is None else [find_pack(root, key)]
        with self.core.transaction() as session:
            return install_packs(session, acting(session, by), packs, self.collaborators.specs,
                                 self.collaborators.clock())
