"""What auditors take away: the export bundle, process-mining logs, conformance (the audit right)."""

from __future__ import annotations

from typing import IO, Any

from ..audit.bundle_export import export_bundle
from ..org.people import load_actor
from ..org.rights import Right, require
from .integrity import IntegrityUseCases


class ExportUseCases(IntegrityUseCases):
    def _require_audit(self, username: str | None, what: str) -> None:
        if username is not None:
            with self.reading() as session:
                require(load_actor(session, username), Right.AUDIT, what)

    def export_bundle(self, instance_ids: list[int], out: IO[bytes], username: str | None = None) -> dict[str, Any]:
        """Checkpoint what is new, then write the bundle of ``instance_ids`` (with ``username``: an auditor's).

        :raise NotAllowed: :raise InstanceNotFound: :raise HistoryTampered:
        """
        self._require_audit(username, "export history bundles")
        self.checkpoint()  # so that the bundle covers everything committed so far
        with self.reading() as session:
            return export_bundle(session, self.collaborators.checkpoints, instance_ids, out,
                                 self.collaborators.clock())
