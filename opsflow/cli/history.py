"""Following history: an instance's events (checking them: ``integrity``)."""

from __future__ import annotations

import argparse
import json

from engine.facade import Engine
from engine.runtime.views import HistoryEvent

from .commands import OPERATOR, Commands, record_id
from .output import emit

HISTORY_DETAILS = ("decision", "comment", "to", "reason", "end_event", "message")
HISTORY_SUMMARY_KEYS = ("grade", "weighted_score", "status", "decision")


def _history_detail(event: HistoryEvent) -> str:
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
    events = engine.work.history(OPERATOR, args.id)

    def text() -> None:
        for e in events:
            detail = _history_detail(e)
            print(f"{e['seq']:>4}  {e['at']}  {e['kind']:<18} {e['actor'] or '-':<10} {e['task_name'] or '':<18} "
                  + detail)

    emit(args, events, text)


def register(commands: Commands) -> None:
    p = commands.add("history", cmd_history, "show an instance's history")
    p.add_argument("id", type=record_id("process instance"))
