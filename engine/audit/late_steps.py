"""Which steps passed their due time (超时): done after it, closed unfinished at it, or open past it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from ..models import HumanTask


def late_step(now: datetime) -> ColumnElement[bool]:
    """The condition on ``HumanTask`` of a step that passed its due time (as of ``now``)."""
    return and_(HumanTask.due_at.is_not(None), or_(
        and_(HumanTask.state == "completed", HumanTask.completed_at > HumanTask.due_at),
        HumanTask.state == "expired",
        and_(HumanTask.state == "open", HumanTask.due_at < now)))
