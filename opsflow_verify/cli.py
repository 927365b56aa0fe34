"""``opsflow-verify FILE.zip [--checkpoint FILE] [--key VKEY]``: exit 0 when the bundle verifies, 8 when not;
``opsflow-verify witness …``: the auditor's witness (``witness``), exit 8 when it refuses a checkpoint."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, witness
from .bundle import verify

TAMPERED = 8


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["witness"]:
        return witness.main(arguments[1:])
    parser = argparse.ArgumentParser(prog="opsflow-verify", description="Verify an opsflow export bundle offline.")
    parser.add_argument("--version", action="version", version=f"opsflow-verify {__version__}")
    parser.add_argument("bundle", metavar="FILE.zip")
    parser.add_argument("--checkpoint", metavar="FILE", help="a checkpoint you hold from elsewhere (e.g. older): "
                                                             "the bundle's must extend it")
    parser.add_argument("--key", metavar="VKEY", help="the verifier key you trust (file), instead of the bundle's")
    args = parser.parse_args(arguments)
    try:
        checkpoint = Path(args.checkpoint).read_text(encoding="utf-8") if args.checkpoint else None
        key = Path(args.key).read_text(encoding="utf-8") if args.key else None
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = verify(args.bundle, checkpoint, key)
    if result.key is not None:
        print(f"key: {result.key.name} (id {result.key.key_id.hex()})")
    if not result.ok:
        print(f"NOT VERIFIED: {result.problems[0]}", file=sys.stderr)
        for problem in result.problems[1:]:
            print(f"  {problem}", file=sys.stderr)
        return TAMPERED
    cp = result.checkpoint
    assert cp is not None
    for said in result.notes:
        print(f"ROLLBACK (signed note): {said}")
    print(f"verified: {result.events} event(s) of {result.instances} instance(s), each chained, as listed and "
          f"included in checkpoint {cp.origin} of size {cp.size}"
          + (", which extends the checkpoint given" if checkpoint else "")
          + (f"; {result.org_events} event(s) of the organisation's record (who held which role and unit, when), "
             "chained and included" if result.org_events else "")
          + (f"; {result.attachments} attached file(s), each the one its event recorded" if result.attachments else ""))
    return 0
