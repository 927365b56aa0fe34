"""What auditors take away: the export bundle, process-mining logs, conformance (the audit right)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from ..audit.access_log import record_view
from ..audit.bundle_export import export_bundle
from ..audit.conformance import Progress, Verdict, check_conformance
from ..audit.ocel import ocel_log
from ..audit.xes import LogFilter, count_instances, instance_query, stream_xes
from ..errors import InstanceNotFound
from ..models import ProcessInstance
from ..org.people import load_actor
from ..org.rights import Right, require
from .integrity import IntegrityUseCases

CLI_EXPORTER = "opsflow cli"  # who exported, when the command line ran as the operator (no --as)


class ExportUseCases(IntegrityUseCases):
    def _require_audit(self, username: str | None, what: str, detail: str,
                       instance_ids: list[int] | None = None, wanted: LogFilter | None = None) -> None:
        """Check the audit right (unless the operator runs the CLI) and record the export in the access log."""
        with self.transaction() as session:
            viewer = CLI_EXPORTER
            if username is not None:
                actor = load_actor(session, username)
                require(actor, Right.AUDIT, what)
                viewer = actor.username
            now = self.collaborators.clock()
            for wanted_id in instance_ids or []:  # after the right: a stranger learns nothing of which exist
                if session.get(ProcessInstance, wanted_id) is None:
                    raise InstanceNotFound(wanted_id)
            if wanted is not None:
                instance_query(session, wanted)  # an unknown process fails here, not half-way
            targets: list[int | None] = list(instance_ids) if instance_ids else [None]
            for instance_id in targets:
                record_view(session, viewer, "export", now, instance_id, detail=detail)

    def export_bundle(self, instance_ids: list[int], out: IO[bytes], username: str | None = None) -> dict[str, Any]:
        """Checkpoint what is new, then write the bundle of ``instance_ids`` (with ``username``: an auditor's).

        :raise NotAllowed: :raise InstanceNotFound: :raise HistoryTampered:
        """
        self._require_audit(username, "export history bundles", "bundle", instance_ids)
        self.checkpoint()  # so that the bundle covers everything committed so far
        with self.reading() as session:
            return export_bundle(session, self.collaborators.checkpoints, instance_ids, out,
                                 self.collaborators.clock())

    def xes_log(self, wanted: LogFilter, username: str | None = None) -> Iterator[str]:
        """The XES log of ``wanted``, in pieces (header, one per trace, end), read as it is sent.

        :raise NotAllowed: :raise ProcessNotFound: (both before the first piece).
        """
        self._require_audit(username, "export process-mining logs", "xes " + _described(wanted), wanted=wanted)
        return self._stream_xes(wanted)

    def _stream_xes(self, wanted: LogFilter) -> Iterator[str]:
        with self.reading() as session:
            yield from stream_xes(session, wanted)

    def count_log_instances(self, wanted: LogFilter) -> int:
        with self.reading() as session:
            return count_instances(session, wanted)

    def ocel_log(self, wanted: LogFilter, username: str | None = None) -> dict[str, Any]:
        """The OCEL 2.0 log of ``wanted``. :raise NotAllowed: :raise ProcessNotFound:"""
        self._require_audit(username, "export process-mining logs", "ocel " + _described(wanted), wanted=wanted)
        with self.reading() as session:
            return ocel_log(session, wanted)

    def conformance(self, wanted: LogFilter, username: str | None = None,
                    progress: Progress | None = None) -> list[Verdict]:
        """Replay each instance of ``wanted`` against its pinned version: fits, or its first deviation.

        :raise NotAllowed: :raise ProcessNotFound:
        """
        self._require_audit(username, "check conformance", "conformance " + _described(wanted), wanted=wanted)
        with self.reading() as session:
            return list(check_conformance(session, self.collaborators, wanted, progress))


def _described(wanted: LogFilter) -> str:
    return ", ".join(f"{k}={v}" for k, v in (("process", wanted.process), ("version", wanted.version),
                                             ("from", wanted.start), ("to", wanted.end)) if v)
