"""Following history: an instance's events, and checking the hash chains."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.facade import Engine

from .commands import Commands
from .output import emit, print_json

HISTORY_DETAILS = ("decision", "comment", "to", "reason", "end_event", "message")
HISTORY_SUMMARY_KEYS = ("grade", "weighted_score", "status", "decision")


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

    emit(args, events, text)


def cmd_verify(engine: Engine, args: argparse.Namespace) -> int:
    checked, problems = engine.verify(args.id)
    if args.id is not None and checked == 0:
        print(f"error: no process instance with id {args.id}", file=sys.stderr)
        return 3
    report = {"checked": checked, "ok": not problems,
              "problems": [{"instance_id": p.instance_id, "seq": p.seq, "message": p.message} for p in problems]}
    if args.json:
        print_json(report)
    elif problems:
        for p in problems:
            print(f"instance {p.instance_id}: {p.message}", file=sys.stderr)
    else:
        print(f"history intact: {checked} instance(s) checked")
    return 8 if problems else 0


def register(commands: Commands) -> None:
    p = commands.add("history", cmd_history, "show an instance's history")
    p.add_argument("id", type=int)
    p = commands.add("verify", cmd_verify, "check the history hash chains (all instances, or one)")
    p.add_argument("id", type=int, nargs="?")
