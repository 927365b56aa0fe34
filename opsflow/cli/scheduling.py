"""Later work: the worker, incidents, schedules, notifications and the working-day calendar."""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import date
from pathlib import Path

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org.people import Person
from engine.results import as_json
from engine.scheduling.worker import Worker

from .commands import OPERATOR, Commands, actor, record_id
from .integrity import refuse_misplaced_key
from .output import emit, json_arg, print_json, table


def cmd_worker(engine: Engine, args: argparse.Namespace) -> None:
    refuse_misplaced_key(engine)
    worker = Worker(engine.core, worker_id=args.id, slots=args.slots)
    if args.once:
        report = worker.run_once()
        summary = {"done": report.done, "retried": report.retried, "incidents": report.incidents,
                   "errors": report.errors}
        emit(args, summary, lambda: print(f"worker: {report.done} job(s) done, {report.retried} to retry, "
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
    rows = engine.ops.incidents(OPERATOR)
    emit(args, rows, lambda: table(as_json(rows), ["id", "kind", "instance_id", "recipient", "attempts", "error"]))


def cmd_retry(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.ops.retry(OPERATOR, args.id)
    emit(args, result, lambda: print(f"job {args.id} will run again"))


def cmd_dismiss(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.ops.dismiss(OPERATOR, args.id, args.reason)
    emit(args, result, lambda: print(f"job {args.id} skipped: nobody is told by it"))


def cmd_schedule_list(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.ops.schedules(OPERATOR)
    emit(args, rows, lambda: table(as_json(rows), ["id", "process", "cadence", "owner", "next_run_at"]))


def cmd_schedule_add(engine: Engine, args: argparse.Namespace) -> None:
    data = json_arg(args.data) if args.data else None
    result = engine.ops.add_schedule(Person(args.actor), args.process, args.every, data)
    emit(args, result, lambda: print(f"schedule {result.id}: {args.process} {args.every}, "
                                     f"next run {result.next_run_at}"))


def cmd_schedule_remove(engine: Engine, args: argparse.Namespace) -> None:
    engine.ops.remove_schedule(OPERATOR, args.id)
    print(f"schedule {args.id} removed")


def cmd_notifications(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.work.notifications(Person(args.actor), unread_only=args.unread)
    if args.mark_read:
        engine.work.mark_read(Person(args.actor))
    emit(args, rows, lambda: table(rows, ["id", "kind", "subject", "at", "read"]))


def cmd_calendar(engine: Engine, args: argparse.Namespace) -> int:
    if not 1900 <= args.year <= 9998:
        raise InvalidInput(f"year {args.year} is out of range (1900-9998)")
    days = engine.calendar.year(args.year)
    if args.json:
        print_json(days)
        return 0
    table([{**as_json(d), "working": "working day" if d.working else "day off"} for d in days],
          ["date", "weekday", "working", "name", "source"])
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def cmd_calendar_set(engine: Engine, args: argparse.Namespace) -> None:
    day = _day(args.date)
    changed = engine.calendar.enter_day(Person(args.actor), day, args.working, args.name)
    kind = "a make-up working day" if args.working else "a day off"
    print(f"{day}: {kind} ({args.name})" + ("" if changed else ", as before"))


def cmd_calendar_unset(engine: Engine, args: argparse.Namespace) -> None:
    day = _day(args.date)
    removed = engine.calendar.remove_day(Person(args.actor), day)
    print(f"{day}: " + ("the package's data counts again" if removed else "was not entered"))


def cmd_calendar_import(engine: Engine, args: argparse.Namespace) -> None:
    changed = engine.calendar.import_file(Person(args.actor), Path(args.file), replace=args.replace)
    print(f"{changed} day(s) entered from {args.file}")


def register(commands: Commands) -> None:
    p = commands.add("worker", cmd_worker, "run timers, reminders, e-mails and schedules from the job table")
    p.add_argument("--once", action="store_true", help="run what is due now, then exit")
    p.add_argument("--slots", type=int, default=4, help="jobs in flight at once (default 4)")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between polls when idle")
    p.add_argument("--id", help="worker id shown in job leases (default host:pid:random)")
    commands.add("incidents", cmd_incidents, "list jobs that failed after their last retry")
    p = commands.add("retry", cmd_retry, "run an incident's job again")
    p.add_argument("id", type=record_id("job"))
    p = commands.add("dismiss", cmd_dismiss, "skip a failing notification job (e-mail, reminder, escalation)")
    p.add_argument("id", type=record_id("job"))
    p.add_argument("--reason", required=True, help="why (kept on the job, with who skipped it)")
    schedule = commands.group("schedule", "start processes periodically")
    p = schedule.add_parser("list", help="list schedules")
    p.set_defaults(handler=cmd_schedule_list)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = schedule.add_parser("add", help="add a schedule (first working day of each period, 09:00 China time)")
    p.set_defaults(handler=cmd_schedule_add)
    p.add_argument("process", metavar="KEY")
    p.add_argument("--every", required=True, choices=["monthly", "quarterly", "annual"])
    actor(p, "who the starts run as")
    p.add_argument("--data", help="extra start data as JSON (period and period_type are filled in)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = schedule.add_parser("remove", help="remove a schedule")
    p.set_defaults(handler=cmd_schedule_remove, json=False)
    p.add_argument("id", type=record_id("schedule"))
    p = commands.add("notifications", cmd_notifications, "list a user's notifications")
    actor(p)
    p.add_argument("--unread", action="store_true", help="only unread ones")
    p.add_argument("--mark-read", action="store_true", help="mark them all read afterwards")
    p = commands.add("calendar", cmd_calendar, "list a year's public holidays and make-up working days")
    p.add_argument("year", type=int)
    days = commands.group("calendar-day", "enter days the holiday package lacks (admins; kept in the database)")
    p = days.add_parser("set", help="enter a holiday (default) or a make-up working day")
    p.set_defaults(handler=cmd_calendar_set)
    p.add_argument("date", metavar="YYYY-MM-DD")
    p.add_argument("--name", required=True, help="the holiday, or what the make-up day is for")
    p.add_argument("--working", action="store_true", help="a make-up working day (on a weekend)")
    actor(p)
    p = days.add_parser("unset", help="forget an entered day (the package's data counts again)")
    p.set_defaults(handler=cmd_calendar_unset)
    p.add_argument("date", metavar="YYYY-MM-DD")
    actor(p)
    p = days.add_parser("import", help='enter the days of a file like data/calendar.json ({"holidays": {...}, '
                                       '"workdays": {...}})')
    p.set_defaults(handler=cmd_calendar_import)
    p.add_argument("file")
    p.add_argument("--replace", action="store_true", help="also change days already entered")
    actor(p)
