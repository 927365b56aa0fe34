"""The process packs' boards: open complaints by SLA state, hazards by severity and age.

The engine lists only the instances the viewer may see (the same rule as the instances themselves); the
navigation offers a board to whoever may follow its process (``engine.boards.offered``).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from engine.boards.complaints import SLA_STATES
from engine.boards.hazards import AGE_BANDS, SEVERITIES
from engine.boards.views import OpenStep

from ..context import engine, me
from ..i18n import pick
from .labels import age_band_label, category_label, section_label, severity_label, sla_label

blueprint = Blueprint("boards", __name__, url_prefix="/boards")


def step_text(step: OpenStep) -> str:
    return pick(step.title, step.title_zh)


@blueprint.get("/complaints")
def complaints() -> ResponseReturnValue:
    """Open complaints by the state of their deadlines, the most urgent first."""
    board = engine().boards.complaints(me())
    return render_template("boards/complaints.html", board=board, states=SLA_STATES, sla_label=sla_label,
                           category_label=category_label, step_text=step_text)


@blueprint.get("/hazards")
def hazards() -> ResponseReturnValue:
    """Open hazards by severity and age, the most severe and oldest first."""
    board = engine().boards.hazards(me())
    return render_template("boards/hazards.html", board=board, severities=SEVERITIES,
                           bands=[key for key, _first, _last in AGE_BANDS], severity_label=severity_label,
                           section_label=section_label, age_band_label=age_band_label, step_text=step_text,
                           total=len(board.rows), overdue=sum(1 for r in board.rows if r.overdue))
