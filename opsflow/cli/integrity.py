"""Tamper evidence: ``opsflow checkpoint`` (sequence and sign) and ``opsflow verify`` (check against one)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.facade import Engine
from engine.history.verify import VerifyReport

from .commands import OPERATOR, Commands, record_id
from .output import emit, print_json

TAMPERED = 8


def cmd_checkpoint(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.audit.checkpoint(OPERATOR)
    summary = {"size": result.size, "new_events": result.new_leaves, "file": result.file, "origin": result.origin,
               "root": result.root}

    def text() -> None:
        if result.file:
            print(f"checkpoint of {result.size} event(s) ({result.new_leaves} new): {result.file}")
        else:
            print(f"no new events: the latest checkpoint covers all {result.size}")

    emit(args, summary, text)


def report_json(report: VerifyReport) -> dict[str, Any]:
    checkpoint = report.checkpoint
    first = report.first
    return {
        "ok": report.ok, "checked": report.instances, "events": report.events,
        "checkpoint": None if checkpoint is None else {
            "file": checkpoint.file, "origin": checkpoint.origin, "size": checkpoint.size,
            "made_at": checkpoint.made_at},
        "signature_ok": report.signature_ok, "covered": report.covered, "pending": report.pending,
        "rollbacks": report.rollbacks,
        "first_bad": None if first is None else {"instance_id": first.instance_id, "seq": first.seq,
                                                 "organisation": first.organisation, "what": first.message},
        "problems": [{"instance_id": p.instance_id, "seq": p.seq, "organisation": p.organisation,
                      "message": p.message, "found_by": p.found_by} for p in report.problems],
    }


def cmd_verify(engine: Engine, args: argparse.Namespace) -> int:
    report = engine.audit.verify(OPERATOR, args.id, checkpoint=Path(args.checkpoint) if args.checkpoint else "latest")
    if args.json:
        print_json(report_json(report))
        return 0 if report.ok else TAMPERED
    if not report.ok:
        first = report.first
        assert first is not None
        print(f"history tampered: first bad event: {first.where}: {first.message}", file=sys.stderr)
        for p in report.problems:
            whose = f"instance {p.instance_id}: " if p.instance_id is not None else \
                "the organisation's record: " if p.organisation else ""
            print(f"  {whose}{p.message}", file=sys.stderr)
        return TAMPERED
    print(f"history intact: {report.instances} instance(s), {report.events} event(s) checked")
    for rolled_back in report.rollbacks:
        print(f"ROLLBACK (signed note): {rolled_back}")
    if report.checkpoint is None:
        print("no checkpoint yet: only the hash chains were checked (run 'opsflow checkpoint')")
    else:
        print(f"checkpoint {report.checkpoint.file}: {report.checkpoint.origin}, {report.checkpoint.size} event(s), "
              f"signature good; {report.covered} event(s) included, {report.pending} not yet in a checkpoint")
    return 0


def register(commands: Commands) -> None:
    commands.add("checkpoint", cmd_checkpoint, "put new events into the history tree and sign a checkpoint of it")
    p = commands.add("verify", cmd_verify, "check the history: hash chains, and the events against a signed "
                                           "checkpoint (the latest, or --checkpoint FILE)")
    p.add_argument("id", type=record_id("process instance"), nargs="?")
    p.add_argument("--checkpoint", metavar="FILE", help="check against this checkpoint (e.g. an older copy)")
