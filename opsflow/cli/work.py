"""Working on processes: start, tasks, claim, release, assign, complete, follow and cancel instances."""

from __future__ import annotations

import argparse
from typing import Any

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org.people import Person
from engine.results import as_json
from engine.runtime.views import Started

from .commands import OPERATOR, Commands, actor, record_id
from .output import emit, json_arg, print_json, table


def cmd_start(engine: Engine, args: argparse.Namespace) -> None:
    data = json_arg(args.data) if args.data else None
    result = engine.work.start(Person(args.actor), args.key, data)
    emit(args, started_json(result), lambda: print(f"instance {result.id} {result.status}; next: "
                                                   + (", ".join(result.next_tasks) or "-")))


def started_json(started: Started) -> dict[str, Any]:
    """A start as ``start --json`` prints it: the instance, and beside its fields what the process's start
    hook added (e.g. the appraisals a cycle opened)."""
    shown: dict[str, Any] = as_json(started)
    shown.update(shown.pop("hook_result"))
    return shown


def cmd_tasks(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.work.tasks(Person(args.actor))
    emit(args, rows, lambda: table(rows, ["id", "instance_id", "name", "title", "instance_title", "assignee"]))


def cmd_task(engine: Engine, args: argparse.Namespace) -> None:
    task = engine.work.task(OPERATOR, args.id)
    emit(args, task, lambda: print_json(task))


def cmd_claim(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.claim(Person(args.actor), args.id)
    emit(args, result, lambda: print(f"task {args.id} is held by {result['assignee']}"))


def cmd_unclaim(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.unclaim(Person(args.actor), args.id)
    emit(args, result, lambda: print(f"task {args.id} released"))


def cmd_assign(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.assign(Person(args.actor), args.id, args.user)
    emit(args, result, lambda: print(f"task {args.id} assigned to {result['assignee']}"))


def cmd_complete(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.complete(Person(args.actor), args.id, json_arg(args.data))
    after = (f" at {result['end_event']}" if result["end_event"]
             else "; next: " + (", ".join(result["next_tasks"]) or "-"))
    summary = f"task {args.id} completed; instance {result['instance_id']} {result['status']}{after}"
    emit(args, result, lambda: print(summary))


def cmd_approve(engine: Engine, args: argparse.Namespace) -> int:
    """``opsflow approve ID... --comment TEXT --as USER``: bulk approval (批量审批), each task on its own; exit 0
    when all were approved, else the exit code of the first refusal's kind (5: stale, 4: not yours, 6: other)."""
    result = engine.work.bulk_approve(Person(args.actor), args.ids, args.comment or "")

    def text() -> None:
        print(f"approved: {', '.join(map(str, result['approved'])) or 'none'}")
        for refusal in result["refused"]:
            print(f"not approved: task {refusal['id']}: {refusal['message']}")

    emit(args, result, text)
    codes = {"conflict": 5, "forbidden": 4, "not_found": 3}
    return codes.get(result["refused"][0]["error"], 6) if result["refused"] else 0


def cmd_instances(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.work.instances(OPERATOR, args.process)
    emit(args, rows, lambda: table(rows, ["id", "process", "version", "title", "status", "end_event", "started_by"]))


def cmd_show(engine: Engine, args: argparse.Namespace) -> None:
    view = engine.work.show(OPERATOR, args.id)
    emit(args, view, lambda: print_json(view))


def cmd_cancel(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.cancel(Person(args.actor), args.id, args.reason)
    emit(args, result, lambda: print(f"instance {args.id} cancelled"))


def register(commands: Commands) -> None:
    p = commands.add("start", cmd_start, "start an instance of a process")
    p.add_argument("key")
    actor(p)
    p.add_argument("--data", help="start data as JSON (or @file.json)")
    p = commands.add("tasks", cmd_tasks, "list the tasks a user may work on")
    actor(p)
    p = commands.add("task", cmd_task, "show a task with its form and context")
    p.add_argument("id", type=record_id("task"))
    for name, handler, help_text in (("claim", cmd_claim, "claim a task"), ("unclaim", cmd_unclaim, "release a task")):
        p = commands.add(name, handler, help_text)
        p.add_argument("id", type=record_id("task"))
        actor(p)
    p = commands.add("assign", cmd_assign, "assign a task to someone who reports to you")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("user")
    actor(p)
    p = commands.add("complete", cmd_complete, "complete a task with form data")
    p.add_argument("id", type=record_id("task"))
    actor(p)
    p.add_argument("--data", required=True, help="form data as JSON (or @file.json)")
    p = commands.add("approve", cmd_approve, "approve several tasks of one step with one comment (批量审批; steps "
                     "whose model sets bulkApprove); each is approved or refused on its own")
    p.add_argument("ids", nargs="+", type=record_id("task"), metavar="ID")
    p.add_argument("--comment", help="one comment for every approval (optional)")
    actor(p)
    p = commands.add("instances", cmd_instances, "list process instances")
    p.add_argument("--process", metavar="KEY")
    p = commands.add("show", cmd_show, "show an instance with its status and data")
    p.add_argument("id", type=record_id("process instance"))
    p = commands.add("cc", cmd_cc, "copy a request to people (抄送); without an id: the requests copied to you")
    p.add_argument("id", type=record_id("process instance"), nargs="?")
    p.add_argument("--to", action="append", metavar="USER", help="a person to copy it to (repeat for more)")
    p.add_argument("--note", help="why (optional)")
    p.add_argument("--unread", action="store_true", help="(listing) only those not opened yet")
    actor(p)
    p = commands.add("cancel", cmd_cancel, "cancel an instance (director or admin)")
    p.add_argument("id", type=record_id("process instance"))
    actor(p)
    p.add_argument("--reason", required=True)


def cmd_cc(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow cc ID --to USER...``: copy a request; ``opsflow cc``: the requests copied to me."""
    if args.id is None:
        rows = engine.work.copies(Person(args.actor), unread_only=args.unread)
        emit(args, rows, lambda: table(rows, ["instance_id", "title", "copied_by", "at", "read"]))
        return
    if not args.to:
        raise InvalidInput("name at least one person to copy the request to (--to USER)")
    result = engine.work.copy(Person(args.actor), args.id, args.to, args.note or "")
    emit(args, result, lambda: print(f"instance {args.id} copied to {', '.join(result['copied']) or 'nobody new'}"
                                     + (f"; had it already: {', '.join(result['already'])}"
                                        if result["already"] else "")))
