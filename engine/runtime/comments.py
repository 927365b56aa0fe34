"""Comments (the advisory right): made on a task, they belong to the whole request; each also goes into the
instance's history. ``@username`` in a comment tells that person (a "mention" notification)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import InvalidInput, NotAllowed
from ..history.log import PendingEvent
from ..models import HumanTask, ProcessInstance, TaskComment, User
from ..org import rights
from ..org.people import Actor, actor_where
from ..text_input import text_problem
from . import attachments
from .collaborators import Collaborators
from .file_types import Upload
from .instances import load_instance
from .outbox import Message
from .step_writer import Step, write_step
from .task_loading import load_task
from .views import Attachment, Comment

MAX_COMMENT_LENGTH = 4000
MAX_MENTIONS = 20
# ``@wang.lei`` (a username: engine.org.people.USERNAME_PATTERN), not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![A-Za-z0-9_.@])@([a-z][a-z0-9._-]{1,62})(?<![.])")
MENTION_PREVIEW = 200


def mentioned(text: str) -> list[str]:
    """The usernames ``text`` mentions, in order, each once."""
    return list(dict.fromkeys(MENTION.findall(text)))


def add_comment(
    session: Session, collaborators: Collaborators, actor: Actor, task_id: int, body: str,
    files: Sequence[Upload] = (),
) -> Comment:
    """Comment on a task of a request (see ``comment_with_files``)."""
    return comment_with_files(session, collaborators, actor, task_id, body, files)[0]


def comment_with_files(
    session: Session, collaborators: Collaborators, actor: Actor, task_id: int, body: str,
    files: Sequence[Upload] = (),
) -> tuple[Comment, list[Attachment]]:
    """Comment on a task of a request; auditors, who only read, may not.

    Everyone the comment mentions (``@username``: an active user) is notified, if they may see the
    request. :raise InvalidInput: an empty, too long or unprintable comment; a mention of someone who may
    not see the request (nothing is stored then: mention only people who take part in it or oversee it);
    a file refused (``attachments.checked_files``: nothing is stored then either). Files go with the comment,
    each on the record as ``attachment_added``.
    """
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
    told = _mentioned_people(session, actor, instance, text)
    checked = attachments.checked_files(files, collaborators.attachment_limits) if files else []
    now = collaborators.clock()
    comment = TaskComment(human_task_id=task.id, instance_id=instance.id, author_id=actor.id, body=text,
                          created_at=now)
    session.add(comment)
    session.flush()
    payload: dict[str, object] = {"comment": text}
    if told:
        payload["mentions"] = [person.username for person in told]
    notify = [Message([person.id for person in told], "mention",
                      f"提及 Mention: {actor.display_name} 提到了你 · {actor.display_name} mentioned you — "
                      f"{instance.title}", body=text[:MENTION_PREVIEW], instance_id=instance.id,
                      human_task_id=task.id)] if told else []
    added, attached = attachments.store(session, actor, instance, task, checked, now, comment_id=comment.id) \
        if checked else ([], [])
    write_step(session, collaborators, Step(instance, [
        PendingEvent("comment_added", actor.username, task.name, task.id, payload=payload), *attached],
        notify=notify), now)
    return {"id": comment.id, "task_id": task.id, "step": task.name, "author": actor.username,
            "author_name": actor.display_name, "body": text, "at": utc_iso(now)}, added


def _mentioned_people(session: Session, actor: Actor, instance: ProcessInstance, text: str) -> list[Actor]:
    """The active users ``text`` mentions (the author aside); names no user has are plain text.

    :raise InvalidInput: too many mentions, or one of someone who may not see the request.
    """
    names = [name for name in mentioned(text) if name != actor.username]
    if len(names) > MAX_MENTIONS:
        raise InvalidInput(f"a comment may mention at most {MAX_MENTIONS} people")
    people = [person for name in names if (person := actor_where(session, User.username == name)) is not None]
    hidden = [person.username for person in people if not rights.may_see_instance(session, person, instance)]
    if hidden:
        raise InvalidInput(f"{', '.join(hidden)} may not see this request: mention only people who take part "
                           "in it or oversee it")
    return people


def list_comments(session: Session, actor: Actor, task_id: int) -> list[Comment]:
    """A task's own comments, oldest first, if ``actor`` may see the task."""
    task, instance = load_task(session, task_id)
    rights.require_see_task(session, actor, task, instance)
    return _comments(session, TaskComment.human_task_id == task.id)


def list_request_comments(session: Session, actor: Actor, instance_id: int) -> list[Comment]:
    """Every comment on a request, on whichever step it was made, oldest first, if ``actor`` may see it."""
    instance = load_instance(session, instance_id)
    rights.require_see_instance(session, actor, instance)
    return _comments(session, TaskComment.instance_id == instance.id)


def _comments(session: Session, *where: ColumnElement[bool]) -> list[Comment]:
    rows = session.execute(
        select(TaskComment, HumanTask.name, User.username, User.display_name)
        .join(User, User.id == TaskComment.author_id).join(HumanTask, HumanTask.id == TaskComment.human_task_id)
        .where(*where).order_by(TaskComment.id)
    ).all()
    return [{"id": c.id, "task_id": c.human_task_id, "step": step, "author": u, "author_name": n, "body": c.body,
             "at": utc_iso(c.created_at)} for c, step, u, n in rows]
