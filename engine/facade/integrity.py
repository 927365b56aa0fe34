"""Tamper evidence: sequencing events into the tree, signed checkpoints, verifying against them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from ..errors import InstanceNotFound
from ..history.sequencer import CheckpointResult, make_checkpoint
from ..history.verify import VerifyReport, check_history
from ..models import ProcessInstance
from ..org.people import load_actor
from ..org.rights import Right, require
from .base import EngineBase


class IntegrityUseCases(EngineBase):
    def checkpoint(self, min_new: int = 1, max_age: timedelta | None = None) -> CheckpointResult:
        """Sequence every committed event into the tree and sign a checkpoint when one is due.

        The operator's (CLI) and the worker's; its files go outside the database.
        :raise HistoryTampered: the checkpoint directory disagrees with the database or with itself.
        """
        return make_checkpoint(self.session_factory, self.collaborators.checkpoints, self.collaborators.clock(),
                               min_new, max_age)

    def verify_history(self, instance_id: int | None = None, checkpoint_file: Path | None = None) -> VerifyReport:
        """Check the chains of one instance (or all) and their events against a checkpoint (given or latest).

        :raise InstanceNotFound: :raise InvalidInput: the checkpoint file cannot be read.
        """
        with self.reading() as session:
            if instance_id is not None and session.get(ProcessInstance, instance_id) is None:
                raise InstanceNotFound(instance_id)
            return check_history(session, self.collaborators.checkpoints, instance_id, checkpoint_file)

    def integrity(self, instance_id: int, username: str) -> dict[str, Any]:
        """What an auditor's badge states about one instance: chain, inclusion in the checkpoint, signature.

        ``included`` is None while none of its events is in a checkpoint; ``signature_ok`` None without one.
        :raise NotAllowed: without the audit right. :raise InstanceNotFound:
        """
        with self.reading() as session:
            require(load_actor(session, username), Right.AUDIT, "check an instance's history")
            if session.get(ProcessInstance, instance_id) is None:
                raise InstanceNotFound(instance_id)
            report = check_history(session, self.collaborators.checkpoints, instance_id)
        return badge(report)


def badge(report: VerifyReport) -> dict[str, Any]:
    """What the verified badge states of one instance's check: the chain, inclusion in the checkpoint, its signature.

    ``included`` is None while none of its events is in a checkpoint; ``signature_ok`` None without one.
    """
    checkpoint = report.checkpoint
    tree_ok = not any(p.found_by in ("tree", "checkpoint") for p in report.problems)
    return {
        "chain_ok": not any(p.found_by == "chain" for p in report.problems),
        "events": report.events,
        "pending": report.pending,
        "checkpoint": None if checkpoint is None else {
            "origin": checkpoint.origin, "size": checkpoint.size, "made_at": checkpoint.made_at,
            "file": checkpoint.file},
        "included": None if checkpoint is None or report.covered == 0 else tree_ok,
        "signature_ok": report.signature_ok,
        "problems": [{"seq": p.seq, "message": p.message} for p in report.problems],
    }
