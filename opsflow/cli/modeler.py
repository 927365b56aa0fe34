"""The modeler from the command line: versions, the diff between two, and migrating running instances."""

from __future__ import annotations

import argparse

from engine.facade import Engine
from engine.org.people import Person

from .commands import Commands, actor, record_id
from .output import emit, table


def cmd_versions(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.modeler.versions(Person(args.actor), args.key)
    emit(args, rows, lambda: table(rows, ["version", "deployed_at", "deployed_by", "note", "running", "ended"]))


def cmd_diff(engine: Engine, args: argparse.Namespace) -> None:
    diff = engine.modeler.diff(Person(args.actor), args.key, args.old, args.new)
    changes = {k: v for k, v in diff.items() if k not in ("from_bpmn", "to_bpmn")}

    def show() -> None:
        for item in [*diff["elements"], *diff["decisions"]]:
            print(f"{item['change']:8} {item['kind']:18} {item['element']}  {item.get('name', '')}".rstrip())
            for field in item["fields"]:
                print(f"         {field['field']}: {field['before']!r} -> {field['after']!r}")
        for form in diff["forms"]:
            print(f"{form['change']:8} {'form':18} {form['file']}")
    emit(args, changes, show)


def cmd_migrate(engine: Engine, args: argparse.Namespace) -> None:
    checks = engine.modeler.migration_dry_run(Person(args.actor), args.key, args.to)
    if args.dry_run or not checks:
        emit(args, checks, lambda: table([{**c, "reasons": "; ".join(c["reasons"])} for c in checks],
                                         ["instance_id", "from_version", "waiting_at", "can_move", "reasons"]))
        return
    ids = args.instance or [c["instance_id"] for c in checks if c["can_move"]]
    results = engine.modeler.migrate_instances(Person(args.actor), ids, args.to, args.reason or "")
    emit(args, results, lambda: table([{**r, "reasons": "; ".join(r.get("reasons", []))} for r in results],
                                      ["instance_id", "moved", "to_version", "reasons"]))


def register(commands: Commands) -> None:
    p = commands.add("versions", cmd_versions, "the versions of a process: who, when, why, instances on each")
    p.add_argument("key")
    actor(p, "an analyst or admin")
    p = commands.add("diff", cmd_diff, "what changed between two versions of a process")
    p.add_argument("key")
    p.add_argument("old", type=int)
    p.add_argument("new", type=int)
    actor(p, "an analyst or admin")
    p = commands.add("migrate", cmd_migrate, "move running instances to a newer version (--dry-run first)")
    p.add_argument("key")
    p.add_argument("--to", type=int, required=True, help="the version to move to")
    p.add_argument("--instance", type=record_id("process instance"), action="append",
                   help="only this instance (repeatable)")
    p.add_argument("--reason", help="why (recorded in each instance's history; required to move)")
    p.add_argument("--dry-run", action="store_true", help="only say which instances can move and why not")
    actor(p, "an analyst or admin")
