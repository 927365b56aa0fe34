"""The declarative base every table derives from, and what several tables' definitions share."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

OPEN_UNCLAIMED = "state = 'open' AND assignee_id IS NULL"
OPEN_HELD = "state = 'open' AND assignee_id IS NOT NULL"
PROXIED = "on_behalf_of_id IS NOT NULL"  # a task that went to a proxy for someone away (代理)


class Base(DeclarativeBase):
    pass
