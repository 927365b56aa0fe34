"""Appraisal cycles: the list, and one cycle's dashboard."""

from __future__ import annotations

import argparse

from engine.facade import Engine
from engine.results import as_json

from .commands import OPERATOR, Commands
from .output import emit, table


def cmd_cycles(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.appraisal.cycles(OPERATOR)
    emit(args, rows, lambda: table(as_json(rows), ["id", "period", "status", "started_at"]))


def cmd_cycle(engine: Engine, args: argparse.Namespace) -> None:
    board = engine.appraisal.dashboard(OPERATOR, args.period)

    def text() -> None:
        print(f"cycle {board.period} ({board.status}): {board.appraisals} appraisal(s)")
        opening = board.opening
        if not opening.finished:
            print(f"  opening: {opening.opened:,} of {opening.planned:,} opened (the worker opens the rest)")
        print("  by step: " + ", ".join(f"{k} {v}" for k, v in sorted(board.by_stage.items())))
        print("  grades:  " + ", ".join(f"{k} {v}" for k, v in board.grades.items()))
        for row in board.overdue:
            print(f"  overdue: instance {row.instance_id} {row.step} held by {row.holder} (due {row.due_at})")

    emit(args, board, text)


def register(commands: Commands) -> None:
    commands.add("cycles", cmd_cycles, "list appraisal cycles")
    p = commands.add("cycle", cmd_cycle, "an appraisal cycle's dashboard: steps, overdue, grades")
    p.add_argument("period")
