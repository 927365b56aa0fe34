"""The dispatch board (/boards/dispatch): the dispatched tasks that are overdue — past their deadline, or with a
progress report, an answer or an acceptance late — among those the reader may see (the engine's rule)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from engine.org.rights import Right

from ..context import engine, me, people, signed_in
from ..inbox.views import holds

blueprint = Blueprint("dispatch_board", __name__, url_prefix="/boards/dispatch")
# Who finds the board in the navigation: those who oversee (the dashboard right) and the section heads, the
# middle managers of the dispatched tasks. Anyone may open it; each sees only the tasks they may see.
BOARD_ROLES = frozenset({"supply_head", "dispatch_head", "safety_head", "cs_head"})


@blueprint.get("")
def index() -> ResponseReturnValue:
    """Show the overdue dispatched tasks, the most overdue first."""
    return render_template("dispatch_board/index.html", board=engine().boards.dispatch(me()))


@blueprint.app_context_processor
def _board_link() -> dict[str, Any]:
    """Whether the navigation offers the board to the signed-in person."""
    username = signed_in()
    if username is None:
        return {"dispatch_board_link": False}
    person = people().get(username)
    roles = set(person.roles) if person is not None else set()
    return {"dispatch_board_link": holds(Right.SEE_DASHBOARD) or bool(roles & BOARD_ROLES)}
