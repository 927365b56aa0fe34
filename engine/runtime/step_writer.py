"""Writing one step of an instance: the only module that writes task rows, the instance row,
history events, and the jobs and notifications a step leaves behind.

A use case that changes an instance describes its step as a ``Step`` and hands it to
``write_step``, which writes in this order, always, so the conflict rules are the same everywhere:

1. the task a person acted on (claim, release, assign, complete), guarded by the state and holder
   read before: zero rows means someone else was quicker, a ``Conflict``;
2. new human tasks (who each is for, and when it is due, resolved first); their ids go into the events;
3. tasks that are no longer ready are closed (cancelled, or expired when their deadline closed them),
   and open tasks that a migration moves to another version are updated (``task_updates``);
4. the instance's timer job, when the earliest waiting timer moved;
5. the instance row ``WHERE version = <the version read>``: zero rows means someone else stepped the
   instance first, a ``Conflict``, and the whole use case rolls back;
6. the hash-chained history events, in one insert;
7. reminders and overdue checks for the new tasks' deadlines, in one insert;
8. notifications (one insert; e-mail jobs too when SMTP is set).

On PostgreSQL the same writes take fewer round trips: 1 goes in the statement of 2 (``WITH act AS (UPDATE ...
RETURNING id) INSERT ...``, the new tasks inserted only if the action applied), and 5 to 8 are one statement
(the events inserted only if the instance row moved). Each table's rows are bound as arrays (``unnest``), so
each statement keeps one shape whatever the number of rows. A conflict still rolls back the whole use case.

``engine.runtime.new_instances`` writes many new instances of one process in the same order, with one
statement per kind of row for all of them (a cycle opening hundreds of appraisals). What to write
is worked out first by ``engine.runtime.step_plan``, which only reads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Insert, Table, Update, bindparam, insert, or_, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from ..clock import aware_utc
from ..db import array_values, insert_from_arrays
from ..definitions.catalog import DeployedProcess
from ..driver_sql import DriverStatement, row_insert, write_rows
from ..errors import Conflict
from ..history.log import EVENT_COLUMNS, PendingEvent, chain_events, event_arrays, insert_events_after
from ..models import HistoryEvent, HumanTask, ProcessInstance
from . import outbox
from .collaborators import Collaborators
from .execution import StepResult
from .modelled_copies import make_copies
from .placeholders import kept_in_step, render_title
from .step_plan import TaskPlan, follow_up_jobs, plan_tasks, step_messages, task_rows

__all__ = ["InstanceChanges", "Step", "TaskAction", "fill_task_events", "insert_tasks", "workflow_changes",
           "write_step"]
# Core tables, not ORM entities: the statements of a step skip the ORM's bulk-update machinery.
TASKS: Table = HumanTask.__table__  # type: ignore[assignment]
INSTANCES: Table = ProcessInstance.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryEvent.__table__  # type: ignore[assignment]


@dataclass
class InstanceChanges:
    """Columns of the instance row that a step sets (None: leave as is)."""

    state_json: str | None = None
    data_json: str | None = None
    status: str | None = None
    end_event: str | None = None
    ended_at: datetime | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        values = {k: v for k, v in (
            ("state_json", self.state_json), ("data_json", self.data_json), ("status", self.status),
            ("end_event", self.end_event), ("ended_at", self.ended_at), ("title", self.title),
        ) if v is not None}
        values.update(self.extra)
        return values


@dataclass
class TaskAction:
    """The change to the task a person acted on, made only if it is still open and held as read."""

    task: HumanTask
    values: dict[str, Any]
    held_by: tuple[int | None, ...]  # who may hold it for the change to apply (None: nobody)
    conflict: str


@dataclass
class Step:
    """Everything one step of an instance writes; see the module docstring for the order."""

    instance: ProcessInstance
    events: list[PendingEvent]
    changes: InstanceChanges = field(default_factory=InstanceChanges)
    acted_on: TaskAction | None = None
    run: StepResult | None = None  # what the engine did, when the step ran the workflow
    process: DeployedProcess | None = None  # the version the run ran (needed with ``run``)
    close: list[str] = field(default_factory=list)  # spiff ids of open tasks to close besides the run's
    close_as: str = "cancelled"
    completed_task: str | None = None  # the step a person completed (for its notify-on-complete)
    notify: list[outbox.Message] = field(default_factory=list)
    task_updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # open task row id -> new values
    assign: dict[str, int] = field(default_factory=dict)  # new task spiff id -> its holder (unless the model names one)
    new_task_notice: tuple[str, str, str] | None = None  # (kind, subject, body) telling of the new tasks instead


def workflow_changes(process: DeployedProcess, run: StepResult, now: datetime) -> InstanceChanges:
    """The instance columns a workflow run sets: state, data, status, end and title."""
    return InstanceChanges(
        state_json=run.state_json, data_json=run.data_text(), status=run.status,
        end_event=run.end_event, ended_at=now if run.status != "running" else None,
        title=render_title(process.instance_title, kept_in_step(run.data, process.tasks))[:300]
        if process.instance_title else None,
    )


def write_step(session: Session, collaborators: Collaborators, step: Step, now: datetime) -> dict[str, int]:
    """Write one step that happened at ``now``; return the human tasks it created (spiff id -> row id).

    :raise Conflict: the acted-on task or the instance changed since they were read.
    :raise ProcessError: a new task's person or due window cannot be resolved from the data.
    """
    instance, run, process = step.instance, step.run, step.process
    # PostgreSQL: the acted-on task changes in the statement that inserts the new tasks (a round trip fewer).
    with_new = (step.acted_on if step.acted_on is not None and run is not None and run.new_tasks
                and session.get_bind().dialect.name == "postgresql" else None)
    if step.acted_on is not None and with_new is None:
        _apply_action(session, step.acted_on)
    created: dict[str, int] = {}
    plan = TaskPlan()
    gone = list(step.close)
    if run is not None and process is not None:
        [plan] = plan_tasks(session, collaborators, process, [run], now, instance.started_by_id)
        for spiff_id, user_id in step.assign.items():
            plan.assignees.setdefault(spiff_id, user_id)
        created = insert_tasks(session, task_rows(instance.id, process.id, run.new_tasks, plan, now), with_new)
        skip = step.acted_on.task.spiff_task_id if step.acted_on else None
        gone += [t for t in run.gone_task_ids if t != skip]
        _keep_timer_job(session, instance, run, step.changes, now)
    fill_task_events(step.events, created, plan)
    if run is not None and process is not None:
        for copy in make_copies(session, process, run, step.completed_task, instance,
                                step.changes.title or instance.title, now):
            step.events.append(copy.event)
            step.notify.append(copy.message)
    _close_tasks(session, gone, step.close_as, now)
    for task_id, values in step.task_updates.items():
        session.execute(update(TASKS).where(TASKS.c.id == task_id, TASKS.c.state == "open").values(**values))
    if step.changes.status not in (None, "running"):
        outbox.cancel_jobs_of_ended(session, instance.id, now)
    messages = list(step.notify)
    if run is not None and process is not None:
        messages += step_messages(session, process, run, instance.id, step.changes.title or instance.title,
                                  created, plan, instance.started_by_id, step.completed_task)
    if step.new_task_notice is not None:
        for message in messages:
            if message.kind == "new_task":
                message.kind, message.subject, message.body = step.new_task_notice
    notices = outbox.notification_rows(session, messages, now)
    jobs = follow_up_jobs(instance.id, created, plan.due, now)
    if collaborators.email_enabled:
        jobs += outbox.email_jobs(notices)
    _update_instance(session, instance, step, now, outbox.job_rows(jobs, now), notices)
    return created


def fill_task_events(events: list[PendingEvent], created: dict[str, int], plan: TaskPlan) -> None:
    """Task events carry the new task's row id and deadline, and the proxy it went to for someone away."""
    for event in events:
        if event.kind == "task_created":
            spiff_id = str(event.payload.get("task_id"))
            event.human_task_id = event.human_task_id or created.get(spiff_id)
            if spiff_id in plan.due:
                event.payload["due_at"] = plan.due[spiff_id].isoformat()
            if spiff_id in plan.on_behalf:
                stand = plan.on_behalf[spiff_id]
                event.payload.update(proxy=stand.proxy, on_behalf_of=stand.absent)
            if spiff_id in plan.no_holder:
                event.payload["no_holder"] = plan.no_holder[spiff_id]


# The hot path's statements are built once per shape and run on the driver's cursor with their values bound
# (building a statement, and SQLAlchemy's execution of a built one, cost more Python than the database spends
# running it): ``engine.driver_sql``.
_STATEMENTS: dict[Hashable, DriverStatement] = {}


def prepared(shape: Hashable, build: Callable[[], ClauseElement]) -> DriverStatement:
    """The statement of ``shape``, built on first use. Its values are bound at each execution (``b_`` names)."""
    statement = _STATEMENTS.get(shape)
    if statement is None:
        statement = _STATEMENTS.setdefault(shape, DriverStatement(build()))
    return statement


def _action_statement(action: TaskAction) -> tuple[Callable[[], Update], Hashable, dict[str, Any]]:
    """The guarded update of the acted-on task: how to build it, its shape and its values."""
    nobody, ids = None in action.held_by, [h for h in action.held_by if h is not None]
    names = tuple(sorted(action.values))

    def build() -> Update:  # one bound value per holder, not an expanding IN (re-rendered at each execution)
        holders: list[ColumnElement[bool]] = [TASKS.c.assignee_id.is_(None)] if nobody else []
        holders += [TASKS.c.assignee_id == bindparam(f"b_held{i}") for i in range(len(ids))]
        return (update(TASKS).where(TASKS.c.id == bindparam("b_id"), TASKS.c.state == "open", or_(*holders))
                .values({name: bindparam(f"b_{name}") for name in names}))

    params = {f"b_{name}": value for name, value in action.values.items()}
    params.update({f"b_held{i}": held for i, held in enumerate(ids)}, b_id=action.task.id)
    return build, ("act", names, nobody, len(ids)), params


def _apply_action(session: Session, action: TaskAction) -> None:
    build, shape, params = _action_statement(action)
    if prepared(shape, build).run(session, params).rowcount != 1:
        raise Conflict(action.conflict)


MANY_AT_ONCE = 16  # up to this many new tasks go in one statement of their number's shape; more, in batches
TASK_COLUMNS = ("instance_id", "definition_id", "spiff_task_id", "name", "lane", "state", "created_at", "assignee_id",
                "due_at", "round_id", "on_behalf_of_id", "unit_scope")


def insert_tasks(session: Session, rows: list[dict[str, Any]], after: TaskAction | None = None) -> dict[str, int]:
    """Insert human task rows; return spiff task id -> new row id.

    ``after``: on PostgreSQL, the acted-on task's change, made in the same statement; the rows are inserted only
    if it applied. :raise Conflict: it did not.
    """
    if not rows:
        return {}
    if after is None:
        created: dict[str, int] = {}
        for start in range(0, len(rows), MANY_AT_ONCE):
            batch = rows[start:start + MANY_AT_ONCE]
            statement = prepared(("tasks", len(batch)), partial(_tasks_insert, len(batch)))
            values = {f"b_{name}{i}": row[name] for i, row in enumerate(batch) for name in TASK_COLUMNS}
            created.update({spiff_id: row_id for row_id, spiff_id in statement.run(session, values).rows})
        return created
    build, shape, params = _action_statement(after)
    statement = prepared(("act+tasks", shape), lambda: insert_from_arrays(
        TASKS, TASK_COLUMNS, "b_t_", build().returning(TASKS.c.id).cte("act")).returning(
        TASKS.c.id, TASKS.c.spiff_task_id))
    params.update(array_values(rows, TASK_COLUMNS, "b_t_"))
    created = {spiff_id: row_id for row_id, spiff_id in statement.run(session, params).rows}
    if len(created) != len(rows):
        raise Conflict(after.conflict)
    return created


def _tasks_insert(count: int) -> Insert:
    """``count`` new task rows in one statement (``b_<column><i>``), returning their ids."""
    return insert(TASKS).values([{name: bindparam(f"b_{name}{i}") for name in TASK_COLUMNS} for i in range(count)]
                                ).returning(TASKS.c.id, TASKS.c.spiff_task_id)


def _close_update(count: int) -> Update:
    """Close the open tasks of ``count`` spiff ids (``b_id<i>``) as ``b_state`` at ``b_now``."""
    return (update(TASKS).where(TASKS.c.spiff_task_id.in_([bindparam(f"b_id{i}") for i in range(count)]),
                                TASKS.c.state == "open")
            .values(state=bindparam("b_state"), completed_at=bindparam("b_now")))


def _close_tasks(session: Session, spiff_ids: list[str], state: str, now: datetime) -> None:
    for start in range(0, len(spiff_ids), MANY_AT_ONCE):  # a step closes a few: one bound value each, kept built
        batch = spiff_ids[start:start + MANY_AT_ONCE]
        statement = prepared(("close", len(batch)), partial(_close_update, len(batch)))
        params = {f"b_id{i}": spiff_id for i, spiff_id in enumerate(batch)}
        statement.run(session, {**params, "b_state": state, "b_now": now})


def _keep_timer_job(
    session: Session, instance: ProcessInstance, run: StepResult, changes: InstanceChanges, now: datetime,
) -> None:
    """One pending timer job per instance, due when its earliest waiting timer is."""
    wanted = None if run.next_timer_at is None else aware_utc(run.next_timer_at)
    known = None if instance.next_timer_at is None else aware_utc(instance.next_timer_at)
    if wanted == known:
        return
    changes.extra["next_timer_at"] = run.next_timer_at
    if known is not None:
        outbox.cancel_pending(session, "timer", instance.id, now)
    if run.next_timer_at is not None:
        outbox.schedule_jobs(session, [{"kind": "timer", "due_at": run.next_timer_at, "instance_id": instance.id,
                                        "payload": {"due_at": run.next_timer_at.isoformat()}}], now)


def _update_instance(session: Session, instance: ProcessInstance, step: Step, now: datetime,
                     jobs: list[dict[str, Any]], notices: list[dict[str, Any]]) -> None:
    """The instance row, guarded by the version read, then the step's events, jobs and notifications: on
    PostgreSQL in one statement (one round trip), the events inserted only if the row moved."""
    rows, seq, head = chain_events(instance.id, instance.history_seq, instance.history_head, step.events, now)
    values = step.changes.values()
    if values.get("status") == instance.status:  # unchanged, not set: SQLite would rewrite its index entry
        del values["status"]
    values.update(version=instance.version + 1, history_seq=seq, history_head=head)
    names = tuple(sorted(values))

    def moved() -> Update:
        return (update(INSTANCES).where(INSTANCES.c.id == bindparam("b_id"),
                                        INSTANCES.c.version == bindparam("b_version"))
                .values({name: bindparam(f"b_{name}") for name in names}))

    params = {f"b_{name}": value for name, value in values.items()}
    params.update(b_id=instance.id, b_version=instance.version)
    together = bool(rows) and session.get_bind().dialect.name == "postgresql"
    if not together:
        if prepared(("instance", names), moved).run(session, params).rowcount != 1:
            raise Conflict(f"instance {instance.id} was changed by someone else; reload and try again")
        for statement, table_rows in ((_EVENT_ROWS, rows), (_JOB_ROWS, jobs), (_NOTICE_ROWS, notices)):
            if table_rows:
                write_rows(session, statement, table_rows)
        return

    def build() -> ClauseElement:
        statement = insert_events_after(moved().returning(INSTANCES.c.id).cte("moved"))
        if jobs:
            statement = statement.add_cte(insert_from_arrays(outbox.JOBS, JOB_COLUMNS, "b_j_").cte("jobs"))
        if notices:
            notes = insert_from_arrays(outbox.NOTIFICATIONS, NOTICE_COLUMNS, "b_n_")
            statement = statement.add_cte(notes.cte("notices"))
        return statement

    params.update(event_arrays(rows))
    params.update(array_values(jobs, JOB_COLUMNS, "b_j_"))
    params.update(array_values(notices, NOTICE_COLUMNS, "b_n_"))
    written = prepared(("instance+", names, bool(jobs), bool(notices)), build).run(session, params).rows
    if len(written) != len(rows):
        raise Conflict(f"instance {instance.id} was changed by someone else; reload and try again")


JOB_COLUMNS = ("kind", "state", "due_at", "instance_id", "human_task_id", "payload_json", "attempts", "max_attempts",
               "created_at")
NOTICE_COLUMNS = ("user_id", "kind", "subject", "body", "instance_id", "human_task_id", "dedupe_key", "created_at")
# SQLite: the step's rows of each table, inserted by the driver's ``executemany``
_EVENT_ROWS = row_insert(HISTORY, EVENT_COLUMNS)
_JOB_ROWS = row_insert(outbox.JOBS, JOB_COLUMNS)
_NOTICE_ROWS = row_insert(outbox.NOTIFICATIONS, NOTICE_COLUMNS)
