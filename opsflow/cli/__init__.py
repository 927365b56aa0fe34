"""The ``opsflow`` command line: every engine use case, with ``--json`` output.

Each area's module (``setup``, ``work``, ``history``, ``integrity``, ``exports``, ``scheduling``,
``appraisal``, ``audit``, ``modeler``, ``packs``) adds its subcommands. Errors go to stderr as
``error: <message>`` with an exit code per kind of error (see ``EXIT_CODES``); this is the one place where
domain errors become exit codes.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.calendar import CalendarFileInvalid
from engine.errors import (
    Conflict,
    DeploymentRejected,
    FormInvalid,
    HistoryTampered,
    InvalidInput,
    NotAllowed,
    NotFound,
    OpsflowError,
    ProcessError,
    TooSoon,
)
from engine.facade import build_engine
from engine.runtime.request_keys import RequestKeyReused

from . import (
    appraisal,
    audit,
    away,
    backups,
    exports,
    history,
    integrity,
    modeler,
    org,
    packs,
    scheduling,
    setup,
    signers,
    simulation,
    work,
)
from .commands import Commands
from .request_keys import REUSED

EXIT_CODES: list[tuple[type[OpsflowError], int]] = [
    (NotFound, 3), (NotAllowed, 4), (Conflict, 5), (FormInvalid, 6), (DeploymentRejected, 6),
    (InvalidInput, 6), (ProcessError, 7), (HistoryTampered, 8), (TooSoon, 10), (RequestKeyReused, REUSED),
    (OpsflowError, 1),
]
AREAS = (setup, org, work, signers, away, history, integrity, backups, exports, scheduling, appraisal, audit, modeler,
         simulation, packs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsflow", description="opsflow workflow engine")
    parser.add_argument("--database", help="database URL (default: $OPSFLOW_DATABASE_URL or instance/opsflow.sqlite)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    commands = Commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    for area in AREAS:
        area.register(commands)
    return parser


def _exit_code(exc: OpsflowError) -> int:
    return next(code for cls, code in EXIT_CODES if isinstance(exc, cls))


def _report(exc: OpsflowError) -> None:
    print(f"error: {'invalid data' if isinstance(exc, FormInvalid) else exc.message}", file=sys.stderr)
    if isinstance(exc, FormInvalid):
        for field, messages in sorted(exc.fields.items()):
            print(f"  {field}: {'; '.join(messages)}", file=sys.stderr)
    if isinstance(exc, DeploymentRejected) and len(exc.problems) > 1:
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except OpsflowError as exc:  # an argument no row can match, e.g. an id out of range
        _report(exc)
        return _exit_code(exc)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        engine = build_engine(args.database)
    except OpsflowError as exc:  # a setting that does not hold together, e.g. OPSFLOW_LDAP_*
        _report(exc)
        return _exit_code(exc)
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
        _report(exc)
        return _exit_code(exc)
    except CalendarFileInvalid as exc:
        print(f"error: calendar file: {exc}", file=sys.stderr)
        return 6
    finally:
        engine.db.dispose()
    return result if isinstance(result, int) else 0
