"""Comments on a task (the advisory right); each also goes into the instance's history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import InvalidInput, NotAllowed
from ..history.log import PendingEvent
from ..models import TaskComment, User
from ..org import rights
from ..org.people import Actor
from ..text_input import text_problem
from .collaborators import Collaborators
from .step_writer import Step, write_step
from .tasks import load_task
from .views import Comment

MAX_COMMENT_LENGTH = 4000


def add_comment(
    session: Session, collaborators: Collaborators, actor: Actor, task_id: int, body: str,
) -> Comment:
    """Comment on a task; auditors, who only read, may not."""
    task, instance = load_task(session, task_id)
    if not rights.may_comment(session, actor, task, instance):
        raise NotAllowed(f"{actor.username} may not comment on task {task.id}")
    text = (body or "").strip()
    if not text:
        raise InvalidInput("a comment cannot be empty")
    problem = text_problem(text)
    if problem:
        raise InvalidInput(f"the comment {problem}")
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"a comment is limited to {MAX_COMMENT_LENGTH} characters")
    now = collaborators.clock()
    comment = TaskComment(human_task_id=task.id, instance_id=instance.id, author_id=actor.id, body=text,
                          created_at=now)
    session.add(comment)
    session.flush()
    write_step(session, collaborators, Step(instance, [
        PendingEvent("comment_added", actor.username, task.name, task.id, payload={"comment": text})]), now)
    return {"id": comment.id, "task_id": task.id, "author": actor.username, "author_name": actor.display_name,
            "body": text, "at": utc_iso(now)}


def list_comments(session: Session, actor: Actor, task_id: int) -> list[Comment]:
    """A task's comments, oldest first, if ``actor`` may see the task."""
    task, instance = load_task(session, task_id)
    rights.require_see_task(session, actor, task, instance)
    rows = session.execute(
        select(TaskComment, User.username, User.display_name).join(User, User.id == TaskComment.author_id)
        .where(TaskComment.human_task_id == task.id).order_by(TaskComment.id)
    ).all()
    return [{"id": c.id, "task_id": c.human_task_id, "author": u, "author_name": n, "body": c.body,
             "at": utc_iso(c.created_at)} for c, u, n in rows]
