"""The inbox: the open tasks a person holds or may claim, with filters, sorting, counts and paging.

A person's open tasks come from a few queues: the ones they hold, and for each of their roles the
unclaimed ones of that lane. Each queue is read in the order of an index (by age
``ix_human_task_assignee`` and the partial ``ix_human_task_queue``; by due date the partial
``ix_human_task_held_due`` and ``ix_human_task_queue_due``), at most one page of it, and the pages are
merged here; so a page costs the same with 30 or 30,000 tasks waiting. Paging is by keyset (``after``: the cursor of
the last row shown), never by offset. ``'open'`` is written into the SQL as a literal, so that the
planners can match the partial index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from ..clock import aware_utc, utc_iso
from ..errors import InvalidInput
from ..models import HumanTask, ProcessDefinition, ProcessInstance, TaskDefinition, User
from ..org.people import Actor, relationship_roles
from ..org.queues import queue_condition
from .task_marks import task_marks
from .title_search import (
    by_index,
    instance_titled,
    may_be_common,
    task_or_instance_titled,
    task_titled,
    title_like,
)
from .views import InboxPage, Task, TaskCounts, TaskRow

SORTS = ("age", "due")
PAGE = 100  # rows a list shows at once
MAX_INBOX_ROWS = 500  # the most one call returns
READ_TO_COUNT = 2 * PAGE + 1  # a first page counted up to this many at most is counted from its own read
OPEN: ColumnElement[str] = literal_column("'open'")
NO_DUE = "-"
EARLIEST = datetime.min.replace(tzinfo=UTC)
# The users a list row names, made once: a new alias per call adapted each of its columns again. With the marks'
# statement built once too, an inbox page's engine call at 100k: 23-36 -> 12-18 ms of client CPU.
ASSIGNEE, ON_BEHALF_OF = aliased(User, name="assignee"), aliased(User, name="on_behalf_of")


class TaskFields(Protocol):
    """What a list row needs of a task: a ``HumanTask`` or a row of ``TASK_COLUMNS``."""

    id: int
    instance_id: int
    name: str
    lane: str
    state: str
    assignee_id: int | None
    created_at: datetime
    due_at: datetime | None


# A list reads these columns, not the mapped HumanTask: no identity map or instance state per row.
TASK_COLUMNS = (HumanTask.id, HumanTask.instance_id, HumanTask.name, HumanTask.lane, HumanTask.state,
                HumanTask.assignee_id, HumanTask.created_at, HumanTask.due_at, HumanTask.round_id)


def task_row(task: TaskFields, process_key: str, instance_title: str, form_title: str | None,
             form_title_zh: str | None, assignee: str | None, on_behalf_of: str | None = None) -> TaskRow:
    """A task as lists show it (the inbox, the API, a task's own page); ``on_behalf_of``: the person away
    whose task its holder has in hand (代理)."""
    return {
        "id": task.id, "instance_id": task.instance_id, "name": task.name,
        "title": form_title or task.name, "title_zh": form_title_zh or "",
        "process": process_key, "instance_title": instance_title, "role": task.lane,
        "state": task.state, "assignee": assignee, "on_behalf_of": on_behalf_of,
        "created_at": utc_iso(task.created_at), "due_at": utc_iso(task.due_at) if task.due_at else None,
    }


def cursor_of(row: TaskRow, sort: str) -> str:
    """Where a list continues after ``row`` (opaque to callers: ``after=`` of the next call)."""
    key = row["created_at"] if sort == "age" else (row["due_at"] or NO_DUE)
    return f"{key}~{row['id']}"


def _parse_cursor(after: str, sort: str) -> tuple[datetime | None, int]:
    text, _, number = after.rpartition("~")
    try:
        row_id = int(number)
        moment = None if sort == "due" and text == NO_DUE else datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"after: {after[:40]!r} is not a cursor this list gave") from exc
    return moment, row_id


def _stretches(sort: str, after: str | None) -> list[tuple[list[ColumnElement[bool]], list[Any]]]:
    """The stretches of a queue a page reads in turn (conditions, order), each in the order of an index.

    By age: one (``created_at, id``). By due date: the dated tasks (``due_at, id``), then the undated ones
    (by ``id`` within ``due_at IS NULL``), each read only while the page is not full: one sort over both
    (``due_at IS NULL`` first) would have to sort the whole queue, which no index gives on both databases.
    """
    moment, row_id = _parse_cursor(after, sort) if after else (None, None)
    if sort == "age":
        since: list[ColumnElement[bool]] = []
        if after:
            since.append(tuple_(HumanTask.created_at, HumanTask.id) > tuple_(literal(moment), literal(row_id)))
        return [(since, [HumanTask.created_at, HumanTask.id])]
    undated: list[ColumnElement[bool]] = [HumanTask.due_at.is_(None)]
    if after:
        undated.append(HumanTask.id > row_id)
    by_due: list[Any] = [HumanTask.due_at, HumanTask.id]  # the undated too: the index's order, not the key's
    if after and moment is None:  # the cursor is among the undated ones already
        return [(undated, by_due)]
    dated: list[ColumnElement[bool]] = [HumanTask.due_at.is_not(None)]
    if after:
        dated.append(tuple_(HumanTask.due_at, HumanTask.id) > tuple_(literal(moment), literal(row_id)))
    return [(dated, by_due), ([HumanTask.due_at.is_(None)], by_due)]


def _sort_key(task: TaskFields, sort: str) -> tuple[Any, ...]:
    if sort == "due":
        due = aware_utc(task.due_at) if task.due_at else None
        return (due is None, due or EARLIEST, task.id)
    return (aware_utc(task.created_at), task.id)


def queues(actor: Actor, scope: str = "all") -> list[ColumnElement[bool]]:
    """The conditions of the queues a person's open tasks come from (``mine``, ``team`` or ``all``)."""
    found: list[ColumnElement[bool]] = []
    if scope in ("mine", "all"):
        found.append(HumanTask.assignee_id == actor.id)
    if scope in ("team", "all"):
        found += [and_(HumanTask.assignee_id.is_(None), queue_condition(actor, lane)) for lane in sorted(actor.roles)]
    return found


def _filters(process: str | None, text: str | None, indexed: bool, joined: bool = False) -> list[ColumnElement[bool]]:
    """The conditions of ``process`` and ``text``; with ``indexed`` (``title_search.by_index``) on ``human_task``'s
    own columns (the index finds the instances; ``joined``: a list that joins the instance, whose title the index's
    candidates are then checked on, ``task_or_instance_titled``), otherwise on the joined instance's and step's
    titles."""
    conditions: list[ColumnElement[bool]] = []
    if process:
        conditions.append(HumanTask.definition_id.in_(
            select(ProcessDefinition.id).where(ProcessDefinition.key == process)))
    text = text.strip() if text else ""
    if text and indexed and joined:
        conditions.append(task_or_instance_titled(HumanTask.instance_id, ProcessInstance.title,
                                                  HumanTask.definition_id, HumanTask.name, text))
    elif text and indexed:
        conditions.append(or_(instance_titled(HumanTask.instance_id, text),
                              task_titled(HumanTask.definition_id, HumanTask.name, text)))
    elif text:  # one character, or a common pair: LIKE on the rows the queue already narrowed to
        conditions.append(or_(title_like(ProcessInstance.title, text), title_like(TaskDefinition.title, text),
                              title_like(TaskDefinition.title_zh, text)))
    return conditions


def _searched(session: Session, text: str | None, counting: bool = False) -> bool:
    """Whether ``text`` is searched through an index (``title_search.by_index``, decided once per use case; no
    text: it does not matter), for a list or for a capped count (``counting``)."""
    text = text.strip() if text else ""
    return bool(text) and by_index(session, text, counting)


FIRST_ROWS = 1000  # PostgreSQL: a searched queue's rows read in its order, row by row, before its title index
PROBE_ROWS = 250  # ... of which these first: too few matches there, and the index answers at once


def _listed(task: Any) -> Select[Any]:
    """The columns a list shows of ``task`` (``HumanTask`` or an alias of it), joined to its instance, step and
    people: never the instance's state or data."""
    return (select(*(getattr(task, column.key) for column in TASK_COLUMNS), ProcessInstance.process_key,
                   ProcessInstance.title.label("instance_title"), TaskDefinition.title.label("form_title"),
                   TaskDefinition.title_zh.label("form_title_zh"), ASSIGNEE.username.label("assignee_name"),
                   ON_BEHALF_OF.username.label("on_behalf_of_name"), TaskDefinition.bulk_approve)
            .join(ProcessInstance, ProcessInstance.id == task.instance_id)
            .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == task.definition_id,
                                            TaskDefinition.name == task.name))
            .outerjoin(ASSIGNEE, ASSIGNEE.id == task.assignee_id)
            .outerjoin(ON_BEHALF_OF, ON_BEHALF_OF.id == task.on_behalf_of_id))


def _from_first_rows(session: Session, queue: ColumnElement[bool], conditions: list[ColumnElement[bool]],
                     order: list[Any], process: str | None, text: str, wanted: int) -> Sequence[Any] | None:
    """PostgreSQL: the first ``wanted`` matches of ``text`` among the first ``FIRST_ROWS`` rows of ``queue`` (in
    ``order``, after ``conditions``), read row by row; ``None`` when those rows hold fewer and the queue goes on
    (the title index must answer). Through the index, every instance whose title holds the text is collected first
    (at 100k, ``Spring`` in 14,098 titles: 27 ms for each of wang.lei's two queues, where his team's first 667 rows
    hold a page of them). Asked only for a text many titles may hold (``may_be_common``): for a rare one the first
    rows were read for nothing (about 8 ms at 100k) before the index answered.

    The first ``PROBE_ROWS`` are read first: a queue that ends there, or a page found there, is the answer; matches
    dense enough there are kept and the rest of the page is looked for in the rows after them, up to ``FIRST_ROWS``
    (the probed rows' titles are not tested again: at 100k, ``Spring`` in wang.lei's team, 3.75 ms of SQL -> 2.5); too
    sparse there to make a page within ``FIRST_ROWS`` send the search to the index at once (at 100k ``2025-Q3``,
    in 5% of all titles and in none of wang.lei's team's 29,138 tasks: the thousand rows had cost 8 ms for nothing).
    The rows come from the queue's covering index alone (``_through_index``), their titles from the joined
    instances and steps; only the matches are read in full."""
    in_queue = (select(HumanTask.id).where(HumanTask.state == OPEN, queue, *conditions,
                                           *_filters(process, None, False))
                .order_by(*order))
    tested = {column.key: column for column in (HumanTask.id, HumanTask.instance_id, HumanTask.definition_id,
                                                 HumanTask.name, *order)}

    def matches_in(skipped: int, rows: int, wanted: int) -> tuple[Sequence[Any], bool]:
        """The first ``wanted`` matches among the queue's rows after the first ``skipped`` up to its first ``rows``,
        and whether the queue goes on beyond them."""
        first = (in_queue.with_only_columns(*tested.values()).offset(skipped).limit(rows - skipped)
                 .subquery("first_rows"))
        chosen = (select(first.c.id).select_from(first)
                  .join(ProcessInstance, ProcessInstance.id == first.c.instance_id)
                  .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == first.c.definition_id,
                                                  TaskDefinition.name == first.c.name))
                  .where(*_filters(None, text, False)).order_by(*(first.c[column.key] for column in order))
                  .limit(wanted).correlate(None))
        read = session.execute(_listed(HumanTask).where(HumanTask.id.in_(chosen)).order_by(*order)).all()
        goes_on = len(read) < wanted and session.execute(in_queue.offset(rows).limit(1)).first() is not None
        return read, goes_on

    probe = min(PROBE_ROWS, FIRST_ROWS)
    read, goes_on = matches_in(0, probe, wanted)
    if goes_on and len(read) * FIRST_ROWS >= wanted * probe:  # dense enough: a page may come within them
        more, goes_on = matches_in(probe, FIRST_ROWS, wanted - len(read))  # the probed rows' matches are in hand
        read = [*read, *more]
    return None if goes_on else read


def _through_index(session: Session, queue: ColumnElement[bool], conditions: list[ColumnElement[bool]],
                   order: list[Any], process: str | None, text: str, wanted: int) -> Sequence[Any]:
    """PostgreSQL: the first ``wanted`` tasks of ``queue`` (in ``order``, after ``conditions``) whose titles hold
    ``text``, found through the title index. The matching tasks' ids are chosen first, from the queue's covering
    index alone (its rows carry the instance, step and unit they are tested on: migration 0046), and only those
    are read in full: read whole, each of the queue's rows cost a read of its table row (at 100k, wang.lei's
    team's 29,138 for ``2025-Q3``, which none of them holds: 21 ms against 10)."""
    chosen = (select(HumanTask.id)
              .where(HumanTask.state == OPEN, queue, *conditions, *_filters(process, text, True))
              .order_by(*order).limit(wanted).correlate(None))
    return session.execute(_listed(HumanTask).where(HumanTask.id.in_(chosen)).order_by(*order)).all()


def open_tasks(
    session: Session, actor: Actor, scope: str = "all", process: str | None = None, text: str | None = None,
    sort: str = "age", after: str | None = None, limit: int = PAGE,
) -> list[Task]:
    """One page of a person's open tasks (``scope``: mine, team or all), in ``sort`` order after ``after``."""
    return described(session, actor, _open_rows(session, actor, scope, process, text, sort, after, limit))


def _open_rows(session: Session, actor: Actor, scope: str, process: str | None, text: str | None, sort: str,
               after: str | None, limit: int) -> list[Any]:
    """The rows of ``open_tasks``, as read (``_listed``'s columns), at most ``limit`` of them."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    limit = max(1, min(limit, MAX_INBOX_ROWS))
    text = text.strip() if text else ""
    indexed = _searched(session, text)
    # PostgreSQL, a text searched through an index: _through_index (after the queue's first rows, for a text many
    # titles may hold); otherwise one read of each queue (SQLite: task_or_instance_titled), built once here
    through_index = indexed and session.get_bind().dialect.name != "sqlite"
    first_rows = through_index and may_be_common(session, text)
    base = None if through_index else _listed(HumanTask).where(
        HumanTask.state == OPEN, *_filters(process, text, indexed, joined=True))
    stretches = _stretches(sort, after)
    rows: list[Any] = []
    for queue in queues(actor, scope):
        found = 0
        for conditions, order in stretches:
            if found < limit:
                read = (_from_first_rows(session, queue, conditions, order, process, text, limit - found)
                        if first_rows else None)
                if read is None:
                    read = (_through_index(session, queue, conditions, order, process, text, limit - found)
                            if base is None else
                            session.execute(base.where(queue, *conditions).order_by(*order).limit(limit - found))
                            .all())
                rows += read
                found += len(read)
    rows.sort(key=lambda row: _sort_key(row, sort))
    return rows[:limit]


def described(session: Session, actor: Actor, rows: Sequence[Any]) -> list[Task]:
    """Rows read by ``_open_rows`` as lists show them (only those shown: a list read one row further, or on to
    its count's cap, describes none of the rest)."""
    fixed = relationship_roles(session) if rows else set()
    return [{**task_row(task, task.process_key, task.instance_title, task.form_title, task.form_title_zh,
                        task.assignee_name, task.on_behalf_of_name),
             "mine": task.assignee_id == actor.id,
             "releasable": task.assignee_id is not None and task.lane not in fixed and task.round_id is None,
             "bulk_approve": bool(task.bulk_approve)} for task in rows]


def list_tasks(
    session: Session, actor: Actor, process: str | None = None, text: str | None = None, sort: str = "age",
    after: str | None = None, limit: int = MAX_INBOX_ROWS,
) -> list[Task]:
    """Open tasks the user holds or may claim (unclaimed, in the user's roles), one page.

    ``process`` keeps one process key; ``text`` matches the instance or step title (``%`` and ``_``
    match themselves); ``sort`` is ``age`` (oldest first) or ``due`` (earliest due date first,
    undated last); ``after`` continues a list where ``cursor_of`` its last row says.
    """
    return open_tasks(session, actor, "all", process, text, sort, after, limit)


def counting_open(actor: Actor, scope: str, process: str | None = None, text: str | None = None,
                  up_to: int | None = None, indexed: bool = True) -> Select[Any]:
    """The query that counts a queue's open tasks (in its index; with filters, over the matching rows).

    With ``up_to``, each queue is counted only up to that many (its index read no further) and the
    result is at most ``up_to``: a count of ``up_to`` means "that many or more".
    """
    conditions = queues(actor, scope)
    if not conditions:
        return select(literal(0))
    if up_to is None:
        return _matching(select(func.count()).select_from(HumanTask).where(or_(*conditions)), process, text,
                         indexed)
    counted = [select(func.count()).select_from(
                   _matching(select(literal(1)).select_from(HumanTask).where(queue), process, text, indexed)
                   .limit(up_to).subquery()).scalar_subquery()
               for queue in conditions]
    if len(counted) == 1:
        return select(counted[0])
    total = sum(counted[1:], counted[0])
    return select(case((total > up_to, literal(up_to)), else_=total))


def _matching(query: Select[Any], process: str | None, text: str | None, indexed: bool) -> Select[Any]:
    """``query`` over the open tasks, kept to those of ``process`` and those whose titles match ``text``."""
    query = query.where(HumanTask.state == OPEN, *_filters(process, text, indexed))
    if text and text.strip() and not indexed:  # the titles are read from the joined instance and step
        query = (query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                 .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == HumanTask.definition_id,
                                                 TaskDefinition.name == HumanTask.name)))
    return query


def count_open(session: Session, actor: Actor, scope: str, process: str | None = None,
               text: str | None = None, up_to: int | None = None) -> int:
    """How many open tasks a queue holds (at most ``up_to``, when given)."""
    if not queues(actor, scope):
        return 0
    searched = _searched(session, text, counting=up_to is not None)
    return int(session.scalar(counting_open(actor, scope, process, text, up_to, searched)) or 0)


def task_counts(session: Session, actor: Actor) -> TaskCounts:
    """How many open tasks the actor holds, and how many unclaimed ones their roles may take."""
    return TaskCounts(mine=count_open(session, actor, "mine"), team=count_open(session, actor, "team"))


def inbox_page(
    session: Session, actor: Actor, process: str | None = None, text: str | None = None, sort: str = "age",
    mine_after: str | None = None, team_after: str | None = None, per_list: int = PAGE, totals: bool = True,
    count_up_to: int | None = None, marks: bool = False,
) -> InboxPage:
    """The inbox page: a page of my tasks and one of my team's, and where each continues; with ``marks``, what
    to mark on their rows (returned, urged, transferred: ``task_marks``, one more query).

    With ``totals``, also how many match in all (the navigation's counts serve an unfiltered page), each
    counted up to ``count_up_to`` when given (see ``counting_open``). A first page that holds all of its
    list is its own count: a search that matches few tasks reads the queue once, not twice.
    """
    mine, mine_next, mine_total = _list_page(session, actor, "mine", process, text, sort, mine_after, per_list,
                                             totals, count_up_to)
    team, team_next, team_total = _list_page(session, actor, "team", process, text, sort, team_after, per_list,
                                             totals, count_up_to)
    marked = task_marks(session, [*mine, *team]) if marks else {}
    return InboxPage(mine=mine, team=team, mine_next=mine_next, team_next=team_next, mine_total=mine_total,
                     team_total=team_total, marks=marked)


def _list_page(session: Session, actor: Actor, scope: str, process: str | None, text: str | None, sort: str,
               after: str | None, per_list: int, totals: bool,
               count_up_to: int | None) -> tuple[list[Task], str | None, int | None]:
    """One list of the inbox page: its rows, where it continues, and (with ``totals``) how many match.

    A first page whose count stops at ``READ_TO_COUNT`` or fewer (a searched text: "100+") reads its list up to
    the count's cap and counts what it read: the list's read, in the order of an index, stops there as the count
    would, and the count's own statement, planned apart, is not needed (at 100k on PostgreSQL it was planned as a
    scan of every task for ``20`` in wang.lei's 208, 44 ms, and as a parallel scan of the team's whole queue for
    ``华北``, 22 ms, where the list reads 101 of either in a few)."""
    counted_here = totals and after is None and count_up_to is not None and count_up_to <= READ_TO_COUNT
    wanted = max(per_list + 1, count_up_to or 0) if counted_here else per_list + 1
    read = _open_rows(session, actor, scope, process, text, sort, after, wanted)
    rows = described(session, actor, read[:per_list])
    following = cursor_of(rows[per_list - 1], sort) if len(read) > per_list else None
    if not totals:
        return rows, following, None
    if counted_here:
        return rows, following, min(len(read), count_up_to or 0)
    if after is None and len(read) <= per_list:
        return rows, following, len(read)
    return rows, following, count_open(session, actor, scope, process, text, count_up_to)
