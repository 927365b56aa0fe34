"""The complaints board: open complaints by the state of their deadlines (the complaints pack's SLA).

A complaint is *resolution breached* once its resolution deadline passed (the process noted it, or the clock is
past it and the worker has not fired the timer yet), else *first response breached* once the first-response
deadline passed without a response, else *within*. The deadlines are the ones the process set in its data
(``first_response_due``, ``resolution_due``; see ``packs/complaints``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..definitions.catalog import DefinitionCatalog
from ..org.people import Actor
from .reading import open_instances
from .views import ComplaintBoard, ComplaintRow

COMPLAINT_PROCESS = "complaint_handling"
SLA_STATES = ("resolution_breached", "first_response_breached", "within")
RESPONSES = ("first_response", "head_first_response")


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def sla_state(data: dict[str, Any], now: datetime) -> str:
    """The state of one complaint's deadlines at ``now``."""
    resolution_due = _moment(data.get("resolution_due"))
    if data.get("resolution_breached") or (resolution_due is not None and now > resolution_due):
        return "resolution_breached"
    first_due = _moment(data.get("first_response_due"))
    responded = any(isinstance(data.get(step), dict) for step in RESPONSES)
    if data.get("first_response_breached") or (not responded and first_due is not None and now > first_due):
        return "first_response_breached"
    return "within"


def complaint_board(session: Session, catalog: DefinitionCatalog, viewer: Actor, now: datetime) -> ComplaintBoard:
    """The open complaints ``viewer`` may see, the most urgent first, and how many are in each SLA state."""
    rows = []
    for item in open_instances(session, catalog, viewer, COMPLAINT_PROCESS):
        start = item.start
        rows.append(ComplaintRow(
            id=item.id, title=item.title, category=str(start.get("category", "")),
            handler=str(start.get("handler", "")), sla=sla_state(item.data, now), started_at=utc_iso(item.started_at),
            first_response_due=_text(item.data.get("first_response_due")),
            resolution_due=_text(item.data.get("resolution_due")),
            responded=any(isinstance(item.data.get(step), dict) for step in RESPONSES), steps=item.steps))
    rows.sort(key=lambda r: SLA_STATES.index(r.sla))  # stable: the oldest first within a state
    counts = {state: sum(1 for r in rows if r.sla == state) for state in SLA_STATES}
    return ComplaintBoard(tuple(rows), counts, utc_iso(now))


def _text(value: Any) -> str | None:
    moment = _moment(value)
    return utc_iso(moment) if moment is not None else None
