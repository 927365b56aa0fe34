"""Who may do what: every right opsflow knows, by role and by relationship, in one table.

Deny by default. A right is held either outright through a role (``Grant.roles``), or through a
relationship to the thing acted on (``Grant.relationship`` says which, in words; the function
named beside it decides). Use cases ask the functions below; nothing else decides a right, and each
use case asks once. The operator (who reaches the database itself: ``opsflow init``, the CLI without
``--as``) holds every right outright; the facade's types say which use cases an operator may call.
``RIGHTS`` is printed by ``tests/engine/org/test_rights.py`` as the rights × roles table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from ..errors import NotAllowed
from ..models import ApprovalStep, HumanTask, InstanceCopy, ProcessInstance, User, UserRole
from .people import Actor, managers_of, subordinates_of
from .queues import in_queue, queue_condition


class Right(StrEnum):
    START = "start"
    SEE_INSTANCE = "see instance"
    SEE_TASK = "see task"
    WORK_ON = "work on task"
    CLAIM = "claim"
    RELEASE = "release"
    ASSIGN = "assign"
    COMMENT = "comment"
    COPY = "copy (cc)"
    TRANSFER = "transfer"
    URGE = "urge"
    WITHDRAW = "withdraw"
    RESTART = "start again"
    DELEGATE = "delegate"
    ADD_SIGNER = "add or remove signers"
    SIGN = "sign as an added signer"
    ATTACH = "attach files"
    CANCEL = "cancel"
    SEE_DASHBOARD = "see dashboards"
    DEPLOY = "deploy"
    MODEL = "model"
    MIGRATE = "migrate instances"
    AUDIT = "audit"
    EDIT_CALENDAR = "edit calendar"
    SEE_ACCESS_LOG = "see the audit access log"
    OPERATE = "operate"
    SET_ABSENCE = "set out of office"
    ADMINISTER_ORG = "administer the organisation"
    SEE_ORG_RECORD = "see the organisation's record"
    OVERRIDE_SEPARATION = "override separation of duties"


@dataclass(frozen=True)
class Grant:
    roles: frozenset[str]  # roles that hold the right outright
    relationship: str = ""  # who else holds it, through a relationship to the thing acted on
    decided_by: str = ""  # the function here that decides the relationship part
    relationship_roles: frozenset[str] = frozenset()  # only these roles hold it by relationship (empty: anyone)


# Roles that watch over every instance (they see everything, whoever started it).
OVERSIGHT_ROLES = frozenset({"director", "auditor", "admin"})
# Roles that only read: auditors replay and check; they change nothing, not even by a comment.
READ_ONLY_ROLES = frozenset({"auditor"})
# Roles that audit their own department (their reporting tree) without holding the audit right outright.
DEPARTMENT_AUDIT_ROLES = frozenset({"director"})

RIGHTS: dict[Right, Grant] = {
    Right.START: Grant(frozenset(), "a role the process's startRoles names, unless only another process starts it",
                       "may_start"),
    Right.SEE_INSTANCE: Grant(OVERSIGHT_ROLES, "its starter; anyone whose role or person one of its tasks names; "
                              "everyone above those people; whoever it was copied to; a task's delegates and added "
                              "signers", "may_see_instance"),
    Right.COPY: Grant(frozenset(), "the starter, and whoever holds one of its open tasks", "may_copy"),
    Right.DELEGATE: Grant(frozenset(), "the holder of the open task (while nobody holds it, whoever may claim it)",
                          "may_hand_on"),
    Right.ADD_SIGNER: Grant(frozenset(), "the holder of the open task; removing only a signer who has not acted",
                            "may_hand_on"),
    Right.SIGN: Grant(frozenset(), "an added signer of the task, on their turn", "may_sign"),
    Right.SEE_TASK: Grant(OVERSIGHT_ROLES, "who may work on it, and who may see its instance", "may_see_task"),
    Right.WORK_ON: Grant(frozenset(), "its holder; while unclaimed, holders of its lane's role", "may_work_on"),
    Right.CLAIM: Grant(frozenset(), "holders of its lane's role, while nobody holds it", "has_task_role"),
    Right.RELEASE: Grant(frozenset(), "its holder and everyone above the holder; never a task meant for one person "
                         "of the instance (relationship lanes) or one person's part of a countersign", "may_release"),
    Right.ASSIGN: Grant(frozenset(), "the dispatch right: a manager gives a task to someone below them who has "
                        "its role", "require_assign_to, require_assign_from"),
    Right.TRANSFER: Grant(frozenset(), "its holder (while unclaimed, holders of its lane's role); a manager above "
                          "the holder (while unclaimed, above one of its role's holders): the dispatch right; never "
                          "a task meant for one person of the instance", "may_transfer"),
    Right.URGE: Grant(frozenset(), "the instance's starter; a manager above the task's holder (while unclaimed, "
                      "above one of its role's holders)", "may_urge"),
    Right.WITHDRAW: Grant(frozenset(), "the instance's starter, while nobody has acted on it", "is_starter"),
    Right.RESTART: Grant(frozenset(), "the starter of a request that ended withdrawn, cancelled or vetoed",
                         "is_starter"),
    Right.COMMENT: Grant(frozenset(), "the advisory right: who may see the task, except read-only roles",
                         "may_comment"),
    Right.ATTACH: Grant(frozenset(), "to a form's file field: who may work on the open task (its holder); to a "
                        "comment or the step: who may comment", "may_attach_to_form, may_comment"),
    Right.CANCEL: Grant(frozenset({"director", "admin"})),
    # 不相容职责分离的例外: the director (who oversees every request) and the administrators, each time with a reason
    Right.OVERRIDE_SEPARATION: Grant(frozenset({"director", "admin"})),
    Right.SEE_DASHBOARD: Grant(frozenset({"director", "ops_manager", "branch_gm", "marketing_manager", "admin",
                                          "auditor"})),
    Right.DEPLOY: Grant(frozenset({"analyst", "admin"})),
    Right.MODEL: Grant(frozenset({"analyst", "admin"})),
    Right.MIGRATE: Grant(frozenset({"analyst", "admin"})),
    Right.AUDIT: Grant(frozenset({"auditor", "admin"}),
                       "a director, over his department's instances: started by him or anyone below him in the "
                       "reporting lines, or with a task held or completed by one of them (a task merely open to "
                       "their role does not count)", "may_audit_instance, audit_condition", DEPARTMENT_AUDIT_ROLES),
    Right.SEE_ACCESS_LOG: Grant(frozenset({"auditor", "admin"})),
    Right.EDIT_CALENDAR: Grant(frozenset({"admin"})),
    # The operations page: incidents, retries, jobs, workers, who is being targeted by sign-in guesses.
    Right.OPERATE: Grant(frozenset({"admin"})),
    # Out of office (代理): one's own absence, always; anyone's, an admin.
    Right.SET_ABSENCE: Grant(frozenset({"admin"}), "oneself", "may_set_absence"),
    # People and units: joiners, leavers, roles, reporting lines (org_admin: this without the rest of admin).
    Right.ADMINISTER_ORG: Grant(frozenset({"admin", "org_admin"})),
    # Who held which role, reported to whom, belonged where, on a given day (auditors check entitlements).
    Right.SEE_ORG_RECORD: Grant(frozenset({"admin", "org_admin", "auditor"})),
}


def holds(actor: Actor, right: Right) -> bool:
    """Whether one of the actor's roles carries ``right`` outright; the operator holds every right outright
    (``engine.org.people.Operator``: whoever reaches the database itself)."""
    return actor.is_operator or bool(actor.roles & RIGHTS[right].roles)


def require(actor: Actor, right: Right, what: str = "") -> None:
    """:raise NotAllowed: naming the right and the roles that carry it, when the actor has none of them."""
    if not holds(actor, right):
        roles = ", ".join(sorted(RIGHTS[right].roles))
        raise NotAllowed(f"{actor.username} may not {what or right.value}: that needs the {right.value} right "
                         f"(roles {roles})")


def may_set_absence(actor: Actor) -> bool:
    """Whether ``actor`` may set, read or end someone else's out-of-office (their own they always may)."""
    return holds(actor, Right.SET_ABSENCE)


def may_start(actor: Actor, start_roles: frozenset[str], started_by_parent: str | None) -> bool:
    """Whether ``actor`` may start a process by hand (not one only another process starts)."""
    return started_by_parent is None and actor.has_any_role(start_roles)


def may_see_instance(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    """Oversight roles, the starter, anyone whose role or person a task of it named, and their managers;
    and whoever it was copied to (抄送)."""
    if holds(actor, Right.SEE_INSTANCE) or instance.started_by_id == actor.id:
        return True
    if session.scalar(select(InstanceCopy.id).where(InstanceCopy.instance_id == instance.id,
                                                    InstanceCopy.user_id == actor.id)) is not None:
        return True
    if session.scalar(select(ApprovalStep.id).where(ApprovalStep.instance_id == instance.id,
                                                    ApprovalStep.user_id == actor.id).limit(1)) is not None:
        return True  # a delegate or added signer of one of its tasks (委派, 加签)
    people: set[int] = set()
    for lane, scope, assignee, completer in session.execute(
        select(HumanTask.lane, HumanTask.unit_scope, HumanTask.assignee_id, HumanTask.completed_by_id)
        .where(HumanTask.instance_id == instance.id)
    ):
        if in_queue(actor, lane, scope) or actor.id in (assignee, completer):
            return True
        people.update(p for p in (assignee, completer) if p is not None)
    people.add(instance.started_by_id)
    return any(actor.id in managers_of(session, person) for person in people)


def may_copy(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    """Who may copy a request to others (抄送): its starter (also once it has ended, to share the outcome),
    and whoever holds one of its open tasks."""
    if instance.started_by_id == actor.id:
        return True
    return session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "open", HumanTask.assignee_id == actor.id)
        .limit(1)) is not None


def require_see_instance(session: Session, actor: Actor, instance: ProcessInstance) -> None:
    """:raise NotAllowed: when ``actor`` may not see ``instance``."""
    if not may_see_instance(session, actor, instance):
        raise NotAllowed(f"{actor.username} may not see instance {instance.id}")


def visible_condition(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The same rule as ``may_see_instance``, as a SQL condition on ``ProcessInstance``."""
    if holds(actor, Right.SEE_INSTANCE):
        return true()
    people = subordinates_of(session, actor.id) | {actor.id}
    task = HumanTask
    return or_(
        ProcessInstance.started_by_id.in_(people),
        exists().where(InstanceCopy.instance_id == ProcessInstance.id, InstanceCopy.user_id == actor.id),
        exists().where(ApprovalStep.instance_id == ProcessInstance.id, ApprovalStep.user_id == actor.id),
        exists().where(task.instance_id == ProcessInstance.id,
                       or_(*[queue_condition(actor, lane) for lane in sorted(actor.roles)],
                           task.assignee_id.in_(people), task.completed_by_id.in_(people))),
    )


def may_audit(actor: Actor) -> bool:
    """Whether the actor may open the audit workspace at all (outright, or over a department)."""
    return holds(actor, Right.AUDIT) or bool(actor.roles & DEPARTMENT_AUDIT_ROLES)


def require_audit(actor: Actor) -> None:
    """:raise NotAllowed: for someone who may audit nothing."""
    if not may_audit(actor):
        raise NotAllowed(f"{actor.username} may not use the audit workspace: that needs the audit right "
                         f"(roles {', '.join(sorted(RIGHTS[Right.AUDIT].roles))}; a director over his department)")


def _department(session: Session, actor: Actor) -> set[int]:
    return subordinates_of(session, actor.id) | {actor.id}


def audit_condition(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The instances ``actor`` may audit, as a SQL condition on ``ProcessInstance``."""
    if holds(actor, Right.AUDIT):
        return true()
    if not actor.roles & DEPARTMENT_AUDIT_ROLES:
        return false()
    people = sorted(_department(session, actor))
    return or_(
        ProcessInstance.started_by_id.in_(people),
        exists().where(HumanTask.instance_id == ProcessInstance.id,
                       or_(HumanTask.assignee_id.in_(people), HumanTask.completed_by_id.in_(people))),
    )


def may_audit_instance(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    """Auditors and admins: every instance; a director: those of his department (see ``RIGHTS``)."""
    if holds(actor, Right.AUDIT):
        return True
    if not actor.roles & DEPARTMENT_AUDIT_ROLES:
        return False
    return session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.id == instance.id, audit_condition(session, actor))) is not None


def require_audit_instance(session: Session, actor: Actor, instance: ProcessInstance) -> None:
    """:raise NotAllowed: when ``actor`` may not audit ``instance``."""
    require_audit(actor)
    if not may_audit_instance(session, actor, instance):
        raise NotAllowed(f"{actor.username} may not audit instance {instance.id}: it is outside their department")


def has_task_role(actor: Actor, task: HumanTask) -> bool:
    """The task's holder, or someone with its lane's role (who may claim it if nobody holds it)."""
    return task.assignee_id == actor.id or in_queue(actor, task.lane, task.unit_scope)


def require_task_role(actor: Actor, task: HumanTask) -> None:
    """:raise NotAllowed: checked before the task's state, so that a stranger learns nothing about it."""
    if not has_task_role(actor, task):
        raise NotAllowed(f"{actor.username} does not have the role {task.lane!r} that task {task.id} needs")


def may_work_on(actor: Actor, task: HumanTask) -> bool:
    """An open task: its holder, or (while nobody holds it) someone with its lane's role."""
    return task.state == "open" and (
        task.assignee_id == actor.id or (task.assignee_id is None and in_queue(actor, task.lane, task.unit_scope)))


def may_see_task(session: Session, actor: Actor, task: HumanTask, instance: ProcessInstance) -> bool:
    """Those who may work on it, and those who may see its instance."""
    return may_work_on(actor, task) or may_see_instance(session, actor, instance)


def require_see_task(session: Session, actor: Actor, task: HumanTask, instance: ProcessInstance) -> None:
    if not may_see_task(session, actor, task, instance):
        raise NotAllowed(f"{actor.username} may not see task {task.id}")


def may_release(session: Session, actor: Actor, task: HumanTask, relationship_roles: set[str]) -> bool:
    """The holder, or someone above them, may give back a task that a role could take again."""
    if task.state != "open" or task.assignee_id is None or task.lane in relationship_roles or task.round_id:
        return False
    return task.assignee_id == actor.id or actor.id in managers_of(session, task.assignee_id)


def require_release(session: Session, actor: Actor, task: HumanTask, relationship_roles: set[str]) -> None:
    """:raise NotAllowed: a task for one person of the instance, or held outside the actor's reporting line."""
    if task.lane in relationship_roles:
        raise NotAllowed(f"task {task.id} is for {task.lane!r} of this instance only; it cannot be released")
    if task.round_id:
        raise NotAllowed(f"task {task.id} is one person's part of a countersign; it cannot be released")
    if task.assignee_id != actor.id and actor.id not in managers_of(session, task.assignee_id or 0):
        raise NotAllowed(f"{actor.username} may not release a task held by someone outside their reporting line")


def require_assign_to(session: Session, actor: Actor, target: Actor) -> None:
    """The dispatch right reaches oneself and everyone below. :raise NotAllowed:"""
    if target.id != actor.id and actor.id not in managers_of(session, target.id):
        raise NotAllowed(f"{actor.username} may only assign tasks to people who report to them")


def require_assign_from(session: Session, actor: Actor, task: HumanTask, target: Actor) -> None:
    """A task held by someone is taken from them only by someone above them. :raise NotAllowed:"""
    if task.assignee_id not in (None, actor.id, target.id) and actor.id not in managers_of(session, task.assignee_id):
        raise NotAllowed(f"task {task.id} is held by someone outside {actor.username}'s reporting line")


def may_comment(session: Session, actor: Actor, task: HumanTask, instance: ProcessInstance) -> bool:
    """The advisory right: whoever may see the task, unless all their roles only read."""
    if actor.roles and actor.roles <= READ_ONLY_ROLES:
        return False
    return may_see_task(session, actor, task, instance)


def is_starter(actor: Actor, instance: ProcessInstance) -> bool:
    """Who started the instance (withdraws it, starts it again)."""
    return instance.started_by_id == actor.id


def _role_holders(session: Session, role: str) -> set[int]:
    return set(session.scalars(select(UserRole.user_id).join(User, User.id == UserRole.user_id)
                               .where(UserRole.role_key == role, User.active.is_(True))))


def above_a_holder(session: Session, actor: Actor, task: HumanTask) -> bool:
    """Whether ``actor`` is above the task's holder, or, while nobody holds it, above one of its role's holders."""
    if task.assignee_id is not None:
        return actor.id in managers_of(session, task.assignee_id)
    below = subordinates_of(session, actor.id)
    return bool(below) and bool(below & _role_holders(session, task.lane))


def may_transfer(session: Session, actor: Actor, task: HumanTask, relationship_roles: set[str]) -> bool:
    """Its holder (while unclaimed, holders of its role), or a manager above them (the dispatch right); never a
    task meant for one person of the instance (a relationship lane: e.g. one's own self-assessment)."""
    if task.state != "open" or task.lane in relationship_roles:
        return False
    if task.assignee_id == actor.id or (task.assignee_id is None and in_queue(actor, task.lane, task.unit_scope)):
        return True
    return above_a_holder(session, actor, task)


def require_transfer(session: Session, actor: Actor, task: HumanTask, relationship_roles: set[str]) -> None:
    """:raise NotAllowed: a task for one person of the instance, or outside the actor's hands and reporting line.
    Asked before the task's state (a finished task is a conflict, told only to those who could have moved it)."""
    if task.lane in relationship_roles:
        raise NotAllowed(f"task {task.id} is for {task.lane!r} of this instance only; it cannot be transferred")
    mine = task.assignee_id == actor.id or (task.assignee_id is None and in_queue(actor, task.lane, task.unit_scope))
    if not mine and not above_a_holder(session, actor, task):
        raise NotAllowed(f"{actor.username} may not transfer task {task.id}: only its holder and the managers "
                         "above them may")


def may_urge(session: Session, actor: Actor, task: HumanTask, instance: ProcessInstance) -> bool:
    """The instance's starter, or a manager above the task's holder (while unclaimed, above a role holder)."""
    return is_starter(actor, instance) or above_a_holder(session, actor, task)


def task_holder(session: Session, task: HumanTask) -> int | None:
    """Who holds a task: its owner while a delegate or an added signer acts on it (委派, 加签), else whoever it
    is assigned to (None: nobody yet)."""
    owner = session.scalar(select(ApprovalStep.owner_id).where(
        ApprovalStep.human_task_id == task.id, ApprovalStep.state == "pending", ApprovalStep.kind != "decision")
        .limit(1))
    return owner if owner is not None else task.assignee_id


def may_hand_on(session: Session, actor: Actor, task: HumanTask) -> bool:
    """Delegate a task, add or remove its signers: its holder (while nobody holds it, whoever may claim it,
    who holds it by doing so). The task's state is checked after, by the use case."""
    holder = task_holder(session, task)
    return holder == actor.id or (holder is None and not actor.is_operator
                                  and in_queue(actor, task.lane, task.unit_scope))


def require_hand_on(session: Session, actor: Actor, task: HumanTask, what: str) -> None:
    """:raise NotAllowed: asked before the task's state, so that a stranger learns nothing about it."""
    if not may_hand_on(session, actor, task):
        raise NotAllowed(f"{actor.username} may not {what} task {task.id}: only the person who holds it may")


def may_sign(session: Session, actor: Actor, task: HumanTask) -> bool:
    """Someone the holder added as a signer of the task (whether it is their turn is the task's state)."""
    return session.scalar(select(ApprovalStep.id).where(
        ApprovalStep.human_task_id == task.id, ApprovalStep.user_id == actor.id,
        ApprovalStep.kind.in_(("before", "after"))).limit(1)) is not None


def may_attach_to_form(actor: Actor, task: HumanTask) -> bool:
    """Files on a form's field: whoever may edit the form, i.e. work on the open task (its holder)."""
    return may_work_on(actor, task)
