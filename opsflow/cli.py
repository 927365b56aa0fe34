"""The ``opsflow`` command line: every engine use case, with ``--json`` output.

Errors go to stderr as ``error: <message>`` with an exit code per kind of error
(see ``EXIT_CODES``); this is the one place where domain errors become exit codes.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import signal
import sys
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError

from engine import calendar
from engine.errors import (
    Conflict,
    DeploymentRejected,
    FormInvalid,
    InvalidInput,
    NotAllowed,
    NotFound,
    OpsflowError,
    ProcessError,
)
from engine.facade import Engine, build_engine
from engine.text_input import JsonUnreadable, read_json

EXIT_CODES: list[tuple[type[OpsflowError], int]] = [
    (NotFound, 3), (NotAllowed, 4), (Conflict, 5), (FormInvalid, 6), (DeploymentRejected, 6),
    (InvalidInput, 6), (ProcessError, 7), (OpsflowError, 1),
]

HISTORY_DETAILS = ("decision", "comment", "to", "reason", "end_event", "message")
HISTORY_SUMMARY_KEYS = ("grade", "weighted_score", "status", "decision")
Handler = Callable[[Engine, argparse.Namespace], Any]


def _json_arg(text: str) -> Any:
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"--data {text}: cannot read the file ({exc})") from exc
    try:
        return read_json(text)
    except JsonUnreadable as exc:
        raise InvalidInput(f"--data: {exc}") from exc


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def _display_width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    if not rows:
        print("(none)")
        return
    cells = [{c: _cell(row.get(c)) for c in columns} for row in rows]
    widths = {c: max(len(c), *(_display_width(r[c]) for r in cells)) for c in columns}
    print("  ".join(_pad(c.upper(), widths[c]) for c in columns).rstrip())
    for r in cells:
        print("  ".join(_pad(r[c], widths[c]) for c in columns).rstrip())


def _emit(args: argparse.Namespace, value: Any, text: Callable[[], None]) -> None:
    if getattr(args, "json", False):
        _print_json(value)
    else:
        text()


# -- handlers ------------------------------------------------------------------------------
DEMO_PASSWORD_DEFAULT = "opsflow-demo"  # noqa: S105 - the documented password of the demo users


def cmd_init(engine: Engine, args: argparse.Namespace) -> None:
    password = os.environ.get("OPSFLOW_DEMO_PASSWORD") or DEMO_PASSWORD_DEFAULT
    result = engine.init(demo=args.demo, demo_password=password if args.demo else None)
    _emit(args, result, lambda: print(
        f"database ready: {result['roles_added']} role(s) and {result['users_added']} user(s) added; "
        + ", ".join(f"{d['key']} v{d['version']} {d['status']}" for d in result["deployments"])))


def cmd_deploy(engine: Engine, args: argparse.Namespace) -> None:
    paths = [Path(p) for p in args.paths] or [engine.services.processes_root]
    results = [r.__dict__ for r in engine.deploy(paths, by="cli")]
    _emit(args, results, lambda: _table(results, ["key", "version", "status", "source"]))


def cmd_processes(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.processes()
    _emit(args, rows, lambda: _table(rows, ["key", "version", "title", "start_roles"]))


def cmd_user_add(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.add_user(args.username, args.role, args.reports_to, args.name or "", args.email)
    _emit(args, result, lambda: print(f"user {args.username} added"))


def cmd_user_passwd(engine: Engine, args: argparse.Namespace) -> None:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"New password for {args.username}: ")
        if getpass.getpass("Repeat it: ") != password:
            raise InvalidInput("the two passwords differ")
    engine.set_password(args.username, password)
    print(f"password of {args.username} set")


def cmd_token_create(engine: Engine, args: argparse.Namespace) -> None:
    token = engine.create_token(args.username, args.label or "")
    _emit(args, {"username": args.username, "token": token}, lambda: print(token))


def cmd_serve(engine: Engine, args: argparse.Namespace) -> None:
    from waitress import serve

    from webui import create_app

    app = create_app(engine=engine)
    print(f"opsflow: serving http://{args.host}:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="opsflow")


def cmd_worker(engine: Engine, args: argparse.Namespace) -> None:
    from engine.worker import Worker

    worker = Worker(engine, worker_id=args.id, slots=args.slots)
    if args.once:
        report = worker.run_once()
        summary = {"done": report.done, "retried": report.retried, "incidents": report.incidents,
                   "errors": report.errors}
        _emit(args, summary, lambda: print(f"worker: {report.done} job(s) done, {report.retried} to retry, "
                                           f"{report.incidents} incident(s)"))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"opsflow worker {worker.worker_id}: {worker.slots} slot(s), polling every {args.poll:g} s", flush=True)
    try:
        worker.run_forever(poll_seconds=args.poll, stop=stop)
    except KeyboardInterrupt:
        stop.set()


def cmd_incidents(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.incidents()
    _emit(args, rows, lambda: _table(rows, ["id", "kind", "instance_id", "attempts", "error"]))


def cmd_retry(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.retry(args.id)
    _emit(args, result, lambda: print(f"job {args.id} will run again"))


def cmd_schedule_list(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.schedules()
    _emit(args, rows, lambda: _table(rows, ["id", "process", "cadence", "owner", "next_run_at"]))


def cmd_schedule_add(engine: Engine, args: argparse.Namespace) -> None:
    data = _json_arg(args.data) if args.data else None
    result = engine.add_schedule(args.process, args.every, args.actor, data)
    _emit(args, result, lambda: print(f"schedule {result['id']}: {args.process} {args.every}, "
                                      f"next run {result['next_run_at']}"))


def cmd_schedule_remove(engine: Engine, args: argparse.Namespace) -> None:
    engine.remove_schedule(args.id)
    print(f"schedule {args.id} removed")


def cmd_notifications(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.notifications(args.actor, unread_only=args.unread)
    if args.mark_read:
        engine.mark_read(args.actor)
    _emit(args, rows, lambda: _table(rows, ["id", "kind", "subject", "at", "read"]))


def cmd_cycles(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.cycles()
    _emit(args, rows, lambda: _table(rows, ["id", "period", "status", "started_at"]))


def cmd_cycle(engine: Engine, args: argparse.Namespace) -> None:
    board = engine.cycle_dashboard(args.period)

    def text() -> None:
        print(f"cycle {board['period']} ({board['status']}): {board['appraisals']} appraisal(s)")
        print("  by step: " + ", ".join(f"{k} {v}" for k, v in sorted(board["by_stage"].items())))
        print("  grades:  " + ", ".join(f"{k} {v}" for k, v in board["grades"].items()))
        for row in board["overdue"]:
            print(f"  overdue: instance {row['instance_id']} {row['step']} held by {row['holder']} "
                  f"(due {row['due_at']})")

    _emit(args, board, text)


def cmd_users(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.users()
    _emit(args, rows, lambda: _table(rows, ["username", "name", "roles", "reports_to"]))


def cmd_start(engine: Engine, args: argparse.Namespace) -> None:
    data = _json_arg(args.data) if args.data else None
    result = engine.start(args.key, args.actor, data)
    _emit(args, result, lambda: print(f"instance {result['id']} {result['status']}; next: "
                                      + (", ".join(result["next_tasks"]) or "-")))


def cmd_tasks(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.tasks(args.actor)
    _emit(args, rows, lambda: _table(rows, ["id", "instance_id", "name", "title", "instance_title", "assignee"]))


def cmd_task(engine: Engine, args: argparse.Namespace) -> None:
    task = engine.task(args.id)
    _emit(args, task, lambda: _print_json(task))


def cmd_claim(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.claim(args.id, args.actor)
    _emit(args, result, lambda: print(f"task {args.id} is held by {result['assignee']}"))


def cmd_unclaim(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.unclaim(args.id, args.actor)
    _emit(args, result, lambda: print(f"task {args.id} released"))


def cmd_assign(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.assign(args.id, args.user, args.actor)
    _emit(args, result, lambda: print(f"task {args.id} assigned to {result['assignee']}"))


def cmd_complete(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.complete(args.id, args.actor, _json_arg(args.data))
    after = (f" at {result['end_event']}" if result["end_event"]
             else "; next: " + (", ".join(result["next_tasks"]) or "-"))
    summary = f"task {args.id} completed; instance {result['instance_id']} {result['status']}{after}"
    _emit(args, result, lambda: print(summary))


def cmd_instances(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.instances(args.process)
    _emit(args, rows, lambda: _table(rows, ["id", "process", "version", "title", "status", "end_event", "started_by"]))


def cmd_show(engine: Engine, args: argparse.Namespace) -> None:
    view = engine.show(args.id)
    _emit(args, view, lambda: _print_json(view))


def cmd_cancel(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.cancel(args.id, args.actor, args.reason)
    _emit(args, result, lambda: print(f"instance {args.id} cancelled"))


def _history_detail(event: dict[str, Any]) -> str:
    """The part of an event a reader of the text history needs: decisions, reasons, grades, what changed."""
    payload = event["payload"]
    detail = {k: v for k, v in payload.items() if k in HISTORY_DETAILS}
    submitted = payload.get("data")
    if event["kind"] == "task_completed" and isinstance(submitted, dict) and "grade" in submitted:
        detail["grade"] = submitted["grade"]
    if event["kind"] == "data_changed":
        changed = payload.get("data_delta", {}).get("set", {})
        shown = {}
        for key, value in changed.items():
            if isinstance(value, dict):
                shown[key] = {k: v for k, v in value.items() if k in HISTORY_SUMMARY_KEYS} or "..."
            else:
                shown[key] = value
        detail = {"set": shown} if shown else {}
    text = json.dumps(detail, ensure_ascii=False) if detail else ""
    return text if len(text) <= 300 else text[:299] + "…"


def cmd_history(engine: Engine, args: argparse.Namespace) -> None:
    events = engine.history(args.id)

    def text() -> None:
        for e in events:
            detail = _history_detail(e)
            print(f"{e['seq']:>4}  {e['at']}  {e['kind']:<18} {e['actor'] or '-':<10} {e['task_name'] or '':<18} "
                  + detail)

    _emit(args, events, text)


def cmd_verify(engine: Engine, args: argparse.Namespace) -> int:
    checked, problems = engine.verify(args.id)
    if args.id is not None and checked == 0:
        print(f"error: no process instance with id {args.id}", file=sys.stderr)
        return 3
    report = {"checked": checked, "ok": not problems,
              "problems": [{"instance_id": p.instance_id, "seq": p.seq, "message": p.message} for p in problems]}
    if args.json:
        _print_json(report)
    elif problems:
        for p in problems:
            print(f"instance {p.instance_id}: {p.message}", file=sys.stderr)
    else:
        print(f"history intact: {checked} instance(s) checked")
    return 8 if problems else 0


def cmd_calendar(engine: Engine, args: argparse.Namespace) -> int:
    if not 1900 <= args.year <= 9998:
        raise InvalidInput(f"year {args.year} is out of range (1900-9998)")
    days = calendar.special_days(args.year)
    if args.json:
        _print_json(days)
        return 0
    _table([{**d, "working": "working day" if d["working"] else "day off"} for d in days],
           ["date", "weekday", "working", "name", "source"])
    return 0


# -- parser --------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsflow", description="opsflow workflow engine")
    parser.add_argument("--database", help="database URL (default: $OPSFLOW_DATABASE_URL or instance/opsflow.sqlite)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str, json_flag: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        return p

    def actor(p: argparse.ArgumentParser) -> None:
        p.add_argument("--as", dest="actor", required=True, metavar="USER", help="the user doing this")

    p = command("init", cmd_init, "create the schema and roles, deploy processes/")
    p.add_argument("--demo", action="store_true", help="also load the demo organisation")
    p = command("deploy", cmd_deploy, "validate and deploy BPMN files (default: processes/)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    command("processes", cmd_processes, "list deployed processes (latest versions)")
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add", help="add a user")
    p.set_defaults(handler=cmd_user_add, json=False)
    p.add_argument("username")
    p.add_argument("--role", action="append", required=True, help="a role key (repeatable)")
    p.add_argument("--reports-to", metavar="USERNAME")
    p.add_argument("--name", help="display name")
    p.add_argument("--email", help="e-mail address for notifications")
    p = user.add_parser("passwd", help="set a user's password (prompted, or one line on stdin)")
    p.set_defaults(handler=cmd_user_passwd, json=False)
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    command("users", cmd_users, "list users")
    token = sub.add_parser("token", help="manage REST API tokens").add_subparsers(dest="token_command", required=True)
    p = token.add_parser("create", help="create an API token for a user and print it")
    p.set_defaults(handler=cmd_token_create)
    p.add_argument("username")
    p.add_argument("--label", help="what the token is for")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = command("worker", cmd_worker, "run timers, reminders, e-mails and schedules from the job table")
    p.add_argument("--once", action="store_true", help="run what is due now, then exit")
    p.add_argument("--slots", type=int, default=4, help="jobs in flight at once (default 4)")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between polls when idle")
    p.add_argument("--id", help="worker id shown in job leases (default host:pid:random)")
    command("incidents", cmd_incidents, "list jobs that failed after their last retry")
    p = command("retry", cmd_retry, "run an incident's job again")
    p.add_argument("id", type=int)
    schedule = sub.add_parser("schedule", help="start processes periodically").add_subparsers(
        dest="schedule_command", required=True)
    p = schedule.add_parser("list", help="list schedules")
    p.set_defaults(handler=cmd_schedule_list)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = schedule.add_parser("add", help="add a schedule (first working day of each period, 09:00 China time)")
    p.set_defaults(handler=cmd_schedule_add)
    p.add_argument("process", metavar="KEY")
    p.add_argument("--every", required=True, choices=["monthly", "quarterly", "annual"])
    p.add_argument("--as", dest="actor", required=True, metavar="USER", help="who the starts run as")
    p.add_argument("--data", help="extra start data as JSON (period and period_type are filled in)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = schedule.add_parser("remove", help="remove a schedule")
    p.set_defaults(handler=cmd_schedule_remove, json=False)
    p.add_argument("id", type=int)
    p = command("notifications", cmd_notifications, "list a user's notifications")
    actor(p)
    p.add_argument("--unread", action="store_true", help="only unread ones")
    p.add_argument("--mark-read", action="store_true", help="mark them all read afterwards")
    command("cycles", cmd_cycles, "list appraisal cycles")
    p = command("cycle", cmd_cycle, "an appraisal cycle's dashboard: steps, overdue, grades")
    p.add_argument("period")
    p = command("serve", cmd_serve, "serve the web inbox and REST API (production WSGI server)", json_flag=False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--threads", type=int, default=8)
    p = command("start", cmd_start, "start an instance of a process")
    p.add_argument("key")
    actor(p)
    p.add_argument("--data", help="start data as JSON (or @file.json)")
    p = command("tasks", cmd_tasks, "list the tasks a user may work on")
    actor(p)
    p = command("task", cmd_task, "show a task with its form and context")
    p.add_argument("id", type=int)
    for name, handler, help_text in (("claim", cmd_claim, "claim a task"), ("unclaim", cmd_unclaim, "release a task")):
        p = command(name, handler, help_text)
        p.add_argument("id", type=int)
        actor(p)
    p = command("assign", cmd_assign, "assign a task to someone who reports to you")
    p.add_argument("id", type=int)
    p.add_argument("user")
    actor(p)
    p = command("complete", cmd_complete, "complete a task with form data")
    p.add_argument("id", type=int)
    actor(p)
    p.add_argument("--data", required=True, help="form data as JSON (or @file.json)")
    p = command("instances", cmd_instances, "list process instances")
    p.add_argument("--process", metavar="KEY")
    p = command("show", cmd_show, "show an instance with its status and data")
    p.add_argument("id", type=int)
    p = command("cancel", cmd_cancel, "cancel an instance (director or admin)")
    p.add_argument("id", type=int)
    actor(p)
    p.add_argument("--reason", required=True)
    p = command("history", cmd_history, "show an instance's history")
    p.add_argument("id", type=int)
    p = command("verify", cmd_verify, "check the history hash chains (all instances, or one)")
    p.add_argument("id", type=int, nargs="?")
    p = command("calendar", cmd_calendar, "list a year's public holidays and make-up working days")
    p.add_argument("year", type=int)
    return parser


def _exit_code(exc: OpsflowError) -> int:
    return next(code for cls, code in EXIT_CODES if isinstance(exc, cls))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        engine = build_engine(args.database)
    except calendar.CalendarFileInvalid as exc:
        print(f"error: calendar file: {exc}", file=sys.stderr)
        return 6
    try:
        result = args.handler(engine, args)
    except (OperationalError, ProgrammingError) as exc:
        print(f"error: database problem ({exc.orig}); is it initialised? run 'opsflow init'", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `opsflow task 1 --json | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OpsflowError as exc:
        print(f"error: {'invalid data' if isinstance(exc, FormInvalid) else exc.message}", file=sys.stderr)
        if isinstance(exc, FormInvalid):
            for field, messages in sorted(exc.fields.items()):
                print(f"  {field}: {'; '.join(messages)}", file=sys.stderr)
        if isinstance(exc, DeploymentRejected) and len(exc.problems) > 1:
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
        return _exit_code(exc)
    finally:
        engine.db.dispose()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
