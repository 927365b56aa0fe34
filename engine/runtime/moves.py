"""The moves around a task or a request that its people make (issue 19): transfer (转办), urge (催办),
withdraw (撤回) and start again (重新发起).

Transfer moves an open task to a named colleague, who holds it from then on; to whom is the process's
``transferRule`` (read at deploy, ``DeployedProcess.transfer_rule``):

- ``anyone``: any active user;
- ``department``: someone of the holder's department (the reporting tree of the holder's highest manager
  below the top of the organisation: li.na's marketing department for wang.lei);
- ``role``: holders of the step's role only;
- none (the default): holders of the step's role, or people the holder's manager manages (and, when a manager
  moves it, the people below that manager: the dispatch right).

"The holder" is whoever holds the task, or, while nobody does, whoever transfers it. Not while a delegate or
an added signer acts on it (委派, 加签): it moves once it is back with its holder, and the signers still to be
asked after the holder then sign after the new one. Urge reminds a task's holders, at most once an hour per
task (``URGE_EVERY``); a countersign's round is urged as one: everyone in it who has not decided is told, and
the hour is the round's. Withdraw ends a request its starter regrets while
nobody has acted on it (``acted_on``), as a cancel does, at the end ``withdrawn``. Each is one step on the
instance's record (``task_transferred``, ``task_urged``, ``instance_withdrawn``); each function runs in the
caller's transaction and never commits.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..clock import aware_utc, utc_iso
from ..definitions.catalog import DeployedProcess
from ..errors import Conflict, InvalidInput, NotAllowed, TooSoon
from ..history.log import PendingEvent
from ..models import ApprovalStep, HistoryEvent, HumanTask, ProcessInstance, User
from ..org import queues, rights
from ..org.absences import away_on, china_today
from ..org.people import Actor, load_actor, managers_of, relationship_roles, subordinates_of
from ..text_input import checked_reason, text_problem
from .collaborators import Collaborators
from .handover import acting_now
from .instances import end_instance, load_instance, may_start
from .outbox import Message, users_with_role
from .step_plan import step_label
from .step_writer import Step, TaskAction, write_step
from .task_loading import load_task
from .views import Instance, OfferedMoves, RestartData, Transfer, Urged, Withdrawn

MAX_REASON_LENGTH = 1000
URGE_EVERY = timedelta(hours=1)
WITHDRAWN = "withdrawn"  # the end a withdrawn request shows (its status is "cancelled")
# Ends a request may be started again from (重新发起): it did not go through.
RESTARTABLE_ENDS = frozenset({WITHDRAWN, "vetoed", "rejected", "returned"})
# History events that are not someone acting on a request (the engine's own steps, and moves around it).
NOT_ACTING = frozenset({"instance_started", "task_created", "gateway_path", "data_changed", "instance_ended",
                        "task_urged", "instance_copied", "reminder_sent", "task_overdue", "timer_fired",
                        "task_expired", "error", "separation_refused"})


def _reason(reason: str, what: str) -> str:
    return checked_reason(reason, what, MAX_REASON_LENGTH)


def _require_open(task: HumanTask) -> None:
    if task.state != "open":
        raise Conflict(f"task {task.id} is already {task.state}")


def _require_with_holder(session: Session, task: HumanTask) -> None:
    """:raise Conflict: a delegate or an added signer acts on the task now (委派, 加签): moving it under them would
    leave their turn to nobody; it may be moved once it is back with its holder."""
    acting = acting_now(session, task)
    if acting is not None:
        raise Conflict(f"task {task.id} is with {acting[0]} now; it can be moved once it is back with {acting[1]}")


# -- transfer (转办) ------------------------------------------------------------------------------
def department_head(session: Session, user_id: int) -> int:
    """The head of someone's department: their highest manager below the top of the organisation (themself,
    when they report to the top or to nobody)."""
    line = [user_id, *managers_of(session, user_id)]
    return line[-2] if len(line) >= 2 else line[-1]


def may_receive(session: Session, process: DeployedProcess, task: HumanTask, holder_id: int, actor: Actor,
                target: Actor) -> bool:
    """Whether the process's transfer rule lets ``target`` receive ``task`` from ``holder_id`` (moved by
    ``actor``: the holder, or a manager above them, who may also give it to the people below them)."""
    rule = process.transfer_rule
    if rule == "anyone":
        return True
    if rule == "role":
        return queues.in_queue(target, task.lane, task.unit_scope)
    if rule == "department":
        return department_head(session, holder_id) == department_head(session, target.id)
    if queues.in_queue(target, task.lane, task.unit_scope):
        return True
    manager = managers_of(session, holder_id)[:1]
    if manager and target.id in subordinates_of(session, manager[0]):
        return True
    return _as_manager(actor, task) and target.id in subordinates_of(session, actor.id)


def _as_manager(actor: Actor, task: HumanTask) -> bool:
    """Whether ``actor`` moves a task as a manager above its holder(s), not as one who may work on it."""
    return task.assignee_id != actor.id and task.lane not in actor.roles


def rule_text(rule: str) -> str:
    return {"anyone": "anyone", "department": "people of the holder's department",
            "role": "holders of the step's role"}.get(rule, "holders of the step's role and people the holder's "
                                                              "manager manages")


def transfer_task(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, to_username: str,
                  reason: str) -> Transfer:
    """Move an open task to a named colleague with a reason; they hold it from then on and are told.

    :raise NotAllowed: the actor neither holds it nor is above its holder, the task is for one person of the
        instance, or the process's transfer rule excludes the colleague.
    :raise Conflict: the task is finished (or changed meanwhile). :raise UserNotFound: no such active colleague.
    :raise InvalidInput: no reason, the task's own holder named, or the colleague is away today (out of office).
    """
    task, instance = load_task(session, task_id)
    rights.require_transfer(session, actor, task, relationship_roles(session))
    _require_open(task)
    _require_with_holder(session, task)
    text = _reason(reason, "transfer a task")
    target = load_actor(session, (to_username or "").strip())
    holder_id = task.assignee_id or actor.id
    if target.id == holder_id or target.id == actor.id:
        raise InvalidInput(f"task {task.id} cannot be transferred to {target.username}: "
                           "choose someone other than its holder and yourself")
    away = away_on(session, [target.id], china_today(collaborators.clock())).get(target.id)
    if away is not None:  # they would not see it until they are back: their proxy gets new tasks, not moved ones
        raise InvalidInput(f"{target.username} is away from {away[0].isoformat()} to {away[1].isoformat()}: ask "
                           f"someone who is in (their proxy is {away[2]})")
    process = collaborators.catalog.get(session, instance.definition_id)
    if not may_receive(session, process, task, holder_id, actor, target):
        raise NotAllowed(f"{process.key} transfers its steps only to {rule_text(process.transfer_rule)}; "
                         f"{target.username} is not one of them")
    before = session.scalar(select(User.username).where(User.id == task.assignee_id)) if task.assignee_id else None
    _move(session, collaborators, actor, task, instance, process, target, text, {"from": before})
    return {"id": task.id, "instance_id": instance.id, "from": before, "to": target.username, "reason": text}


def _move(session: Session, collaborators: Collaborators, actor: Actor, task: HumanTask, instance: ProcessInstance,
          process: DeployedProcess, target: Actor, text: str, recorded: dict[str, Any]) -> None:
    """Give ``task`` to ``target`` for ``text``: one step on the instance's record (``task_transferred``, with
    ``recorded`` in its payload); the new holder is told, and so is the old one when someone else moved it."""
    label = step_label(process, task.name)
    told = [Message([target.id], "transferred", f"转办 Transferred: {label} — {instance.title}",
                    body=f"{actor.display_name}: {text}", instance_id=instance.id, human_task_id=task.id)]
    if task.assignee_id is not None and task.assignee_id != actor.id:  # a manager moved it: its holder learns why
        told.append(Message([task.assignee_id], "transferred", f"已转办 Transferred away: {label} — {instance.title}",
                            body=f"{actor.display_name} → {target.display_name}: {text}", instance_id=instance.id,
                            human_task_id=task.id))
    action = TaskAction(task, {"assignee_id": target.id, "assigned_by_id": actor.id or None, "on_behalf_of_id": None},
                        (task.assignee_id,), f"task {task.id} was changed by someone else; reload and try again")
    session.execute(update(ApprovalStep).where(  # signers still to be asked now sign after the new holder
        ApprovalStep.human_task_id == task.id, ApprovalStep.state.in_(("waiting", "pending")))
        .values(owner_id=target.id).execution_options(synchronize_session=False))
    write_step(session, collaborators, Step(instance, [PendingEvent(
        "task_transferred", actor.username, task.name, task.id,
        payload={**recorded, "to": target.username, "reason": text})], acted_on=action, notify=told),
        collaborators.clock())


def hand_over_task(session: Session, collaborators: Collaborators, actor: Actor, task: HumanTask,
                   leaver: Actor, target: Actor) -> None:
    """Pass an open task of someone who leaves to ``target`` (移交), as ``actor`` (who administers the
    organisation: the leaver's deactivation checked the right, and the process's transfer rule does not apply);
    the instance's record says "handed over from" the leaver. Runs in the caller's transaction.

    :raise Conflict: the task is finished, or changed meanwhile.
    """
    _require_open(task)
    # Read anew: a step written before in this transaction (another of the leaver's tasks) moved its version.
    instance = session.get(ProcessInstance, task.instance_id, populate_existing=True)
    assert instance is not None  # a task's instance is never deleted
    process = collaborators.catalog.get(session, instance.definition_id)
    _move(session, collaborators, actor, task, instance, process, target, f"handed over from {leaver.display_name}",
          {"from": leaver.username, "handed_over": True})


def transfer_candidates(session: Session, collaborators: Collaborators, actor: Actor, task_id: int) -> list[str]:
    """The usernames ``actor`` may transfer a task to, in order (none when they may not transfer it): the
    people ``may_receive`` lets in, worked out as sets rather than person by person."""
    task, instance = load_task(session, task_id)
    if actor.is_operator or not rights.may_transfer(session, actor, task, relationship_roles(session)):
        return []
    if acting_now(session, task) is not None:  # with a delegate or signer now: not moved until it is back
        return []
    rule = collaborators.catalog.get(session, instance.definition_id).transfer_rule
    holder_id = task.assignee_id or actor.id
    query = select(User.username).where(User.active.is_(True), User.id.not_in([holder_id, actor.id]))
    if rule != "anyone":
        allowed = set(users_with_role(session, task.lane)) if rule in ("", "role") else set()
        if rule == "department":
            head = department_head(session, holder_id)
            allowed |= subordinates_of(session, head) | {head}
        elif rule == "":
            allowed |= {p for m in managers_of(session, holder_id)[:1] for p in subordinates_of(session, m)}
            if _as_manager(actor, task):
                allowed |= subordinates_of(session, actor.id)
        query = query.where(User.id.in_(sorted(allowed)))
    return list(session.scalars(query.order_by(User.username)))


# -- urge (催办) ----------------------------------------------------------------------------------
def _holders(session: Session, task: HumanTask) -> list[int]:
    return [task.assignee_id] if task.assignee_id is not None else users_with_role(session, task.lane)


def urged_together(session: Session, task: HumanTask) -> list[HumanTask]:
    """The tasks one urge reminds: a countersign's open tasks (会签: the round is urged as one, so that everyone
    who has not decided is told), else the task alone."""
    if not task.round_id:
        return [task]
    return list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == task.instance_id, HumanTask.round_id == task.round_id, HumanTask.state == "open")
        .order_by(HumanTask.id)))


def last_urged(session: Session, task: HumanTask) -> datetime | None:
    """When a task (or the countersign round it is part of) was last urged (its record says), or None."""
    ids = [t.id for t in urged_together(session, task)] if task.round_id else [task.id]
    at = session.scalar(select(func.max(HistoryEvent.occurred_at)).where(
        HistoryEvent.instance_id == task.instance_id, HistoryEvent.kind == "task_urged",
        HistoryEvent.human_task_id.in_(ids)))
    return aware_utc(at) if at is not None else None


def urge_task(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, note: str = "") -> Urged:
    """Remind the holder(s) of an open task (all holders of its role while nobody holds it): a notification,
    and an e-mail where mail is set up.

    :raise NotAllowed: the actor is neither the instance's starter nor above the task's holder.
    :raise Conflict: the task is finished. :raise TooSoon: it was urged less than an hour ago.
    """
    task, instance = load_task(session, task_id)
    if not rights.may_urge(session, actor, task, instance):
        raise NotAllowed(f"{actor.username} may not urge task {task.id}: only the request's starter and the "
                         "managers above its holder may")
    _require_open(task)
    text = (note or "").strip()
    if len(text) > MAX_REASON_LENGTH or text_problem(text):
        raise InvalidInput(f"the note must be printable text of at most {MAX_REASON_LENGTH} characters")
    now = collaborators.clock()
    last = last_urged(session, task)
    if last is not None and now < last + URGE_EVERY:
        again = last + URGE_EVERY
        raise TooSoon(f"task {task.id} was urged at {utc_iso(last)}; it may be urged again from {utc_iso(again)}",
                      utc_iso(again), max(1, int((again - now).total_seconds() + 0.999)))
    process = collaborators.catalog.get(session, instance.definition_id)
    body = f"{actor.display_name} 催办 asks you to handle it." + (f" {text}" if text else "")
    subject = f"催办 Please handle: {step_label(process, task.name)} — {instance.title}"
    messages, holders = [], set()
    for each in urged_together(session, task):  # each is told with a link to their own task
        theirs = [h for h in _holders(session, each) if h != actor.id and h not in holders]
        holders.update(theirs)
        if theirs:
            messages.append(Message(theirs, "urged", subject, body=body, instance_id=instance.id,
                                    human_task_id=each.id))
    names = list(session.scalars(select(User.username).where(User.id.in_(holders)).order_by(User.username))) \
        if holders else []
    write_step(session, collaborators, Step(instance, [PendingEvent(
        "task_urged", actor.username, task.name, task.id, payload={"told": names, **({"note": text} if text else {})})],
        notify=messages), now)
    return {"id": task.id, "instance_id": instance.id, "told": names, "next_at": utc_iso(now + URGE_EVERY)}


def urge_offers(session: Session, actor: Actor, started: list[Instance], now: datetime) -> dict[int, str | None]:
    """The open steps of running requests ``actor`` started (``started``: a page of them) that they may urge, but
    those they hold themselves: by task id, from when it may be urged again (None: now). One query, none for no
    step."""
    steps = {step["id"]: request["id"] for request in started
             if request["status"] == "running" and request["started_by"] == actor.username
             for step in request["open_tasks"] if step["assignee"] != actor.username}
    if not steps or actor.is_operator:
        return {}
    rows = session.execute(select(HistoryEvent.human_task_id, func.max(HistoryEvent.occurred_at)).where(
        HistoryEvent.instance_id.in_(sorted(set(steps.values()))), HistoryEvent.kind == "task_urged",
        HistoryEvent.human_task_id.in_(sorted(steps))).group_by(HistoryEvent.human_task_id)).all()
    again = {int(task_id): aware_utc(at) + URGE_EVERY for task_id, at in rows}
    return {task_id: utc_iso(again[task_id]) if task_id in again and now < again[task_id] else None
            for task_id in steps}


# -- withdraw (撤回) ------------------------------------------------------------------------------
def acted_on(session: Session, instance: ProcessInstance, starter: str) -> list[tuple[str, str]]:
    """What people did on a request since it started, (kind, who), oldest first: claims, completions,
    assignments, transfers, others' comments... (urges, copies, the starter's own comments and the engine's
    own steps do not count)."""
    rows = session.execute(select(HistoryEvent.kind, HistoryEvent.actor).where(
        HistoryEvent.instance_id == instance.id, HistoryEvent.actor.is_not(None),
        HistoryEvent.kind.not_in(sorted(NOT_ACTING))).order_by(HistoryEvent.seq)).all()
    return [(kind, who) for kind, who in rows if not (kind == "comment_added" and who == starter)]


def withdraw_instance(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
                      reason: str) -> Withdrawn:
    """The starter withdraws a request nobody has acted on yet: it ends (cancelled, at ``withdrawn``), its open
    tasks close, and their holders are told.

    :raise NotAllowed: not its starter. :raise Conflict: it has ended, or someone has acted on it (the
        starter may urge the holder instead). :raise InvalidInput: no reason.
    """
    instance = load_instance(session, instance_id)
    if not rights.is_starter(actor, instance):
        raise NotAllowed(f"{actor.username} may not withdraw instance {instance.id}: only its starter may")
    if instance.status != "running":
        raise Conflict(f"instance {instance.id} is already {instance.status}")
    acted = acted_on(session, instance, actor.username)
    if acted:
        kind, who = acted[0]
        raise Conflict(f"instance {instance.id} can no longer be withdrawn: {who} has acted on it ({kind}); "
                       "you may urge the holder instead")
    text = _reason(reason, "withdraw a request")
    process = collaborators.catalog.get(session, instance.definition_id)
    holders: set[int] = set()
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.state == "open")):
        holders.update(_holders(session, task))
    holders.discard(actor.id)
    told = Message(sorted(holders), "result", f"已撤回 Withdrawn: {instance.title}",
                   body=f"{actor.display_name}: {text}", instance_id=instance.id)
    end_instance(session, collaborators, process, instance, PendingEvent(
        "instance_withdrawn", actor.username, None, payload={"reason": text}), WITHDRAWN, [told])
    return {"id": instance.id, "status": "cancelled", "end_event": WITHDRAWN, "reason": text}


# -- start again (重新发起) -----------------------------------------------------------------------
def restart_data(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int) -> RestartData:
    """What a new request started again from an ended one begins with: the latest version of its process and
    the start data it was started with (the fields the latest start form still has).

    :raise NotAllowed: not its starter, or they may no longer start the process.
    :raise Conflict: it is still running, or it went through (approved...): nothing to start again.
    """
    instance = load_instance(session, instance_id)
    if not rights.is_starter(actor, instance):
        raise NotAllowed(f"{actor.username} may not start instance {instance.id} again: only its starter may")
    if instance.status == "running" or (instance.status != "cancelled"
                                        and instance.end_event not in RESTARTABLE_ENDS):
        raise Conflict(f"instance {instance.id} is {instance.status} ({instance.end_event or 'no end'}): only a "
                       "withdrawn, cancelled or vetoed request may be started again")
    process = collaborators.catalog.latest(session, instance.process_key)
    if not may_start(collaborators, process, actor):
        raise NotAllowed(f"{actor.username} may not start {process.key!r}")
    payload = session.scalar(select(HistoryEvent.payload_json).where(
        HistoryEvent.instance_id == instance.id, HistoryEvent.kind == "instance_started"))
    start: Any = json.loads(payload).get("start_data") if payload else None
    fields = (process.start_form or {}).get("properties") or {}
    data = {key: value for key, value in start.items() if key in fields} if isinstance(start, dict) else {}
    return {"instance_id": instance.id, "process": process.key, "data": data}


# -- what a request's page offers ------------------------------------------------------------------
def offered_moves(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int) -> OfferedMoves:
    """The moves the request's page offers ``actor`` (the use cases check again when one is made).

    :raise NotAllowed: ``actor`` may not see the request.
    """
    instance = load_instance(session, instance_id)
    rights.require_see_instance(session, actor, instance)
    if actor.is_operator:
        return OfferedMoves((), False, False)
    starter = rights.is_starter(actor, instance)
    urge: tuple[int, ...] = ()
    withdraw = restart = False
    if instance.status == "running":
        tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.state == "open").order_by(HumanTask.id)).all()
        urge = tuple(t.id for t in tasks if rights.may_urge(session, actor, t, instance))
        withdraw = starter and not acted_on(session, instance, actor.username)
    elif starter and (instance.status == "cancelled" or instance.end_event in RESTARTABLE_ENDS):
        restart = may_start(collaborators, collaborators.catalog.latest(session, instance.process_key), actor)
    return OfferedMoves(urge, withdraw, restart)
