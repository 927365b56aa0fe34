"""Finding instances to audit: filters, sorting and keyset paging, over only what the actor may audit.

Filters: process key and version, status, end event, who started, who acted (completed a step),
a date range on the start or the end (dates are days in China time, the department's calendar;
``to`` includes its whole day), text in the title (``%`` and ``_`` match themselves), and whether
there was rework (a person's step, by its BPMN id, done more than once: a return or a retry), and a move made
on it (``move``: transferred, delegated, returned, urged ... see ``move_search``).
Sorted by start, end or id, newest or oldest first; a page ends with a cursor (``next``) that the
next request passes as ``after``: the database seeks to it through an index instead of counting
past an offset, so page 2,000 costs what page 1 costs. Sorting by end lists ended instances only.

The same ``InstanceQuery.from_params`` reads the filters for the web page, the API and the CLI.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..calendar import CHINA
from ..clock import utc_iso
from ..errors import InstanceNotFound, InvalidInput
from ..models import HumanTask, ProcessDefinition, ProcessInstance, User
from ..org import rights
from ..org.people import Actor
from ..runtime.instance_views import INSTANCE_STATUSES
from ..runtime.title_search import TRIGRAM, by_index, instance_title_contains, planned_for_its_text, title_like
from ..text_input import text_problem
from .late_steps import late_step
from .move_search import MOVES, move_condition
from .views import AuditInstance, AuditPage

SORTS = ("started", "ended", "id")
ORDERS = ("desc", "asc")
DATE_FIELDS = ("started", "ended")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PARAMETERS = ("process", "version", "status", "end", "started_by", "actor", "from", "to", "dates", "q", "rework",
              "move", "breached", "sort", "order", "after", "limit")
TRUE_WORDS, FALSE_WORDS = frozenset({"true", "yes", "1", "on"}), frozenset({"false", "no", "0", "off"})


@dataclass(frozen=True)
class InstanceQuery:
    process: str | None = None
    version: int | None = None
    status: str | None = None
    end: str | None = None
    started_by: str | None = None
    actor: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    dates: str = "started"
    q: str | None = None
    rework: bool | None = None  # True: a step was done more than once (a return); False: none was
    move: str | None = None  # one of move_search.MOVES: the instance had that move made on it
    breached: bool | None = None  # True: a step passed its due time (engine.audit.breaches); False: none did
    sort: str = "started"
    order: str = "desc"
    after: str | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> InstanceQuery:
        """Read the filters from text parameters (``from``/``to`` as ISO dates); empty ones are ignored.

        :raise InvalidInput: naming the parameter that cannot be used.
        """
        values: dict[str, Any] = {}
        for name in PARAMETERS:
            raw = params.get(name)
            if raw is None or str(raw).strip() == "":
                continue
            text = str(raw).strip()
            problem = text_problem(text)
            if problem:
                raise InvalidInput(f"{name}: the text {problem}")
            values[name] = text
        query = cls(
            process=values.get("process"), status=values.get("status"), end=values.get("end"),
            started_by=values.get("started_by"), actor=values.get("actor"), q=values.get("q"),
            version=_integer(values, "version", 1, 2**31 - 1), limit=_integer(values, "limit", 1, MAX_LIMIT)
            or DEFAULT_LIMIT, date_from=_date(values, "from"), date_to=_date(values, "to"),
            dates=_choice(values, "dates", DATE_FIELDS), sort=_choice(values, "sort", SORTS),
            order=_choice(values, "order", ORDERS), after=values.get("after"), rework=_flag(values, "rework"),
            move=values.get("move"), breached=_flag(values, "breached"),
        )
        query.check()
        return query

    def check(self) -> None:
        """:raise InvalidInput: for filters that cannot go together or hold values nothing can have."""
        if self.status and self.status not in INSTANCE_STATUSES:
            raise InvalidInput(f"status: unknown status {self.status!r} (one of: {', '.join(INSTANCE_STATUSES)})")
        if self.version is not None and not self.process:
            raise InvalidInput("version: a version needs the process it belongs to")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("from: the range starts after it ends")
        for name, allowed in (("dates", DATE_FIELDS), ("sort", SORTS), ("order", ORDERS)):
            if getattr(self, name) not in allowed:
                raise InvalidInput(f"{name}: must be one of: {', '.join(allowed)}")
        if self.move is not None and self.move not in MOVES:
            raise InvalidInput(f"move: unknown move {self.move!r} (one of: {', '.join(MOVES)})")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit: must be an integer from 1 to {MAX_LIMIT}")

    def as_params(self, after: str | None = None) -> dict[str, str]:
        """The filters as text parameters (for links to the next page and for the access log)."""
        names = {"date_from": "from", "date_to": "to"}
        defaults = InstanceQuery()
        params = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "after" or value is None or value == getattr(defaults, f.name):
                continue
            if isinstance(value, bool):
                params[f.name] = "true" if value else "false"
            else:
                params[names.get(f.name, f.name)] = value.isoformat() if isinstance(value, date) else str(value)
        if after:
            params["after"] = after
        return params


def _integer(values: dict[str, Any], name: str, low: int, high: int) -> int | None:
    if name not in values:
        return None
    try:
        number = int(values[name])
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise InvalidInput(f"{name}: must be an integer from {low} to {high}")
    return number


def _flag(values: dict[str, Any], name: str) -> bool | None:
    if name not in values:
        return None
    word = values[name].lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise InvalidInput(f"{name}: must be true or false")
    return word in TRUE_WORDS


def _date(values: dict[str, Any], name: str) -> date | None:
    if name not in values:
        return None
    try:
        return date.fromisoformat(values[name][:10]) if len(values[name]) >= 10 else date.fromisoformat(values[name])
    except ValueError as exc:
        raise InvalidInput(f"{name}: {values[name]!r} is not a date (YYYY-MM-DD)") from exc


def _choice(values: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = str(values.get(name, choices[0]))
    if value not in choices:
        raise InvalidInput(f"{name}: must be one of: {', '.join(choices)}")
    return value


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in China time, in UTC (as stored)."""
    return datetime.combine(day, time(), CHINA).astimezone(UTC)


def encode_cursor(value: datetime | int, instance_id: int) -> str:
    raw = json.dumps([utc_iso(value) if isinstance(value, datetime) else value, instance_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[datetime | int, int]:
    """:raise InvalidInput: a cursor this sort did not make."""
    try:
        value, instance_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if sort == "id":
            if not isinstance(value, int):
                raise ValueError("not an id")
            return value, int(instance_id)
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment, int(instance_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("after: not a cursor of this listing (start again from the first page)") from exc


def _user_id(session: Session, name: str, parameter: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == name))
    if user_id is None:
        raise InvalidInput(f"{parameter}: there is no user {name!r}")
    return user_id


def _conditions(session: Session, actor: Actor, query: InstanceQuery, now: datetime | None = None,
                ) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [rights.audit_condition(session, actor)]
    if query.process:
        where.append(ProcessInstance.process_key == query.process)
    if query.version is not None:
        where.append(ProcessInstance.definition_id.in_(select(ProcessDefinition.id).where(
            ProcessDefinition.key == query.process, ProcessDefinition.version == query.version)))
    if query.status:
        where.append(ProcessInstance.status == query.status)
    if query.end:
        where.append(ProcessInstance.end_event == query.end)
    if query.started_by:
        where.append(ProcessInstance.started_by_id == _user_id(session, query.started_by, "started_by"))
    if query.actor:
        acted = _user_id(session, query.actor, "actor")
        where.append(exists().where(HumanTask.instance_id == ProcessInstance.id, HumanTask.completed_by_id == acted))
    moment = ProcessInstance.started_at if query.dates == "started" else ProcessInstance.ended_at
    if query.date_from:
        where.append(moment >= day_start(query.date_from))
    if query.date_to:
        where.append(moment < day_start(query.date_to + timedelta(days=1)))
    if query.rework is not None:  # one of its human tasks (by BPMN id) was created more than once
        again = aliased(HumanTask)
        reworked = exists().where(HumanTask.instance_id == ProcessInstance.id,
                                  again.instance_id == HumanTask.instance_id, again.name == HumanTask.name,
                                  again.id > HumanTask.id)
        where.append(reworked if query.rework else ~reworked)
    if query.move:
        where.append(move_condition(query.move))
    if query.breached is not None:  # one of its steps passed its due time (as of ``now``)
        late = exists().where(HumanTask.instance_id == ProcessInstance.id,
                              late_step(now or datetime.now(UTC)))
        where.append(late if query.breached else ~late)
    return where


def _text_condition(session: Session, text: str) -> ColumnElement[bool]:
    """Through the title index (engine.runtime.title_search) unless row by row in order is quicker."""
    return instance_title_contains(text) if by_index(session, text) else title_like(ProcessInstance.title, text)


def search_instances(session: Session, actor: Actor, query: InstanceQuery, now: datetime | None = None) -> AuditPage:
    """One page of the instances ``actor`` may audit that match ``query``; ``next`` is the following page's cursor.

    :raise NotAllowed: for someone who may audit nothing.
    :raise InvalidInput: a filter or cursor that cannot be used.
    """
    rights.require_audit(actor)
    query.check()
    column = {"started": ProcessInstance.started_at, "ended": ProcessInstance.ended_at,
              "id": ProcessInstance.id}[query.sort]
    where = _conditions(session, actor, query, now)
    if query.sort == "ended":
        where.append(ProcessInstance.ended_at.is_not(None))
    if query.after:
        value, last_id = decode_cursor(query.after, query.sort)
        if query.sort == "id":
            where.append(ProcessInstance.id < last_id if query.order == "desc" else ProcessInstance.id > last_id)
        elif query.order == "desc":  # the first condition lets the database seek in the index
            where += [column <= value, or_(column < value, ProcessInstance.id < last_id)]
        else:
            where += [column >= value, or_(column > value, ProcessInstance.id > last_id)]
    keys: list[Any] = [column] if query.sort == "id" else [column, ProcessInstance.id]
    rows = _page_rows(session, query, where, keys)
    items: list[AuditInstance] = [
        {"id": r.id, "process": r.process_key, "version": r.version, "title": r.title, "status": r.status,
         "end_event": r.end_event, "started_by": r.username, "started_at": utc_iso(r.started_at),
         "ended_at": utc_iso(r.ended_at) if r.ended_at else None, "events": r.history_seq}
        for r in rows[:query.limit]]
    cursor = None
    if len(rows) > query.limit:
        last = rows[query.limit - 1]
        cursor = encode_cursor({"started": last.started_at, "ended": last.ended_at, "id": last.id}[query.sort],
                               last.id)
    return {"items": items, "next": cursor}


PREFIX = 2000  # PostgreSQL, a text of three characters or more: the rows read in the list's order first


def _page_rows(session: Session, query: InstanceQuery, where: list[ColumnElement[bool]],
               keys: list[Any]) -> list[Any]:
    """The page's rows (one more than ``query.limit``), in the order of ``keys``.

    With a text of three characters or more on PostgreSQL, the first ``PREFIX`` rows in the list's order are
    searched first, their titles read as the sort's index leads to them (at 100k, ``2025-Q3``, met in none: 1,319
    buffers, 11 ms, where their ids, each looked up again by its key, took 7,341 and 36): a text met often there
    fills the page from them. Otherwise its matches are collected
    through the trigram index and sorted (the keys wrapped in ``coalesce``, which no index serves): left to
    itself the planner read in order and kept to the index (at 100k, ``2025-Q3``, in the 5,000 oldest titles,
    read 88,000 rows: 120 ms, against 17 collected and sorted). Only the page's instances are then joined to their
    versions and starters (the 4,934 matches of ``2025-Q3`` had each been joined before the sort: 38 ms, now 13).
    On SQLite a text searched through its index is handled alike: the candidates are sorted by their keys alone,
    and only the page's rows are read whole."""
    def page(conditions: list[ColumnElement[bool]], sorted_here: bool) -> list[Any]:
        order = [func.coalesce(key, key) if sorted_here else key for key in keys]
        return list(session.execute(
            select(ProcessInstance.id, ProcessInstance.process_key, ProcessDefinition.version,
                   ProcessInstance.title, ProcessInstance.status, ProcessInstance.end_event, User.username,
                   ProcessInstance.started_at, ProcessInstance.ended_at, ProcessInstance.history_seq)
            # outer joins (each instance has both): the instances lead, read in the order of the sort's index; an
            # inner join let SQLite without statistics start from the versions and sort every instance (150 ms)
            .outerjoin(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .outerjoin(User, User.id == ProcessInstance.started_by_id)
            .where(*conditions)
            .order_by(*(key.desc() if query.order == "desc" else key.asc() for key in order))
            .limit(query.limit + 1)).all())

    if not query.q:
        return page(where, False)
    planned_for_its_text(session)  # once per search, whichever way it goes
    order = [key.desc() if query.order == "desc" else key.asc() for key in keys]
    if session.get_bind().dialect.name == "sqlite" and by_index(session, query.q):
        # the index's candidates sorted by their keys alone, then the page's rows read: read whole before the sort,
        # each candidate's row was followed to its end (``history_seq`` lies past the instance's state, in overflow
        # pages): at 100k, ``2025-Q3``'s 4,927 candidates took 24 ms, chosen first 11
        chosen = (select(ProcessInstance.id).where(*where, _text_condition(session, query.q)).order_by(*order)
                  .limit(query.limit + 1))
        return page([ProcessInstance.id.in_(chosen)], False)
    if len(query.q) < TRIGRAM or session.get_bind().dialect.name == "sqlite":
        return page([*where, _text_condition(session, query.q)], False)
    first = (select(ProcessInstance.id, ProcessInstance.title).where(*where).order_by(*order).limit(PREFIX)
             .subquery("first_rows"))
    rows = page([*where, ProcessInstance.id.in_(select(first.c.id).where(title_like(first.c.title, query.q)))],
                False)
    if len(rows) > query.limit:
        return rows
    sorted_here = [func.coalesce(key, key) for key in keys]
    chosen = (select(ProcessInstance.id).where(*where, _text_condition(session, query.q))
              .order_by(*(key.desc() if query.order == "desc" else key.asc() for key in sorted_here))
              .limit(query.limit + 1))
    return page([ProcessInstance.id.in_(chosen)], True)


def audited_instance(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """The instance, when ``actor`` may audit it (the operator may audit every instance).

    :raise InstanceNotFound:
    :raise NotAllowed:
    """
    rights.require_audit(actor)  # before looking: a stranger learns nothing about which ids exist
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise InstanceNotFound(instance_id)
    rights.require_audit_instance(session, actor, instance)
    return instance
