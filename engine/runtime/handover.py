"""The state of a task handed on for a while (委派, 加签): who holds it, who acts now, and how it passes on from one
delegate or added signer to the next, back to its holder, or to the completion (``engine.runtime.signers`` has
the moves and the rules)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..definitions.forms import validate_form
from ..history.log import PendingEvent
from ..models import ApprovalStep, HumanTask, ProcessInstance, User
from ..org import rights
from ..org.people import Actor, actor_by_id
from .collaborators import Collaborators
from .outbox import Message
from .step_writer import Step, TaskAction, write_step
from .task_loading import load_task
from .tasks import approval_steps, open_form, run_completion
from .views import ApprovalRound, ApprovalStepRow, Completion

POSITIONS = ("before", "after")
MAX_PEOPLE = 10
MAX_REASON_LENGTH = 1000
ACTIVE = ("waiting", "pending")
SIGNERS = ("before", "after")
TABLE: Table = ApprovalStep.__table__  # type: ignore[assignment]  # Core: no ORM bulk machinery


# -- reading ------------------------------------------------------------------------------------------------
def show_round(session: Session, collaborators: Collaborators, actor: Actor, task_id: int) -> ApprovalRound:
    """A task's holder, who acts now, its delegates and signers. :raise NotAllowed: may not see the task."""
    task, instance = load_task(session, task_id)
    rights.require_see_task(session, actor, task, instance)
    return round_of(session, collaborators, task, instance, approval_steps(session, task.id))


def after(session: Session, collaborators: Collaborators, actor: Actor, task_id: int) -> ApprovalRound:
    """The round as a move left it (the step wrote through Core: what the session holds is stale)."""
    session.expire_all()
    task, instance = load_task(session, task_id)  # the actor just acted on it: no need to ask again
    return round_of(session, collaborators, task, instance, approval_steps(session, task.id))


def round_of(session: Session, collaborators: Collaborators, task: HumanTask, instance: ProcessInstance,
             steps: list[ApprovalStep]) -> ApprovalRound:
    people = session.execute(select(User.id, User.username, User.display_name).where(
        User.id.in_({s.user_id for s in steps} | {s.owner_id for s in steps} | {task.assignee_id or 0}))).all()
    names = {uid: name for uid, name, _ in people}
    display = {uid: shown for uid, _, shown in people}
    pending = pending_step(steps)
    holder = pending.owner_id if pending is not None else task.assignee_id
    choices: list[str] = []
    if task.state == "open" and pending is not None and pending.kind in SIGNERS:
        choices = choices_for(session, collaborators, task, instance, pending)
    rows: list[ApprovalStepRow] = [{
        "id": s.id, "kind": s.kind, "user": names.get(s.user_id, ""), "user_name": display.get(s.user_id, ""),
        "state": s.state, "reason": s.reason, "decision": s.decision, "comment": s.comment,
        "at": utc_iso(s.created_at), "acted_at": utc_iso(s.acted_at) if s.acted_at else None,
    } for s in steps if s.kind != "decision"]
    return {"task_id": task.id, "state": task.state, "holder": names.get(holder) if holder else None,
            "acting": names.get(task.assignee_id) if task.assignee_id else None, "steps": rows, "choices": choices}


def acting_now(session: Session, task: HumanTask) -> tuple[str, str] | None:
    """Who acts on a task handed on, now (a delegate or an added signer), and whose task it is: (username,
    holder's username); None while it is with its holder. For the moves that must wait until it is back."""
    found = session.execute(select(User.username, ApprovalStep.owner_id).join(User, User.id == ApprovalStep.user_id)
                            .where(ApprovalStep.human_task_id == task.id, ApprovalStep.state == "pending",
                                   ApprovalStep.kind != "decision").limit(1)).first()
    if found is None:
        return None
    return str(found[0]), str(session.scalar(select(User.username).where(User.id == found[1])))


def skip_unasked(session: Session, task_id: int, now: datetime) -> None:
    """The signers of a task not asked yet are no longer asked: its step ended another way (returned)."""
    session.execute(update(TABLE).where(TABLE.c.human_task_id == task_id, TABLE.c.state.in_(ACTIVE))
                    .values(state="skipped", acted_at=now))


def pending_step(steps: list[ApprovalStep]) -> ApprovalStep | None:
    return next((s for s in steps if s.state == "pending" and s.kind != "decision"), None)


def decision_key(schema: dict[str, Any]) -> str | None:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return None
    return next((key for key, p in props.items() if isinstance(p, dict) and p.get("x-widget") == "decision"), None)


def step_decisions(schema: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A decision form's decisions: those that approve (``x-reason-free``, else "approve") and the others."""
    key = decision_key(schema)
    if key is None:
        return [], []
    prop = schema["properties"][key]
    values = [str(v) for v in prop.get("enum", [])]
    free = prop.get("x-reason-free")
    approving = [str(v) for v in free] if isinstance(free, list) else ["approve"]
    return [v for v in values if v in approving], [v for v in values if v not in approving]


def choices_for(session: Session, collaborators: Collaborators, task: HumanTask, instance: ProcessInstance,
                step: ApprovalStep) -> list[str]:
    """What an added signer may decide: approve or return (to the holder); after the holder, on a decision
    form, approve or one of the step's other decisions (which then ends the step)."""
    if step.kind == "after":
        others = step_decisions(open_form(session, collaborators, task, instance)[3])[1]
        if others:
            return ["approve", *others]
    return ["approve", "return"]


def next_seq(steps: list[ApprovalStep]) -> int:
    return max((s.seq for s in steps), default=0) + 1


def set_step(session: Session, step_id: int, **values: Any) -> None:
    session.execute(update(TABLE).where(TABLE.c.id == step_id).values(**values))


def tell(user_id: int, kind: str, zh: str, en: str, task: HumanTask, instance: ProcessInstance,
         body: str = "") -> Message:
    return Message([user_id], kind, f"{zh} · {en} — {instance.title}", body=body, instance_id=instance.id,
                   human_task_id=task.id)


def moved(task: HumanTask, to: int, held_by: int | None, conflict: str = "") -> TaskAction:
    return TaskAction(task, {"assignee_id": to}, (held_by,) if held_by is not None else (None,),
                      conflict or f"task {task.id} was changed by someone else; reload and try again")


def credits_of(session: Session, steps: list[ApprovalStep]) -> dict[str, Any]:
    """Who prepared the data (the last delegate) and who signed, for the completion's record."""
    ids = {s.user_id for s in steps}
    names: dict[int, str] = {uid: name for uid, name in session.execute(
        select(User.id, User.username).where(User.id.in_(ids)))} if ids else {}
    done = [s for s in steps if s.kind == "delegate" and s.state == "done"]
    extra: dict[str, Any] = {}
    if done:
        extra["prepared_by"] = names[done[-1].user_id]
    for kind in SIGNERS:
        signed = [names[s.user_id] for s in steps if s.kind == kind and s.state == "approved"]
        if signed:
            extra[f"signed_{kind}_by"] = signed
    return extra


def hand_back(session: Session, collaborators: Collaborators, actor: Actor, task: HumanTask,
              instance: ProcessInstance, step: ApprovalStep, data: Any) -> Completion:
    """The delegate submits the form: the data is kept for the holder, and the task goes back to them."""
    process, _, _, schema = open_form(session, collaborators, task, instance)
    submitted = validate_form(schema, data)
    now = collaborators.clock()
    owner = actor_by_id(session, step.owner_id)
    set_step(session, step.id, state="done", acted_at=now, data_json=json.dumps(submitted, ensure_ascii=False))
    write_step(session, collaborators, Step(
        instance, [PendingEvent("delegation_done", actor.username, task.name, task.id,
                                payload={"by": actor.username, "for": owner.username, "data": submitted})],
        acted_on=moved(task, owner.id, actor.id),
        notify=[tell(owner.id, "handed_back", f"委派完成: {actor.display_name}已办理，请确认",
                      f"{actor.display_name} did the delegated work; please confirm", task, instance)]), now)
    form = process.tasks[task.name]
    return {"id": task.id, "instance_id": instance.id, "title": form.title, "title_zh": form.title_zh,
            "status": instance.status, "end_event": None, "next_tasks": [task.name]}


def hold_for_signers(session: Session, collaborators: Collaborators, actor: Actor, task: HumanTask,
                      instance: ProcessInstance, steps: list[ApprovalStep], waiting: list[ApprovalStep],
                      submitted: dict[str, Any], now: datetime) -> Completion:
    """The holder approved and signers after them are waiting: hold the decision, ask the first of them."""
    session.execute(insert(TABLE).values(
        human_task_id=task.id, instance_id=instance.id, kind="decision", seq=next_seq(steps), user_id=actor.id,
        owner_id=actor.id, state="pending", reason="", decision=None, comment="",
        data_json=json.dumps(submitted, ensure_ascii=False), created_at=now, acted_at=None))
    first = waiting[0]
    set_step(session, first.id, state="pending")
    names: dict[int, str] = {uid: name for uid, name in session.execute(
        select(User.id, User.username).where(User.id.in_([s.user_id for s in waiting])))}
    payload: dict[str, Any] = {"data": submitted, "signers": [names[s.user_id] for s in waiting]}
    for key in ("decision", "comment"):
        if key in submitted:
            payload[key] = submitted[key]
    write_step(session, collaborators, Step(
        instance, [PendingEvent("awaiting_signers", actor.username, task.name, task.id, payload)],
        acted_on=moved(task, first.user_id, actor.id) if task.assignee_id == actor.id else
        TaskAction(task, {"assignee_id": first.user_id}, (None,), f"task {task.id} was claimed by someone else"),
        notify=[tell(first.user_id, "sign", f"加签: {actor.display_name}已审批，请你再审批",
                      f"{actor.display_name} decided; your approval is needed too", task, instance,
                      first.reason)]), now)
    process = collaborators.catalog.get(session, instance.definition_id)
    form = process.tasks[task.name]
    return {"id": task.id, "instance_id": instance.id, "title": form.title, "title_zh": form.title_zh,
            "status": instance.status, "end_event": None, "next_tasks": [task.name]}


def pass_on(session: Session, collaborators: Collaborators, task: HumanTask, instance: ProcessInstance,
             steps: list[ApprovalStep], done: ApprovalStep, events: list[PendingEvent], now: datetime) -> None:
    """After a signer approved (or was removed on their turn): the next signer of the same kind, else back to
    the holder (before) or the holder's decision goes on (after)."""
    following = next((s for s in steps if s.kind == done.kind and s.state == "waiting" and s.seq > done.seq), None)
    if following is not None:
        set_step(session, following.id, state="pending")
        write_step(session, collaborators, Step(
            instance, events, acted_on=moved(task, following.user_id, done.user_id),
            notify=[tell(following.user_id, "sign", "加签: 请你审批", "Your approval is asked for", task, instance,
                          following.reason)]), now)
        return
    owner = actor_by_id(session, done.owner_id)
    held = next((s for s in steps if s.kind == "decision" and s.state == "pending"), None)
    if done.kind == "after" and held is not None:
        set_step(session, held.id, state="done", acted_at=now)
        credits = {**credits_of(session, [s for s in steps if s.kind != "decision"]), "held": True}
        run_completion(session, collaborators, owner, task, instance, json.loads(held.data_json or "{}"),
                       held_by=(done.user_id,), extra=credits, before=events)
        return
    write_step(session, collaborators, Step(
        instance, events, acted_on=moved(task, owner.id, done.user_id),
        notify=[tell(owner.id, "handed_back", "加签完成: 请你审批", "The added signers have approved; your turn",
                      task, instance)]), now)


def back_to_holder(session: Session, collaborators: Collaborators, task: HumanTask, instance: ProcessInstance,
                    steps: list[ApprovalStep], returned: ApprovalStep, events: list[PendingEvent], now: datetime,
                    actor: Actor) -> None:
    """A signer returned it: before the holder, the others are skipped; after (no decision form), the held
    decision is dropped and the others wait for the holder's next submission."""
    for s in steps:
        if s.kind == "before" and returned.kind == "before" and s.state == "waiting":
            set_step(session, s.id, state="skipped", acted_at=now)
        if s.kind == "decision" and s.state == "pending":
            set_step(session, s.id, state="returned", acted_at=now)
    write_step(session, collaborators, Step(
        instance, events, acted_on=moved(task, returned.owner_id, returned.user_id),
        notify=[tell(returned.owner_id, "handed_back", f"加签退回: {actor.display_name}不同意",
                      f"{actor.display_name} returned it to you", task, instance, returned.comment)]), now)


def overrule(session: Session, collaborators: Collaborators, task: HumanTask, instance: ProcessInstance,
              steps: list[ApprovalStep], step: ApprovalStep, event: PendingEvent, actor: Actor, owner: Actor,
              decision: str, comment: str, now: datetime) -> None:
    """A signer after the holder decides otherwise on a decision form: the step ends with their decision."""
    held = next((s for s in steps if s.kind == "decision" and s.state == "pending"), None)
    data: dict[str, Any] = json.loads(held.data_json or "{}") if held is not None else {}
    schema = open_form(session, collaborators, task, instance)[3]
    key = decision_key(schema) or "decision"
    data[key] = decision
    if "comment" in schema.get("properties", {}):
        data["comment"] = comment
    for s in steps:
        if s.kind == "after" and s.state == "waiting":
            set_step(session, s.id, state="skipped", acted_at=now)
    if held is not None:
        set_step(session, held.id, state="returned", acted_at=now)
    extra = {**credits_of(session, [s for s in steps if s.kind != "decision"]), "on_behalf_of": owner.username}
    if held is not None and key in json.loads(held.data_json or "{}"):
        extra["overruled"] = json.loads(held.data_json or "{}")[key]
    run_completion(session, collaborators, actor, task, instance, data, held_by=(actor.id,), extra=extra,
                   before=[event])
