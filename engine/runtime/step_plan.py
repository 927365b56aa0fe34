"""What a step will write, worked out before anything is written: who each new task is for, when
it is due, the reminder and overdue jobs, and the notifications. Reads only; the writes are
``engine.runtime.step_writer``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..calendar import DurationInvalid, is_window_literal
from ..definitions.catalog import DeployedProcess
from ..definitions.unit_scope import STARTER_UNIT, scope_data_path
from ..errors import ProcessError
from ..models import OrgUnit, User
from ..org.absences import Stand, china_today
from ..org.revision_memo import RevisionMemo
from ..org.unit_heads import UnitHeadRule, unit_head_rule, unit_head_usernames
from . import outbox
from .collaborators import Collaborators
from .execution import ReadyTask, StepResult
from .placeholders import resolve

ADMIN_ROLE = "admin"  # who takes a step nobody holds the role of, by default (``_nobody_holds``)
REMIND_BEFORE = timedelta(days=1)
# Escalation waits this long after a deadline, so that a timer closing the step at its deadline
# (e.g. a self-assessment closed as not submitted) runs first and nobody is told of a step that is gone.
OVERDUE_GRACE = timedelta(minutes=1)


@dataclass
class TaskPlan:
    """For the new tasks of one run: the person each is for (relationship lanes, or a proxy), its deadline,
    whose task a proxy has in hand (代理), and who holds the roles of the tasks offered to a role."""

    assignees: dict[str, int] = field(default_factory=dict)  # spiff task id -> user id
    due: dict[str, datetime] = field(default_factory=dict)  # spiff task id -> deadline
    on_behalf: dict[str, Stand] = field(default_factory=dict)  # spiff task id -> the absent person and proxy
    holders: dict[str, list[int]] = field(default_factory=dict)  # role -> its active holders
    no_holder: dict[str, dict[str, str]] = field(default_factory=dict)  # spiff task id -> {role, rule, to}
    scopes: dict[str, str] = field(default_factory=dict)  # spiff task id -> its units (同部门: ",safety,")
    scoped_holders: dict[str, list[int]] = field(default_factory=dict)  # spiff task id -> the holders in scope


def plan_tasks(
    session: Session, collaborators: Collaborators, process: DeployedProcess, runs: list[StepResult], now: datetime,
    starter_id: int,
) -> list[TaskPlan]:
    """Plans for the new tasks of several runs, with one look-up of the people they name and one of the
    holders of their roles and of who stands in for those away (代理: ``engine.org.absences``).

    :raise ProcessError: a task for a person the data does not name, or a due window that is no duration; a
    role nobody holds, when the process says to refuse (``whenNoHolder``) or nobody can take the step instead.
    """
    wanted: list[dict[str, str]] = []
    plans = []
    unit_heads: dict[str, tuple[UnitHeadRule, dict[str, Any]]] = {}
    deadlines: dict[str, datetime] = {}
    for run in runs:
        people: dict[str, str] = {}
        plan = TaskPlan()
        for task in run.new_tasks:
            form = process.tasks.get(task.name)
            if form is None:
                continue
            if task.round_id:  # a countersign's task is for the person of the round it was made for
                people[task.spiff_id] = task.member
            elif form.assignee_path and (rule := unit_head_rule(form.assignee_path)) is not None:
                unit_heads[task.spiff_id] = (rule, run.data)
            elif form.assignee_path:
                people[task.spiff_id] = resolve(run.data, form.assignee_path)
            if task.name in process.unit_scopes and not task.round_id:
                plan.scopes[task.spiff_id] = process.unit_scopes[task.name]  # a scope; its units are found below
            if form.due_window:
                window = form.due_window if is_window_literal(form.due_window) else resolve(run.data, form.due_window)
                if window:
                    key = window if isinstance(window, str) else None  # a batch's runs share their windows:
                    due = deadlines.get(key) if key is not None else None  # one reckoning each
                    if due is None:
                        try:
                            due = collaborators.calendar.deadline(now, window)
                        except DurationInvalid as exc:
                            raise ProcessError(f"{task.name}: due window {form.due_window}: {exc}") from exc
                        if key is not None:
                            deadlines[key] = due
                    plan.due[task.spiff_id] = due
        wanted.append(people)
        plans.append(plan)
    _scope_units(session, runs, plans, starter_id)
    heads = unit_head_usernames(session, unit_heads, starter_id)
    for run, people in zip(runs, wanted, strict=True):
        people.update({t.spiff_id: heads[t.spiff_id] for t in run.new_tasks if t.spiff_id in heads})
    ids = outbox.user_ids(session, sorted({u for people in wanted for u in people.values()} - {""}))
    for run, people, plan in zip(runs, wanted, plans, strict=True):
        for spiff_id, username in people.items():
            if username not in ids:
                name = next(t.name for t in run.new_tasks if t.spiff_id == spiff_id)
                raise ProcessError(f"{name}: the person it is for ({username or 'nobody'!r}) is not a known user")
            plan.assignees[spiff_id] = ids[username]
    _route(session, collaborators.directory_memo, process, runs, plans, now, starter_id)
    return plans


def _scope_units(session: Session, runs: list[StepResult], plans: list[TaskPlan], starter_id: int) -> None:
    """Each scoped step's units (``unitScope``): the unit it names and those below it, as ",a,b,"; one read of
    the units, none when no step is scoped. :raise ProcessError: a unit that does not exist."""
    if not any(plan.scopes for plan in plans):
        return
    parents = dict(session.execute(select(OrgUnit.key, OrgUnit.parent_key)).tuples().all())
    starter_unit = session.scalar(select(User.unit_key).where(User.id == starter_id))
    for run, plan in zip(runs, plans, strict=True):
        for spiff_id, scope in plan.scopes.items():
            path = scope_data_path(scope)
            unit = starter_unit if scope == STARTER_UNIT else resolve(run.data, path) if path else scope
            if not unit or unit not in parents:
                step = next(t.name for t in run.new_tasks if t.spiff_id == spiff_id)
                where = "the starter's unit" if scope == STARTER_UNIT else f"unit {unit or scope!r}"
                raise ProcessError(f"{step}: the step is for its role within {where}, which is not a unit of the "
                                   "organisation")
            below = {unit}
            grown = True
            while grown:
                added = {key for key, parent in parents.items() if parent in below} - below
                below |= added
                grown = bool(added)
            plan.scopes[spiff_id] = "," + ",".join(sorted(below)) + ","


def _route(session: Session, memo: RevisionMemo, process: DeployedProcess, runs: list[StepResult],
           plans: list[TaskPlan], now: datetime, starter_id: int) -> None:
    """Who gets the new tasks, beyond what the model names.

    Out of office (代理): a task for someone away goes to their proxy; one offered to a role goes to a proxy only
    when every holder of the role is away (the first of them, by username, with a proxy who is in); otherwise
    those present take it from the role's queue as always. A role nobody holds (审批人为空): the process's
    ``whenNoHolder`` rule (``_nobody_holds``). One query for all of it (none when no task is new).
    """
    roles = sorted({t.lane for run, plan in zip(runs, plans, strict=True) for t in run.new_tasks
                    if t.name in process.tasks and t.spiff_id not in plan.assignees})
    people = sorted({uid for plan in plans for uid in plan.assignees.values()})
    asked = sorted({*roles, ADMIN_ROLE}) if roles else []  # the admins too, in case a role has nobody
    found = memo.holders(session, asked, people, china_today(now))
    scoped = {s for plan in plans for s in plan.scopes}
    units = dict(session.execute(select(User.id, User.unit_key).where(User.id.in_(sorted(
        {h for role in roles for h in found.by_role.get(role, [])})))).tuples().all()) if scoped else {}
    for run, plan in zip(runs, plans, strict=True):
        plan.holders = {role: found.by_role.get(role, []) for role in roles}
        for task in run.new_tasks:
            if task.name not in process.tasks:
                continue
            if task.spiff_id in plan.assignees:
                stand = found.stand_in.get(plan.assignees[task.spiff_id])
            else:
                holders = plan.holders[task.lane]
                if task.spiff_id in plan.scopes:  # 同部门: only the role's holders in the step's units
                    holders = [h for h in holders if f",{units.get(h)}," in plan.scopes[task.spiff_id]]
                    plan.scoped_holders[task.spiff_id] = holders
                if not holders:
                    _nobody_holds(session, process, task, plan, found.by_role.get(ADMIN_ROLE, []), starter_id)
                    continue
                stand = found.stand_in[holders[0]] if all(h in found.stand_in for h in holders) else None
            if stand is not None:
                plan.assignees[task.spiff_id] = stand.proxy_id
                plan.on_behalf[task.spiff_id] = stand


def _nobody_holds(session: Session, process: DeployedProcess, task: ReadyTask, plan: TaskPlan, admins: list[int],
                  starter_id: int) -> None:
    """A step whose role nobody (active) holds goes, by the process's rule, to an admin (``admins``, the first by
    username; the request starter's manager when there is no admin), to the starter's manager (``manager``; an
    admin when they have none), or is refused (``refuse``): never a task that nobody can see. :raise ProcessError:
    refused, or nobody to pass it to."""
    rule = process.when_no_holder
    if rule == "refuse":
        raise ProcessError(f"nobody holds the role {task.lane!r} that step {task.name!r} needs, and this process "
                           "refuses to go on then (whenNoHolder=refuse): ask an admin to give someone the role")
    admin = admins[0] if admins else None
    to = admin if rule == "admins" and admin is not None else _active_manager(session, starter_id) or admin
    if to is None:
        raise ProcessError(f"nobody holds the role {task.lane!r} that step {task.name!r} needs, and there is neither "
                           "an admin nor a manager of the requester to pass it to: give someone the role")
    plan.assignees[task.spiff_id] = to
    username = session.scalar(select(User.username).where(User.id == to)) or ""
    plan.no_holder[task.spiff_id] = {"role": task.lane, "rule": rule, "to": username}


def _active_manager(session: Session, user_id: int) -> int | None:
    manager = aliased(User)
    return session.scalar(select(manager.id).join(User, User.reports_to_id == manager.id).where(
        User.id == user_id, manager.active.is_(True)))


def task_rows(instance_id: int, definition_id: int, tasks: list[ReadyTask], plan: TaskPlan,
              now: datetime) -> list[dict[str, Any]]:
    return [{
        "instance_id": instance_id, "definition_id": definition_id, "spiff_task_id": t.spiff_id,
        "name": t.name, "lane": t.lane, "state": "open", "created_at": now,
        "assignee_id": plan.assignees.get(t.spiff_id), "due_at": plan.due.get(t.spiff_id),
        "round_id": t.round_id or None,
        "on_behalf_of_id": plan.on_behalf[t.spiff_id].absent_id if t.spiff_id in plan.on_behalf else None,
        "unit_scope": plan.scopes.get(t.spiff_id),
    } for t in tasks]


def follow_up_jobs(instance_id: int, created: dict[str, int], due: dict[str, datetime],
                   now: datetime) -> list[dict[str, Any]]:
    """A reminder a day before each deadline (at once for shorter windows), and an overdue check after it."""
    jobs = []
    for spiff_id, due_at in due.items():
        task_id = created.get(spiff_id)
        jobs.append({"kind": "reminder", "due_at": max(now, due_at - REMIND_BEFORE), "instance_id": instance_id,
                     "human_task_id": task_id})
        jobs.append({"kind": "overdue", "due_at": due_at + OVERDUE_GRACE, "instance_id": instance_id,
                     "human_task_id": task_id})
    return jobs


def step_label(process: DeployedProcess, name: str) -> str:
    """A step's title in both languages, for notification subjects (one subject serves every reader)."""
    form = process.tasks.get(name)
    if form is None:
        return name
    return f"{form.title_zh} · {form.title}" if form.title_zh else form.title


def end_label(process: DeployedProcess, end_event: str | None) -> str:
    """The end an instance reached, in both languages ("方案已否决 · Plan vetoed"), from its end event's
    name and ``titleZh`` property; the event's id when it has no name."""
    spec, subprocess_specs = process.specs
    for some_spec in (spec, *subprocess_specs.values()):
        for task_spec in some_spec.task_specs.values():
            if end_event is not None and getattr(task_spec, "bpmn_id", None) == end_event:
                name = getattr(task_spec, "bpmn_name", None) or end_event
                extensions = getattr(task_spec, "extensions", None) or {}
                chinese = (extensions.get("properties") or {}).get("titleZh", "")
                return f"{chinese} · {name}" if chinese else str(name)
    return end_event or "ended"


def step_messages(
    session: Session, process: DeployedProcess, run: StepResult, instance_id: int, title: str,
    created: dict[str, int], plan: TaskPlan, starter_id: int, completed_task: str | None = None,
    holders: dict[str, list[int]] | None = None,
) -> list[outbox.Message]:
    """New tasks to whoever may take them; a countersign's end to those whose part of it was closed
    unfinished; a decision to those the step names; the end reached to the starter and those the process
    names (``notifyOnEnd``, e.g. the appraised employee).

    ``holders`` caches the people of each role across the steps of one batch.
    """
    holders = {} if holders is None else holders
    messages = []
    for task in run.new_tasks:
        label = step_label(process, task.name)
        if task.spiff_id in plan.assignees:
            recipients = [plan.assignees[task.spiff_id]]
        elif task.spiff_id in plan.scoped_holders:
            recipients = plan.scoped_holders[task.spiff_id]
        elif task.lane in plan.holders:
            recipients = plan.holders[task.lane]
        else:
            if task.lane not in holders:
                holders[task.lane] = outbox.users_with_role(session, task.lane)
            recipients = holders[task.lane]
        stand = plan.on_behalf.get(task.spiff_id)
        behalf = f" (代 {stand.absent} 处理 · on behalf of {stand.absent})" if stand else ""
        messages.append(outbox.Message(recipients, "new_task", f"新任务 New task: {label} — {title}{behalf}",
                                       instance_id=instance_id, human_task_id=created.get(task.spiff_id)))
    for event in run.events:  # a countersign that ended early: its open tasks closed, their people told
        closed = event.payload.get("closed") if event.kind == "countersign_ended" else None
        if closed:
            people = outbox.user_ids(session, [str(u) for u in closed])
            messages.append(outbox.Message(list(people.values()), "round_closed",
                                           f"会签已结束 Countersign ended: {step_label(process, str(event.task_name))}"
                                           f" — {title}", instance_id=instance_id))
    form = process.tasks.get(completed_task) if completed_task else None
    if form is not None and form.notify_on_complete:
        people = outbox.user_ids(session, [resolve(run.data, p) for p in form.notify_on_complete])
        messages.append(outbox.Message(list(people.values()), "decided",
                                       f"已决定 Decided: {step_label(process, form.name)} — {title}",
                                       instance_id=instance_id))
    if run.status == "completed":
        named = outbox.user_ids(session, [resolve(run.data, p) for p in process.notify_on_end]) \
            if process.notify_on_end else {}
        messages.append(outbox.Message([starter_id, *named.values()], "result",
                                       f"结果 Result: {end_label(process, run.end_event)} — {title}",
                                       instance_id=instance_id))
    return messages
