"""The appraisal cycle dashboard: the cycles, and per cycle its steps, who is overdue and the grades.

The engine decides who may see a cycle (``NotAllowed`` becomes a 403 page); the navigation
offers the link to the roles the engine lets in.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from engine.appraisal.cycles import CYCLE_PROCESS
from engine.appraisal.dashboard import GRADES, MIN_GROUP
from engine.appraisal.views import CycleDashboard

from ..context import engine, me
from ..i18n import _, pick
from .svg_chart import bar_chart

blueprint = Blueprint("dashboard", __name__, url_prefix="/cycles")
GRADE_TONES = {"A": "a", "B": "b", "C": "c", "D": "d"}


@dataclass
class Stage:
    key: str
    title: str
    count: int
    share: int  # percent of the cycle's appraisals


def _step_titles(board: CycleDashboard) -> dict[str, str]:
    """Step key → title in the user's language, in the process's order, then the ends."""
    # The engine gives the steps in flow order (the order a token first reaches them).
    titles = {key: pick(step.title, step.title_zh) for key, step in board.step_titles.items()}
    titles.update({"running": _("Between steps"), "recorded": _("Result recorded"), "cancelled": _("Cancelled")})
    return titles


def _stages(board: CycleDashboard, titles: dict[str, str]) -> list[Stage]:
    total = board.appraisals or 1
    order = list(titles)
    keys = sorted(board.by_stage, key=lambda k: (order.index(k) if k in order else len(order), k))
    counts = board.by_stage
    return [Stage(k, titles.get(k, k.replace("_", " ")), counts[k], round(100 * counts[k] / total)) for k in keys]


@blueprint.get("")
def index() -> ResponseReturnValue:
    """List the appraisal cycles, newest first."""
    cycles = engine().appraisal.cycles(me())
    may_open = any(p["key"] == CYCLE_PROCESS for p in engine().work.processes(me()))
    return render_template("dashboard/index.html", cycles=cycles, may_open=may_open,
                           cycle_process=CYCLE_PROCESS, status_text=_cycle_status)


def _cycle_status(status: str) -> str:
    return {"running": _("In progress"), "completed": _("Closed"), "cancelled": _("Cancelled")}.get(status, status)


@blueprint.get("/<period>")
def show(period: str) -> ResponseReturnValue:
    """Show a cycle: appraisals at each step, who is overdue and the grade distribution."""
    board = engine().appraisal.dashboard(me(), period)
    titles = _step_titles(board)
    titles_by_id = {row.id: row.title for row in board.instances}
    overdue = sorted(board.overdue, key=lambda o: o.due_at)
    chart = bar_chart("grades", _("Grade distribution, %(period)s", period=period),
                      [(grade, board.grades.get(grade, 0)) for grade in GRADES], GRADE_TONES)
    return render_template(
        "dashboard/cycle.html", board=board, stages=_stages(board, titles), titles=titles, overdue=overdue,
        titles_by_id=titles_by_id, chart=chart, graded=sum(board.grades.values()),
        status=_cycle_status(board.status), min_group=MIN_GROUP,
    )
