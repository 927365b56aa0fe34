"""Exports for auditors: the verifiable bundle, process-mining logs (XES, OCEL 2.0), conformance."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.errors import InvalidInput
from engine.facade import Engine

from .commands import Commands
from .output import emit


def _open_output(path: str) -> Path:
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise InvalidInput(f"-o {path}: the folder {target.parent} does not exist")
    return target


def cmd_export_bundle(engine: Engine, args: argparse.Namespace) -> None:
    target = _open_output(args.output)
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as out:
            summary = engine.export_bundle(args.ids, out, args.actor)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    summary = {**summary, "file": str(target)}
    emit(args, summary, lambda: print(f"bundle {target}: {summary['events']} event(s) of {len(args.ids)} "
                                      f"instance(s), checkpoint size {summary['checkpoint_size']}; "
                                      f"check it with: opsflow-verify {target}"))


def register(commands: Commands) -> None:
    export = commands.group("export", "export history for auditors and process-mining tools")
    p = export.add_parser("bundle", help="a zip an outside auditor verifies offline with opsflow-verify")
    p.set_defaults(handler=cmd_export_bundle)
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE.zip")
    p.add_argument("--as", dest="actor", metavar="USER", help="export as this auditor (default: the operator)")
    p.add_argument("--json", action="store_true", help="print JSON")
