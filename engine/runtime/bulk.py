"""Bulk approval (批量审批): the holder approves several tasks of one step with one comment.

Off by default; a step allows it with the property ``bulkApprove="true"`` (like Feishu, approve only, and only
where the process says so). Each task is approved in a transaction of its own (the facade opens one per task),
as an ordinary completion with the decision ``approve``: its own history event, its own rights and conflicts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..org import rights
from ..org.people import Actor
from .collaborators import Collaborators
from .task_loading import load_task
from .tasks import complete_task
from .views import Completion

MAX_TASKS = 100


def approval_data(comment: str) -> dict[str, Any]:
    """What each task is completed with: the decision, and the one comment if there is one."""
    text = (comment or "").strip()
    return {"decision": "approve", **({"comment": text} if text else {})}


def check_batch(task_ids: list[int]) -> list[int]:
    """The ids to approve, each once, in the order given. :raise InvalidInput: none, or too many."""
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        raise InvalidInput("choose at least one task to approve")
    if len(ids) > MAX_TASKS:
        raise InvalidInput(f"approve at most {MAX_TASKS} tasks at once")
    return ids


def approve_one(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, comment: str,
                step: tuple[str, str] | None) -> tuple[Completion, tuple[str, str]]:
    """Approve one task of a bulk approval; the completion and its step (process key, step name).

    :raise InvalidInput: its step does not allow bulk approval, or it is another step than ``step`` (the first
    task's). Otherwise what ``complete_task`` raises (no right, already done, a form the approval does not fill).
    """
    task, instance = load_task(session, task_id)
    rights.require_task_role(actor, task)  # rights before anything else: a stranger learns nothing about it
    this_step = (instance.process_key, task.name)
    if step is not None and this_step != step:
        raise InvalidInput(f"task {task_id} is another step ({task.name}): approve tasks of one step together")
    form = collaborators.catalog.get(session, instance.definition_id).tasks.get(task.name)
    if form is None or not form.bulk_approve:
        raise InvalidInput(f"step {task.name} does not allow bulk approval (property bulkApprove)")
    return complete_task(session, collaborators, actor, task_id, approval_data(comment)), this_step
