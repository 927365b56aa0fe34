"""Tamper evidence: ``opsflow checkpoint`` (sequence and sign) and ``opsflow verify`` (check against one)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.db import PROJECT_ROOT
from engine.errors import InvalidInput
from engine.facade import Engine
from engine.history.key_placement import key_problem
from engine.history.verify import VerifyReport

from .commands import OPERATOR, Commands, record_id
from .output import emit, print_json

TAMPERED = 8
PUBLISH_FAILED = 9


def cmd_checkpoint(engine: Engine, args: argparse.Namespace) -> int:
    if args.action == "cosign":
        return _cosign(engine, args)
    if args.action == "proof":
        return _proof(engine, args)
    if args.action == "list":
        return _list(engine, args)
    if args.action is not None:
        raise InvalidInput(f"unknown checkpoint action {args.action!r} (cosign FILE, proof SIZE, list)")
    result = engine.audit.checkpoint(OPERATOR)
    summary = {"size": result.size, "new_events": result.new_leaves, "file": result.file, "origin": result.origin,
               "root": result.root}

    def text() -> None:
        if result.file:
            print(f"checkpoint of {result.size} event(s) ({result.new_leaves} new): {result.file}")
        else:
            print(f"no new events: the latest checkpoint covers all {result.size}")

    if not args.publish:
        emit(args, summary, text)
        return 0
    published = engine.audit.publish_latest(OPERATOR)

    def outcome() -> None:
        text()
        for p in published:
            print(f"{'published' if p.ok else 'NOT PUBLISHED'} ({p.destination}): {p.message}",
                  file=sys.stdout if p.ok else sys.stderr)
        if not published:
            print("no publishing destination is configured (OPSFLOW_PUBLISH_DIR, _URL, _EMAIL)")

    emit(args, {**summary, "published": [asdict(p) for p in published]}, outcome)
    return 0 if all(p.ok for p in published) else PUBLISH_FAILED


def _read(name: str | None) -> str:
    if not name:
        raise InvalidInput("give the file: opsflow checkpoint cosign FILE (or - for standard input)")
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {name}: {exc}") from exc


def _cosign(engine: Engine, args: argparse.Namespace) -> int:
    kept = engine.audit.cosign(OPERATOR, _read(args.arg))
    emit(args, asdict(kept), lambda: print(f"checkpoint {kept.size} ({kept.checkpoint}): cosignature(s) of "
                                           f"{', '.join(kept.witnesses)} kept"))
    return 0


def _proof(engine: Engine, args: argparse.Namespace) -> int:
    if not args.arg or not args.arg.isdigit():
        raise InvalidInput("give the size the witness last saw: opsflow checkpoint proof SIZE")
    sys.stdout.write(engine.audit.consistency_proof(OPERATOR, int(args.arg)))
    return 0


def _list(engine: Engine, args: argparse.Namespace) -> int:
    entries = engine.audit.checkpoint_entries(OPERATOR)

    def text() -> None:
        for e in entries:
            witnesses = ", ".join(f"{c.witness}{'' if c.valid else ' (BAD)'}" for c in e.cosignatures) or "-"
            quorum = "" if e.quorum_met is None else "  quorum met" if e.quorum_met else "  NO QUORUM"
            signature = "signature good" if e.signature_ok else "no key" if e.signature_ok is None else "BAD SIGNATURE"
            print(f"{e.size:>8}  {e.made_at or '-':<20}  {signature}  witnesses: {witnesses}{quorum}  {e.file}")

    emit(args, [asdict(e) for e in entries], text)
    return 0


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
        name = Path(report.checkpoint.file or "").name
        cosigners = [c.witness for e in engine.audit.checkpoint_entries(OPERATOR) if e.file == name
                     for c in e.cosignatures if c.valid]
        if cosigners:
            print(f"cosigned by {len(cosigners)} witness(es): {', '.join(cosigners)}")
    return 0


def refuse_misplaced_key(engine: Engine) -> None:
    """``serve`` and ``worker`` in production: the signing key must be off the database's folder.
    :raise InvalidInput:"""
    problem = key_problem(engine.collaborators.checkpoints, PROJECT_ROOT / "instance", os.environ)
    if problem is not None:
        raise InvalidInput(problem + " (see README: 'The signing key in production')")


def register(commands: Commands) -> None:
    p = commands.add("checkpoint", cmd_checkpoint, "put new events into the history tree and sign a checkpoint of "
                                                   "it; 'cosign FILE' keeps witnesses' cosignatures, 'proof SIZE' "
                                                   "prints a consistency proof, 'list' lists the checkpoints")
    p.add_argument("action", nargs="?", metavar="cosign|proof|list")
    p.add_argument("arg", nargs="?", metavar="FILE|SIZE")
    p.add_argument("--publish", action="store_true", help="then publish the latest checkpoint to every destination "
                                                          "now (OPSFLOW_PUBLISH_DIR, _URL, _EMAIL)")
    p = commands.add("verify", cmd_verify, "check the history: hash chains, and the events against a signed "
                                           "checkpoint (the latest, or --checkpoint FILE)")
    p.add_argument("id", type=record_id("process instance"), nargs="?")
    p.add_argument("--checkpoint", metavar="FILE", help="check against this checkpoint (e.g. an older copy)")
