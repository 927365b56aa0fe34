"""The inbox: my tasks and my team's unclaimed tasks, with filters, sorting and counts."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from engine.runtime.inbox import MAX_INBOX_ROWS, SORTS

from ..context import engine, processes, signed_in, username
from . import assignment

blueprint = Blueprint("inbox", __name__)
SHOWN_PER_LIST = 100  # the rest is reached with the filters


def _all_open_tasks() -> list[dict[str, Any]]:
    """The user's open tasks without filters (read once per request, for the counts)."""
    if "opsflow_open_tasks" not in g:
        g.opsflow_open_tasks = engine().tasks(username())
    return cast(list[dict[str, Any]], g.opsflow_open_tasks)


def task_counts() -> dict[str, Any]:
    """How many tasks are mine and my team's, for the navigation ('500+' when capped)."""
    if signed_in() is None:
        return {}
    rows = _all_open_tasks()
    capped = len(rows) >= MAX_INBOX_ROWS
    mine = sum(1 for r in rows if r["mine"])
    return {"mine": mine, "team": len(rows) - mine, "total": f"{len(rows)}+" if capped else str(len(rows))}


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """List my tasks and the unclaimed tasks of my roles, filtered by process and text."""
    process = request.args.get("process", "").strip()
    text = request.args.get("q", "").strip()
    sort = request.args.get("sort", "age")
    if sort not in SORTS:
        sort = "age"
    rows = engine().tasks(username(), process or None, text or None, sort)
    if not process and not text:
        g.opsflow_open_tasks = rows
    me = username()
    mine = [r for r in rows if r["mine"]]
    team = [r for r in rows if not r["mine"]]
    offers = {r["id"]: assignment.candidates(r, me) for r in (mine + team)[: 2 * SHOWN_PER_LIST]}
    return render_template(
        "inbox/index.html", mine=mine[:SHOWN_PER_LIST], team=team[:SHOWN_PER_LIST],
        mine_total=len(mine), team_total=len(team), capped=len(rows) >= MAX_INBOX_ROWS,
        offers=offers, processes=processes(), process=process, text=text, sort=sort,
        filtered=bool(process or text), roles=assignment.roles_of(me),
    )
