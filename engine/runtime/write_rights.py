"""Rights before bodies: whether someone may make a kind of write at all, asked before what they sent is read.

Each use case still asks its own right, in full, with what was sent (who a task goes to, which step it returns
to...). This is the part of that right that does not depend on what was sent, so that a request whose body is
wrong is answered "not allowed" to someone without the right (a stranger learns nothing of what the write
expects), and "invalid" only to someone who could have made it. Missing things are still "not found" where
the use case says so (a task, an instance, a process), in the same order as the use case.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from ..errors import NotAllowed
from ..models import HumanTask, ProcessInstance
from ..org import rights
from ..org.people import Actor, relationship_roles
from ..org.rights import Right
from .collaborators import Collaborators
from .instances import load_instance, may_start
from .task_loading import load_task


class Write(StrEnum):
    """The kinds of write the REST API takes a body for, by what they act on."""

    START = "start"  # a process
    COPY = "copy"  # an instance
    WITHDRAW = "withdraw"
    CANCEL = "cancel"
    COMPLETE = "complete"  # a task
    RETURN = "return"
    ASSIGN = "assign"
    COMMENT = "comment"
    ATTACH = "attach"
    ATTACH_TO_FORM = "attach to a form's field"
    TRANSFER = "transfer"
    HAND_ON = "hand on"  # delegate, add or remove signers
    SIGN = "sign"
    DEPLOY = "deploy"  # the modeler's rights, outright by role
    MODEL = "model"
    MIGRATE = "migrate"
    SET_ABSENCE = "set someone else's out of office"


INSTANCE_WRITES = frozenset({Write.COPY, Write.WITHDRAW})
TASK_WRITES = frozenset({Write.COMPLETE, Write.RETURN, Write.ASSIGN, Write.COMMENT, Write.ATTACH,
                         Write.ATTACH_TO_FORM, Write.TRANSFER, Write.HAND_ON, Write.SIGN})
ROLE_RIGHTS: dict[Write, tuple[Right, ...]] = {
    Write.CANCEL: (Right.OPERATE, Right.CANCEL),  # over the API as on the operations page
    Write.DEPLOY: (Right.DEPLOY,), Write.MODEL: (Right.MODEL,), Write.MIGRATE: (Right.MIGRATE,),
    Write.SET_ABSENCE: (Right.SET_ABSENCE,)}


def require_right_to(session: Session, collaborators: Collaborators, actor: Actor, write: Write,
                     target: int | str | None = None) -> None:
    """:raise NotAllowed: ``actor`` may not make ``write`` on ``target`` (a task or instance id, a process key)
    whatever they send. :raise NotFound: no such task, instance or process (rights first for ``CANCEL``)."""
    if write in ROLE_RIGHTS:
        for right in ROLE_RIGHTS[write]:
            rights.require(actor, right)
        return
    if write is Write.START:
        process = collaborators.catalog.latest(session, str(target))
        if not may_start(collaborators, process, actor):
            raise NotAllowed(f"{actor.username} may not start {process.key!r}")
        return
    if write in INSTANCE_WRITES:
        instance = load_instance(session, int(target or 0))
        if not _may_on_instance(session, actor, write, instance):
            raise NotAllowed(f"{actor.username} may not {write.value} instance {instance.id}")
        return
    task, instance = load_task(session, int(target or 0))
    if not _may_on_task(session, actor, write, task, instance):
        raise NotAllowed(f"{actor.username} may not {write.value} on task {task.id}")


def _may_on_instance(session: Session, actor: Actor, write: Write, instance: ProcessInstance) -> bool:
    if write is Write.COPY:
        return rights.may_copy(session, actor, instance)
    return rights.is_starter(actor, instance)


def _may_on_task(session: Session, actor: Actor, write: Write, task: HumanTask, instance: ProcessInstance) -> bool:
    """The task's side of each right, asked before its state (a finished task is a conflict for those who could)."""
    if write in (Write.COMPLETE, Write.RETURN, Write.ATTACH_TO_FORM):
        return rights.has_task_role(actor, task)
    if write in (Write.COMMENT, Write.ATTACH):
        return rights.may_comment(session, actor, task, instance)
    if write is Write.HAND_ON:
        return rights.may_hand_on(session, actor, task)
    if write is Write.SIGN:
        return rights.may_sign(session, actor, task)
    mine = task.assignee_id == actor.id or (task.assignee_id is None and task.lane in actor.roles)
    if write is Write.TRANSFER and task.lane in relationship_roles(session):
        return False
    return mine or rights.above_a_holder(session, actor, task)  # the dispatch right: transfer, assign
