"""Auditors: search, the instance step by step, replay, diagrams, heatmaps, the access log; proof that the
history is untouched (verify, checkpoints); what they take away (the bundle, XES, OCEL, conformance).

Every look at instance data is recorded in the access log in the same transaction (see
``engine.audit.workspace``); the operator's looks are recorded under the operator's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, Literal

from ..audit import workspace
from ..audit.breaches import BreachQuery, list_breaches
from ..audit.bundle_export import export_bundle
from ..audit.case_file import CaseFile, case_file
from ..audit.checkpoint_list import CheckpointsOverview, IntegrityState, checkpoint_list, integrity_states
from ..audit.conformance import Progress, Verdict, check_conformance
from ..audit.exports import allow_export, described
from ..audit.ocel import ocel_log
from ..audit.search import InstanceQuery
from ..audit.views import (
    AccessPage,
    AuditedVersion,
    AuditPage,
    AuditView,
    Breach,
    BundleSummary,
    Heatmap,
    HeatmapDiagram,
    InstanceDiagram,
    Integrity,
    OcelLog,
    Replay,
)
from ..audit.xes import LogFilter, count_instances, stream_xes
from ..errors import InstanceNotFound, NotFound
from ..history import witnesses
from ..history.checkpoint_list import CheckpointEntry, consistency_proof, list_checkpoints
from ..history.checkpoints import read as read_checkpoint
from ..history.checkpoints import stored
from ..history.sequencer import CheckpointResult
from ..history.verify import VerifyReport, check_history
from ..history.witnesses import StoredCosignatures
from ..models import ProcessInstance
from ..org.people import Caller, Operator, acting
from ..org.rights import Right, require, require_audit
from ..scheduling.publishing import Published, checkpoint_and_publish, publish_now
from .core import Area


class Audit(Area):
    # -- the workspace -----------------------------------------------------------------------
    def search(self, by: Caller, query: InstanceQuery | Mapping[str, Any]) -> AuditPage:
        """One page of the instances ``by`` may audit that match the filters (text parameters or a query)."""
        chosen = query if isinstance(query, InstanceQuery) else InstanceQuery.from_params(query)
        with self.core.transaction() as session:
            return workspace.search_instances(session, acting(session, by), chosen, self.collaborators.clock())

    def instance(self, by: Caller, instance_id: int) -> AuditView:
        """An instance step by step (what began each step, what followed, the data before and after) and
        what its verified badge states (``integrity``)."""
        with self.core.transaction() as session:
            return workspace.instance_view(session, self.collaborators, acting(session, by), instance_id,
                                           self.collaborators.clock())

    def diagram(self, by: Caller, instance_id: int, step: int | None = None) -> InstanceDiagram:
        """The BPMN of the instance's own version with the path taken (up to ``step``)."""
        with self.core.transaction() as session:
            return workspace.instance_diagram(session, self.collaborators, acting(session, by), instance_id, step,
                                              self.collaborators.clock())

    def replay(self, by: Caller, instance_id: int, step: int) -> Replay:
        """The instance as it was right after step ``step``, rebuilt from its log alone."""
        with self.core.transaction() as session:
            return workspace.replay(session, self.collaborators, acting(session, by), instance_id, step,
                                    self.collaborators.clock())

    def heatmap(self, by: Caller, key: str, version: int) -> Heatmap:
        """Passes, times and gateway paths of one version, over the instances ``by`` may audit."""
        c = self.collaborators
        with self.core.transaction() as session:
            return workspace.version_heatmap(session, c.calendar, self.core.heatmaps, acting(session, by), key,
                                             version, c.clock())

    def heatmap_diagram(self, by: Caller, key: str, version: int) -> HeatmapDiagram:
        """The heatmap with the version's BPMN to draw it on (that look is recorded as a diagram)."""
        c = self.collaborators
        with self.core.transaction() as session:
            return workspace.version_diagram(session, c.calendar, self.core.heatmaps, acting(session, by), key,
                                             version, c.clock())

    def versions(self, by: Caller) -> list[AuditedVersion]:
        """Every deployed version with how many of its instances ``by`` may audit (for the heatmap pages)."""
        with self.core.reading() as session:
            return workspace.audited_versions(session, acting(session, by))

    def access_log(self, by: Caller, viewer: str | None = None, instance_id: int | None = None,
                   before_id: int | None = None, limit: int = 100) -> AccessPage:
        """Who looked at what through the audit workspace, newest first (auditors and admins)."""
        with self.core.transaction() as session:
            return workspace.access_log_page(session, acting(session, by), viewer, instance_id, before_id, limit,
                                             self.collaborators.clock())

    # -- proof -------------------------------------------------------------------------------
    def integrity(self, by: Caller, instance_id: int) -> Integrity:
        """One instance's verified badge on its own: chain, inclusion in the checkpoint, signature (the audit
        right outright, as for exports)."""
        with self.core.reading() as session:
            return workspace.integrity(session, self.collaborators.checkpoints, acting(session, by), instance_id)

    def breaches(self, by: Caller, query: BreachQuery | Mapping[str, Any]) -> list[Breach]:
        """The steps that passed their due time (超时) in the instances ``by`` may audit, the latest due first:
        how late, who held it, whether it was escalated (``engine.audit.breaches``).
        :raise NotAllowed: :raise InvalidInput: :raise UserNotFound:"""
        chosen = query if isinstance(query, BreachQuery) else BreachQuery.from_params(query)
        with self.core.reading() as session:
            return list_breaches(session, acting(session, by), chosen, self.collaborators.clock())

    def verify(self, by: Caller, instance_id: int | None = None,
               checkpoint: Path | Literal["latest"] | None = "latest",
               progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Check the hash chains of one instance (or all) and their events against ``checkpoint``: a file,
        the newest one kept (``"latest"``), or none (the chains alone: what the database itself says).

        :raise NotAllowed: :raise InstanceNotFound: :raise InvalidInput: the checkpoint file cannot be read.
        """
        with self.core.reading() as session:
            require(acting(session, by), Right.AUDIT, "verify the history")
            if instance_id is not None and session.get(ProcessInstance, instance_id) is None:
                raise InstanceNotFound(instance_id)
            settings = None if checkpoint is None else self.collaborators.checkpoints
            return check_history(session, settings, instance_id, checkpoint if isinstance(checkpoint, Path) else None,
                                 progress)  # ``progress``: called with the events checked so far, now and then

    def checkpoint(self, by: Caller, min_new: int = 1, max_age: timedelta | None = None) -> CheckpointResult:
        """Sequence every committed event into the tree and sign a checkpoint when one is due (its files go
        outside the database) and its publication (``OPSFLOW_PUBLISH_*``) is queued: ``opsflow checkpoint`` and
        the checkpoints page's "make one now" (the audit right).

        :raise NotAllowed: :raise HistoryTampered: the checkpoint folder disagrees with the database."""
        if not isinstance(by, Operator):
            with self.core.reading() as session:
                require(acting(session, by), Right.AUDIT, "make a checkpoint")
        return checkpoint_and_publish(self.core.session_factory, self.collaborators.checkpoints,
                                      self.collaborators.clock(), min_new, max_age)

    def checkpoint_entries(self, by: Caller) -> list[CheckpointEntry]:
        """Every checkpoint kept, newest first, with its signature and its witnesses' cosignatures."""
        with self.core.reading() as session:
            require(acting(session, by), Right.AUDIT, "see the checkpoints")
        return list_checkpoints(self.collaborators.checkpoints)

    def cosign(self, by: Caller, cosigned_note: str) -> StoredCosignatures:
        """Keep the configured witnesses' cosignatures of a checkpoint (the note a witness returned).
        :raise NotAllowed: :raise InvalidInput: :raise NotFound: not one of this log's checkpoints."""
        with self.core.reading() as session:
            require(acting(session, by), Right.AUDIT, "store witnesses' cosignatures")
        settings = self.collaborators.checkpoints
        return witnesses.store_cosignatures(settings, [read_checkpoint(p) for p in stored(settings)], cosigned_note)

    def consistency_proof(self, by: Caller, old_size: int) -> str:
        """The consistency proof (text, ``consistency/v1``) from ``old_size`` to the latest checkpoint.
        :raise NotAllowed: :raise NotFound: :raise InvalidInput: :raise HistoryTampered:"""
        with self.core.reading() as session:
            require(acting(session, by), Right.AUDIT, "read consistency proofs")
        return consistency_proof(self.collaborators.checkpoints, old_size)

    def publish_latest(self, by: Operator) -> list[Published]:
        """Send the latest checkpoint to every destination now; each destination's outcome (none: nothing
        configured). :raise NotFound: no checkpoint yet."""
        files = stored(self.collaborators.checkpoints)
        if not files:
            raise NotFound("there is no checkpoint to publish yet")
        with self.core.transaction() as session:
            return publish_now(session, self.collaborators, files[-1].name, self.collaborators.clock())

    def checkpoints(self, by: Caller) -> CheckpointsOverview:
        """The stored checkpoints, newest first, with their signers and cosignatures, and the history's size.
        :raise NotAllowed: without the audit right outright."""
        with self.core.reading() as session:
            require(acting(session, by), Right.AUDIT, "see the checkpoints")
            return checkpoint_list(session, self.collaborators.checkpoints)

    def integrity_states(self, by: Caller, instance_ids: list[int]) -> dict[int, IntegrityState]:
        """The search list's integrity column for ``instance_ids`` (of a page ``by`` was shown): in checkpoint
        N, since the last checkpoint, or a problem; from the rows alone, no hash is recomputed."""
        with self.core.reading() as session:
            require_audit(acting(session, by))
            return integrity_states(session, self.collaborators.checkpoints, instance_ids)

    # -- what auditors take away -------------------------------------------------------------
    def case_file(self, by: Caller, instance_id: int) -> CaseFile:
        """Checkpoint what is new, then put together the instance's case file (案卷): data, steps, attachments,
        findings and the proof of inclusion (the export is recorded in the access log).

        :raise NotAllowed: :raise InstanceNotFound: :raise HistoryTampered:
        """
        self._allow_export(by, "export case files", "case file", [instance_id])
        checkpoint_and_publish(self.core.session_factory, self.collaborators.checkpoints, self.collaborators.clock())
        with self.core.reading() as session:
            return case_file(session, self.collaborators, acting(session, by), instance_id,
                             self.collaborators.clock())

    def _allow_export(self, by: Caller, what: str, detail: str, instance_ids: list[int] | None = None,
                      wanted: LogFilter | None = None) -> None:
        with self.core.transaction() as session:
            allow_export(session, acting(session, by), what, detail, self.collaborators.clock(), instance_ids,
                         wanted)

    def export_bundle(self, by: Caller, instance_ids: list[int], out: IO[bytes]) -> BundleSummary:
        """Checkpoint what is new, then write the offline bundle of ``instance_ids`` to ``out``.

        :raise NotAllowed: :raise InstanceNotFound: :raise HistoryTampered:
        """
        self._allow_export(by, "export history bundles", "bundle", instance_ids)
        checkpoint_and_publish(self.core.session_factory, self.collaborators.checkpoints, self.collaborators.clock())
        with self.core.reading() as session:  # the bundle covers everything committed so far
            return export_bundle(session, self.collaborators.checkpoints, instance_ids, out,
                                 self.collaborators.clock())

    def xes_log(self, by: Caller, wanted: LogFilter) -> Iterator[str]:
        """The XES log of ``wanted``, in pieces (header, one per trace, end), read as it is sent.

        :raise NotAllowed: :raise ProcessNotFound: (both before the first piece).
        """
        self._allow_export(by, "export process-mining logs", "xes " + described(wanted), wanted=wanted)
        return self._stream_xes(wanted)

    def _stream_xes(self, wanted: LogFilter) -> Iterator[str]:
        with self.core.reading() as session:
            yield from stream_xes(session, wanted)

    def ocel_log(self, by: Caller, wanted: LogFilter) -> OcelLog:
        """The OCEL 2.0 log of ``wanted`` (a JSON document). :raise NotAllowed: :raise ProcessNotFound:"""
        self._allow_export(by, "export process-mining logs", "ocel " + described(wanted), wanted=wanted)
        with self.core.reading() as session:
            return ocel_log(session, wanted)

    def conformance(self, by: Caller, wanted: LogFilter, progress: Progress | None = None) -> list[Verdict]:
        """Replay each instance of ``wanted`` against its pinned version: fits, or its first deviation.

        :raise NotAllowed: :raise ProcessNotFound:
        """
        self._allow_export(by, "check conformance", "conformance " + described(wanted), wanted=wanted)
        with self.core.reading() as session:
            return list(check_conformance(session, self.collaborators, wanted, progress))

    def count_log_instances(self, by: Operator, wanted: LogFilter) -> int:
        """How many instances a log of ``wanted`` holds (the CLI's progress bar)."""
        with self.core.reading() as session:
            return count_instances(session, wanted)

