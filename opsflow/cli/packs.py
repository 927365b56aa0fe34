"""Process packs from the command line: list them, read one, install one or all (as the operator)."""

from __future__ import annotations

import argparse

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.facade.definitions import PACKS_OPERATOR

from .commands import Commands
from .output import emit, table


def cmd_packs_list(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.definitions.packs(PACKS_OPERATOR)
    shown = [{"key": p.key, "title": p.title, "title_zh": p.title_zh, "version": p.version,
              "processes": list(p.processes)} for p in rows]
    emit(args, shown, lambda: table(shown, ["key", "version", "title", "title_zh", "processes"]))


def cmd_packs_show(engine: Engine, args: argparse.Namespace) -> None:
    detail = engine.definitions.pack(PACKS_OPERATOR, args.key)

    def show() -> None:
        pack = detail.pack
        print(f"{pack.key} {pack.version}: {pack.title} / {pack.title_zh}")
        print(f"processes: {', '.join(pack.processes)} ({', '.join(pack.files)})")
        print()
        print(detail.readme.rstrip())
    emit(args, detail, show)


def cmd_packs_install(engine: Engine, args: argparse.Namespace) -> None:
    if args.all == (args.key is not None):
        raise InvalidInput("name one pack (opsflow packs install KEY) or --all, not both")
    results = engine.definitions.install_pack(PACKS_OPERATOR, None if args.all else args.key)
    emit(args, results, lambda: table(results, ["pack", "process", "version", "status"]))


def register(commands: Commands) -> None:
    packs = commands.group("packs", "process packs: procedures of the rule book, ready to install")
    p = packs.add_parser("list", help="list the packs in packs/ with their versions and processes")
    p.set_defaults(handler=cmd_packs_list)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = packs.add_parser("show", help="a pack's README and processes")
    p.set_defaults(handler=cmd_packs_show)
    p.add_argument("key")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = packs.add_parser("install", help="deploy a pack (or --all) through the deploy check, as the operator")
    p.set_defaults(handler=cmd_packs_install)
    p.add_argument("key", nargs="?")
    p.add_argument("--all", action="store_true", help="install every pack")
    p.add_argument("--json", action="store_true", help="print JSON")
