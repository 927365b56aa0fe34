"""``opsflow backup -o FILE`` and ``opsflow restore FILE [--acknowledge-rollback REASON]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.facade import Engine

from .commands import OPERATOR, Commands
from .output import emit


def cmd_backup(engine: Engine, args: argparse.Namespace) -> None:
    manifest = engine.ops.backup(OPERATOR, Path(args.output))

    def text() -> None:
        print(f"backup of the {manifest.dialect} database written to {args.output}: {manifest.events} event(s), "
              f"history tree of {manifest.tree_size}; the signing key and the checkpoints are not in it")

    emit(args, manifest, text)


def cmd_restore(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.ops.restore(OPERATOR, Path(args.file), args.acknowledge_rollback, args.by)

    def text() -> None:
        print(f"restored {args.file}: history tree of {result.size} event(s)")
        if result.rolled_back_from is not None:
            print(f"ROLLED BACK from {result.rolled_back_from} to {result.size}: signed note {result.note}, "
                  f"new checkpoint {result.checkpoint}")
        if result.tiles_moved_to:
            print(f"the leaf tiles of the rolled-back tree were moved to {result.tiles_moved_to}")
        print("run 'opsflow init' if this version of opsflow is newer than the backup's schema, then start the "
              "web and the worker")

    emit(args, result, text)


def register(commands: Commands) -> None:
    p = commands.add("backup", cmd_backup, "write a consistent backup of the database (SQLite: online backup; "
                                           "PostgreSQL: pg_dump), without the signing key and the checkpoints")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p = commands.add("restore", cmd_restore, "put a backup back, all or nothing (stop the web and the worker "
                                             "first); an older history than the latest checkpoint needs "
                                             "--acknowledge-rollback")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--acknowledge-rollback", metavar="REASON",
                   help="restore a history older than the latest signed checkpoint, and sign a rollback note "
                        "saying why")
    p.add_argument("--by", default="operator", help="who restores (goes into the rollback note)")
