"""Handing a task on for a while: delegate it (委派), add signers before or after its holder (加签), remove an
added signer (减签); and what the delegate's submission and the signers' signatures do.

The BPMN model does not change: the workflow task stays READY until the holder (or, for a veto, an added signer
after them) completes it. The task's row says who acts now (``assignee_id``); ``ApprovalStep`` rows say for whom
(``owner_id``, the holder) and in which order:

* a delegate fills the step's form; the task comes back to the holder with that data filled in, to confirm
  (complete: "prepared by" the delegate is on the completion) or to send back (delegate again);
* signers before (前加签) sign one after another, in the order given; "approve" passes to the next, "return"
  brings the task straight back to the holder with their objection (the others are skipped): they advise, the
  holder decides;
* signers after (后加签) are asked only when the holder's decision approves (a return or veto goes on at once):
  the holder's decision is held (a "decision" row) and they sign one after another; when all approve, the step
  completes with the holder's decision. On a decision form, one who chooses another of its decisions (return
  for rework, veto...) completes the step with that decision and their comment, on the holder's behalf; on a
  form without a decision, "return" brings the task back to the holder (the other signers wait for the next
  submission);
* an added signer who has not acted may be removed by the holder; when it was their turn, it passes on.

One round at a time: the holder hands the task on only while it is with them. Each move is on the instance's
record (``task_delegated``, ``delegation_done``, ``signers_added``, ``task_signed``, ``awaiting_signers``,
``signer_removed``) and tells whoever must act next.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from ..definitions.forms import validate_form
from ..errors import Conflict, InvalidInput, NotAllowed, TaskNotFound
from ..history.log import PendingEvent
from ..models import ApprovalStep, DirectoryRevision, HumanTask, User
from ..org import rights
from ..org.absences import away_on, china_today
from ..org.people import Actor, Caller, acting, actor_by_id, load_actor
from ..org.revision_memo import note_revision
from ..text_input import checked_reason, text_problem
from .collaborators import Collaborators
from .handover import (
    ACTIVE,
    MAX_PEOPLE,
    MAX_REASON_LENGTH,
    POSITIONS,
    SIGNERS,
    TABLE,
    after,
    back_to_holder,
    choices_for,
    credits_of,
    decision_key,
    hand_back,
    hold_for_signers,
    next_seq,
    overrule,
    pass_on,
    pending_step,
    set_step,
    step_decisions,
    tell,
)
from .step_writer import Step, TaskAction, write_step
from .task_loading import load_task, read_task, task_and_instance
from .tasks import approval_steps, check_completer, open_form, run_completion
from .views import ApprovalRound, Completion


# -- checks ---------------------------------------------------------------------------------------------------
def _require_with_holder(session: Session, task: HumanTask, steps: list[ApprovalStep]) -> None:
    """:raise Conflict: the task is not open, or it is with a delegate or signer now."""
    if task.state != "open":
        raise Conflict(f"task {task.id} is already {task.state}")
    pending = pending_step(steps)
    if pending is not None:
        raise Conflict(f"task {task.id} is with {_username(session, pending.user_id)} now; it comes back to you "
                       "when they have acted")


def _username(session: Session, user_id: int) -> str:
    return str(session.scalar(select(User.username).where(User.id == user_id)))


def _reason(reason: str, required: bool = True) -> str:
    return checked_reason(reason, "ask someone to act on a task (they see it)", MAX_REASON_LENGTH, required)


def _people(session: Session, actor: Actor, names: list[str], steps: list[ApprovalStep], today: date) -> list[Actor]:
    """The people named, each once. :raise UserNotFound: :raise InvalidInput: nobody, oneself, a read-only
    role, someone already asked and not done, or someone away today (代理: the work would wait for their
    return; they are named with their dates and proxy, to be asked instead)."""
    wanted = list(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip()))
    if not wanted:
        raise InvalidInput("name at least one person")
    if len(wanted) > MAX_PEOPLE:
        raise InvalidInput(f"name at most {MAX_PEOPLE} people at once")
    people = [load_actor(session, name) for name in wanted]
    active = {s.user_id for s in steps if s.state in ACTIVE and s.kind != "decision"}
    for person in people:
        if person.id == actor.id:
            raise InvalidInput(f"{person.username} holds the task: name someone else")
        if person.roles and person.roles <= rights.READ_ONLY_ROLES:
            raise InvalidInput(f"{person.username} only reads (role {', '.join(sorted(person.roles))}); they "
                               "cannot act on a task")
        if person.id in active:
            raise InvalidInput(f"{person.username} was already asked to act on this task")
    away = away_on(session, [p.id for p in people], today)
    for person in people:
        if person.id in away:
            first, last, proxy = away[person.id]
            raise InvalidInput(f"{person.username} is away from {first.isoformat()} to {last.isoformat()}: ask "
                               f"someone who is in (their proxy is {proxy})")
    return people


# -- the holder's moves -------------------------------------------------------------------------------------
def delegate(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, to_username: str,
             reason: str) -> ApprovalRound:
    """Ask a colleague to do a task's work (委派); it comes back to the holder to confirm or send back.

    :raise NotAllowed: not the holder. :raise Conflict: not open, or with someone else now.
    :raise UserNotFound: :raise InvalidInput: no reason, oneself, a read-only role.
    """
    task, instance = load_task(session, task_id)
    steps = approval_steps(session, task.id)
    rights.require_hand_on(session, actor, task, "delegate")
    _require_with_holder(session, task, steps)
    text = _reason(reason)
    now = collaborators.clock()
    [target] = _people(session, actor, [to_username], steps, china_today(now))
    session.execute(insert(TABLE).values(
        human_task_id=task.id, instance_id=instance.id, kind="delegate", seq=next_seq(steps), user_id=target.id,
        owner_id=actor.id, state="pending", reason=text, decision=None, comment="", data_json=None,
        created_at=now, acted_at=None))
    again = any(s.kind == "delegate" and s.state == "done" for s in steps)
    payload: dict[str, Any] = {"to": target.username, "reason": text, **({"again": True} if again else {})}
    write_step(session, collaborators, Step(
        instance, [PendingEvent("task_delegated", actor.username, task.name, task.id, payload)],
        acted_on=TaskAction(task, {"assignee_id": target.id, "assigned_by_id": actor.id}, (None, actor.id),
                            f"task {task.id} was changed by someone else; reload and try again"),
        notify=[tell(target.id, "delegated", f"委派: {actor.display_name}请你办理",
                      f"{actor.display_name} delegated a task to you", task, instance, text)]), now)
    return after(session, collaborators, actor, task.id)


def add_signers(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, usernames: list[str],
                position: str, reason: str) -> ApprovalRound:
    """Add people who must approve before the holder (前加签) or after the holder's decision (后加签).

    :raise NotAllowed: not the holder. :raise Conflict: not open, or with someone else now.
    :raise UserNotFound: :raise InvalidInput: a position other than before/after, nobody, no reason...
    """
    task, instance = load_task(session, task_id)
    steps = approval_steps(session, task.id)
    rights.require_hand_on(session, actor, task, "add signers to")
    _require_with_holder(session, task, steps)
    if position not in POSITIONS:
        raise InvalidInput("position must be before or after")
    text = _reason(reason)
    now, seq = collaborators.clock(), next_seq(steps)
    people = _people(session, actor, usernames, steps, china_today(now))
    session.execute(insert(TABLE), [{
        "human_task_id": task.id, "instance_id": instance.id, "kind": position, "seq": seq + i, "user_id": p.id,
        "owner_id": actor.id, "state": "pending" if position == "before" and i == 0 else "waiting",
        "reason": text, "decision": None, "comment": "", "data_json": None, "created_at": now, "acted_at": None,
    } for i, p in enumerate(people)])
    first = people[0]
    to = first.id if position == "before" else actor.id
    notify = [tell(first.id, "sign", f"加签: {actor.display_name}请你先审批",
                    f"{actor.display_name} asks you to approve first", task, instance, text)] \
        if position == "before" else []
    write_step(session, collaborators, Step(
        instance, [PendingEvent("signers_added", actor.username, task.name, task.id, payload={
            "people": [p.username for p in people], "position": position, "reason": text})],
        acted_on=TaskAction(task, {"assignee_id": to}, (None, actor.id),
                            f"task {task.id} was changed by someone else; reload and try again"),
        notify=notify), now)
    return after(session, collaborators, actor, task.id)


def remove_signer(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, username: str,
                  reason: str = "") -> ApprovalRound:
    """Remove an added signer who has not acted yet (减签); when it was their turn, it passes on.

    :raise NotAllowed: not the holder. :raise Conflict: not open, or they have acted already.
    :raise UserNotFound: :raise InvalidInput: they were never added to this task.
    """
    task, instance = load_task(session, task_id)
    steps = approval_steps(session, task.id)
    rights.require_hand_on(session, actor, task, "remove signers from")
    if task.state != "open":
        raise Conflict(f"task {task.id} is already {task.state}")
    text = _reason(reason, required=False)
    target = load_actor(session, username)
    theirs = [s for s in steps if s.kind in SIGNERS and s.user_id == target.id]
    if not theirs:
        raise InvalidInput(f"{target.username} is not an added signer of task {task.id}")
    step = next((s for s in theirs if s.state in ACTIVE), None)
    if step is None:
        raise Conflict(f"{target.username} has already acted on task {task.id}; they can no longer be removed")
    now = collaborators.clock()
    set_step(session, step.id, state="removed", acted_at=now)
    event = PendingEvent("signer_removed", actor.username, task.name, task.id, payload={
        "person": target.username, "position": step.kind, **({"reason": text} if text else {})})
    if step.state == "waiting":
        write_step(session, collaborators, Step(instance, [event]), now)
    else:
        pass_on(session, collaborators, task, instance, steps, step, [event], now)
    return after(session, collaborators, actor, task.id)


# -- what the delegate and the signers do ---------------------------------------------------------------------
def sign(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, decision: str,
         comment: str = "") -> ApprovalRound:
    """An added signer whose turn it is approves, returns, or (after the holder, on a decision form) decides
    otherwise. :raise NotAllowed: not an added signer of the task. :raise Conflict: not their turn, or closed.
    :raise InvalidInput: a decision they may not take, or no comment for one other than approve.
    """
    task, instance = load_task(session, task_id)
    steps = approval_steps(session, task.id)
    if not rights.may_sign(session, actor, task):
        raise NotAllowed(f"{actor.username} was not asked to sign task {task.id}")
    if task.state != "open":
        raise Conflict(f"task {task.id} is already {task.state}")
    step = pending_step(steps)
    if step is None or step.user_id != actor.id or step.kind not in SIGNERS or task.assignee_id != actor.id:
        raise Conflict(f"task {task.id} is not waiting for {actor.username}'s signature")
    choices = choices_for(session, collaborators, task, instance, step)
    if decision not in choices:
        raise InvalidInput(f"decide one of: {', '.join(choices)}")
    text = (comment or "").strip()
    if len(text) > MAX_REASON_LENGTH or text_problem(text):
        raise InvalidInput(f"the comment must be printable text of at most {MAX_REASON_LENGTH} characters")
    if decision != "approve" and not text:
        raise InvalidInput("say why: a comment is needed unless you approve")
    now = collaborators.clock()
    owner = actor_by_id(session, step.owner_id)
    set_step(session, step.id, state="approved" if decision == "approve" else "returned", decision=decision,
             comment=text, acted_at=now)
    step.state = "approved" if decision == "approve" else "returned"
    event = PendingEvent("task_signed", actor.username, task.name, task.id, payload={
        "position": step.kind, "decision": decision, **({"comment": text} if text else {}),
        "for": owner.username})
    if decision == "approve":
        pass_on(session, collaborators, task, instance, steps, step, [event], now)
    elif step.kind == "before" or decision not in step_decisions(open_form(session, collaborators, task,
                                                                           instance)[3])[1]:
        back_to_holder(session, collaborators, task, instance, steps, step, [event], now, actor)
    else:
        overrule(session, collaborators, task, instance, steps, step, event, actor, owner, decision, text, now)
    return after(session, collaborators, actor, task.id)


# Built once: every submission runs it (building it cost more than running it). It reads the directory revision
# too, before the use case writes anything: the submitter and the holders of the next steps' roles are then known
# from memory while it stays (``engine.org.revision_memo``).
_TASK_INSTANCE_HANDED = task_and_instance(
    exists().where(ApprovalStep.human_task_id == HumanTask.id).label("handed"),
    select(DirectoryRevision.revision).where(DirectoryRevision.id == 1).scalar_subquery())


def complete(session: Session, collaborators: Collaborators, by: Caller, task_id: int, data: Any) -> Completion:
    """Submit a task's form as ``by``: its holder completes it (unless signers after them must approve first,
    or a delegate prepared it: then "prepared by" is on the completion); its delegate hands it back.

    An ordinary task costs what it did: the one statement that loads it also says whether anyone was added.

    :raise UserNotFound: ``by`` is not an active user (before ``TaskNotFound``, as in every use case).
    """
    found = read_task(session, _TASK_INSTANCE_HANDED, task_id)
    if found is None:
        acting(session, by)
        raise TaskNotFound(task_id)
    task, instance, (handed, revision) = found
    note_revision(session, revision)
    actor = collaborators.directory_memo.acting(session, by)
    if not handed:
        check_completer(actor, task)
        return run_completion(session, collaborators, actor, task, instance, data)
    steps = approval_steps(session, task.id)
    pending = pending_step(steps)
    if pending is not None and pending.user_id == actor.id and task.assignee_id == actor.id and task.state == "open":
        if pending.kind != "delegate":
            raise Conflict(f"task {task.id} waits for your signature (approve or return), not for its form")
        return hand_back(session, collaborators, actor, task, instance, pending, data)
    if pending is not None and pending.owner_id == actor.id:
        raise Conflict(f"task {task.id} is with {_username(session, pending.user_id)} now; it comes back to you "
                       "when they have acted")
    check_completer(actor, task)
    _, _, _, schema = open_form(session, collaborators, task, instance)
    submitted = validate_form(schema, data)
    waiting = [s for s in steps if s.kind == "after" and s.state == "waiting"]
    key = decision_key(schema)
    approving = key is None or submitted.get(key) in step_decisions(schema)[0]
    now = collaborators.clock()
    if waiting and approving:
        return hold_for_signers(session, collaborators, actor, task, instance, steps, waiting, submitted, now)
    for step in waiting:  # a return or veto goes on at once: the signers after are not asked
        set_step(session, step.id, state="skipped", acted_at=now)
    return run_completion(session, collaborators, actor, task, instance, submitted, extra=credits_of(session, steps))

