"""The declarative base every table derives from, and what several tables' definitions share."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

OPEN_UNCLAIMED = "state = 'open' AND assignee_id IS NULL"
OPEN_HELD = "state = 'open' AND assignee_id IS NOT NULL"
PROXIED = "on_behalf_of_id IS NOT NULL"  # a task that went to a proxy for someone away (代理)
# Partial indexes leave out the rows whose column is NULL: a query naming a value never needs those, and a new
# task (unclaimed, not done, in no countersign) then writes no page of them.
HELD = "assignee_id IS NOT NULL"
COMPLETED_BY = "completed_by_id IS NOT NULL"
IN_ROUND = "round_id IS NOT NULL"


class Base(DeclarativeBase):
    pass
