"""The verified badge: what the history check (``engine.history.verify``) says of one instance."""

from __future__ import annotations

from ..history.verify import VerifyReport
from .views import Integrity


def badge(report: VerifyReport) -> Integrity:
    """What the verified badge states of one instance's check: the chain, inclusion in the latest checkpoint,
    its signature (``included`` is None while none of its events is in a checkpoint, ``signature_ok`` None
    without one)."""
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
