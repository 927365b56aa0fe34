"""Working on processes: start, tasks, claim, release, assign, complete, transfer, urge, follow, withdraw and
cancel instances."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org.people import Person
from engine.results import as_json
from engine.runtime.file_types import Upload
from engine.runtime.views import Started

from . import request_keys
from .commands import OPERATOR, Commands, actor, record_id
from .output import emit, json_arg, print_json, table


def cmd_start(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow start KEY --data JSON --as USER [--request-key K]``: with a key, a run again prints the first start."""
    data = json_arg(args.data) if args.data else None
    key = request_keys.sent_key(args, "start", args.key, data)
    shown = request_keys.answered_before(engine, key)
    if shown is None:
        shown = started_json(engine.work.start(Person(args.actor), args.key, data, key))
        request_keys.keep(engine, key, shown)
    emit(args, shown, lambda: print(f"instance {shown['id']} {shown['status']}; next: "
                                    + (", ".join(shown["next_tasks"]) or "-")))


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
    """``opsflow complete TASK --data JSON --as USER [--request-key K]``: with a key, a run again prints the first
    completion (instead of refusing the task as completed already, exit 5)."""
    data = json_arg(args.data)
    key = request_keys.sent_key(args, "complete", args.id, data)
    result = request_keys.answered_before(engine, key)
    if result is None:
        result = engine.work.complete(Person(args.actor), args.id, data, key)
        request_keys.keep(engine, key, result)
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


def cmd_transfer(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow transfer TASK --to USER --reason TEXT --as USER``: 转办."""
    result = engine.work.transfer(Person(args.actor), args.id, args.to, args.reason)
    emit(args, result, lambda: print(f"task {args.id} transferred from {result['from'] or 'its role'} "
                                     f"to {result['to']}"))


def cmd_urge(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow urge TASK --as USER [--note TEXT]``: 催办 (once an hour per task; exit 10 when too soon)."""
    result = engine.work.urge(Person(args.actor), args.id, args.note or "")
    emit(args, result, lambda: print(f"task {args.id}: reminded {', '.join(result['told']) or 'nobody'}; "
                                     f"it may be urged again from {result['next_at']}"))


def cmd_withdraw(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow withdraw INSTANCE --reason TEXT --as USER``: 撤回 (the starter, while nobody has acted)."""
    result = engine.work.withdraw(Person(args.actor), args.id, args.reason)
    emit(args, result, lambda: print(f"instance {args.id} withdrawn"))


def cmd_restart_data(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow restart-data INSTANCE --as USER``: the start data to start an ended request again (重新发起)."""
    result = engine.work.restart_data(Person(args.actor), args.id)
    emit(args, result, lambda: print_json(result))


def register(commands: Commands) -> None:
    p = commands.add("start", cmd_start, "start an instance of a process")
    p.add_argument("key")
    actor(p)
    p.add_argument("--data", help="start data as JSON (or @file.json)")
    request_keys.add_option(p)
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
    request_keys.add_option(p)
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
    p = commands.add("transfer", cmd_transfer, "transfer a task to a colleague (转办; its holder, or a manager "
                     "above them)")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("--to", required=True, metavar="USER", help="the colleague who holds it from then on")
    p.add_argument("--reason", required=True)
    actor(p)
    p = commands.add("urge", cmd_urge, "remind a task's holders (催办; the starter, or a manager above the "
                     "holder; once an hour)")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("--note", help="a word to the holders (optional)")
    actor(p)
    p = commands.add("withdraw", cmd_withdraw, "withdraw a request you started while nobody has acted on it (撤回)")
    p.add_argument("id", type=record_id("process instance"))
    p.add_argument("--reason", required=True)
    actor(p)
    p = commands.add("restart-data", cmd_restart_data, "the process and start data to start a withdrawn, "
                     "cancelled or vetoed request again (重新发起; then opsflow start KEY --data)")
    p.add_argument("id", type=record_id("process instance"))
    actor(p)
    p = commands.add("return", cmd_return, "return a task's request to an earlier step it passed (驳回), with a "
                     "reason; without --to: the steps it may go back to")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("--to", metavar="STEP", help="the earlier step (its name, e.g. research)")
    p.add_argument("--reason", help="why (required with --to)")
    actor(p)
    p = commands.add("attach", cmd_attach, "attach a file to a task's form field (its holder), with a comment, or "
                     "to the step (附件)")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--field", metavar="NAME", help="the form's file field (\"format\": \"attachment\")")
    p.add_argument("--comment", metavar="TEXT", help="a comment the file comes with")
    actor(p)
    p = commands.add("attachments", cmd_attachments, "list a request's files; --save ID_OR_SHA256 --out FILE "
                     "downloads one")
    p.add_argument("id", type=record_id("process instance"))
    p.add_argument("--save", metavar="ID_OR_SHA256")
    p.add_argument("--out", metavar="FILE", help="where to write the file (default: its own name, here)")
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


def cmd_return(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow return TASK --to STEP --reason TEXT``: return the request; without ``--to``: where it may go."""
    if args.to is None:
        targets = engine.work.return_targets(Person(args.actor), args.id)
        emit(args, targets, lambda: table(list(targets["targets"]), ["name", "title", "title_zh"]))
        return
    if args.reason is None:
        raise InvalidInput("a reason is required to return a request to an earlier step (--reason TEXT)")
    result = engine.work.return_task(Person(args.actor), args.id, args.to, args.reason)
    then = "straight back to " + result["from_step"] if result["straight_back"] else "on as drawn"
    emit(args, result, lambda: print(f"task {args.id} returned to {result['to_step']} (task {result['new_task_id']});"
                                     f" once completed it goes {then}"))


def cmd_attach(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow attach TASK FILE [--field NAME | --comment TEXT] --as USER``."""
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    [added] = engine.work.attach(Person(args.actor), args.id, [Upload(path.name, content)], args.field, args.comment)
    where = f"field {added['field']}" if added["field"] else "a comment" if added["comment_id"] else "the step"
    emit(args, added, lambda: print(f"{added['name']} attached to task {args.id} ({where}), attachment "
                                    f"{added['id']}: {added['size']} bytes, sha256 {added['sha256']}"))


def cmd_attachments(engine: Engine, args: argparse.Namespace) -> None:
    """``opsflow attachments ID``: a request's files; with ``--save``, write one to a file."""
    if args.save is None:
        rows = engine.work.attachments(Person(args.actor), args.id)
        emit(args, rows, lambda: table(rows, ["id", "name", "size", "step", "field", "added_by", "sha256"]))
        return
    found = engine.work.attachment(Person(args.actor), args.id, args.save)
    out = Path(args.out or found.name)
    if out.exists():
        raise InvalidInput(f"{out} exists already: name another file with --out")
    out.write_bytes(found.content)
    shown = {"id": found.id, "name": found.name, "sha256": found.sha256, "size": found.size, "saved_to": str(out)}
    emit(args, shown, lambda: print(f"{found.name} ({found.size} bytes) saved to {out}"))
