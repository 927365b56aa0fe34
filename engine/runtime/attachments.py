"""Attachments (附件): files on a form field (its holder) or on a comment (whoever may comment).

A file is checked first (``file_types``: name, size, type from its bytes); then its bytes are stored once
per SHA-256 (``attachment_blob``, never overwritten: an insert that finds the hash already there leaves the
row as it is), the attachment row names the step, the field or comment and who attached it, and an
``attachment_added`` event carries the name, SHA-256, size, type and the field or comment into the hash-chained
history. ``opsflow verify`` and the export bundle's verifier check the stored bytes against those events.
Downloads are for whoever may see the request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import Conflict, HistoryTampered, InvalidInput, NotAllowed, NotFound
from ..history.log import PendingEvent
from ..models import Attachment as AttachmentRow
from ..models import AttachmentBlob, HumanTask, ProcessInstance, User
from ..org import rights
from ..org.people import Actor
from .collaborators import Collaborators
from .file_types import CheckedFile, Limits, Upload, check_file
from .form_files import attachment_fields
from .instances import load_instance
from .step_writer import Step, write_step
from .task_loading import load_task
from .views import Attachment

MAX_FILES = 10  # in one upload
SHA256_LENGTH = 64


@dataclass(frozen=True)
class AttachmentFile:
    """A file to hand out: its name, type and bytes."""

    id: int
    instance_id: int
    name: str
    content_type: str
    sha256: str
    size: int
    content: bytes


def checked_files(uploads: Sequence[Upload], limits: Limits) -> list[CheckedFile]:
    """Every file checked before anything is stored. :raise InvalidInput: the first one refused, named."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} files at once")
    return [check_file(upload, limits) for upload in uploads]


def attach(session: Session, collaborators: Collaborators, actor: Actor, task_id: int,
           uploads: Sequence[Upload], field: str | None = None) -> list[Attachment]:
    """Attach files to a step of a request: to one of its form's attachment fields (the task's holder, while it
    is open) or to the request at that step (whoever may comment on it).

    :raise NotAllowed: :raise Conflict: a field of a task that is no longer open.
    :raise InvalidInput: no file, a file refused (too big, wrong type, a path for a name, empty), or a field the
    form does not have for files. Nothing is stored then.
    """
    task, instance = load_task(session, task_id)
    if field is not None:
        rights.require_task_role(actor, task)  # before its state, so that a stranger learns nothing about it
        if task.state != "open":
            raise Conflict(f"task {task.id} is already {task.state}: its form takes no more files")
        if not rights.may_attach_to_form(actor, task):
            raise NotAllowed(f"task {task.id} is held by someone else: only its holder attaches files to its form")
        schema = collaborators.catalog.get(session, instance.definition_id).tasks.get(task.name)
        if field not in attachment_fields(schema.schema if schema is not None else {}):
            raise InvalidInput(f"the form of {task.name} has no field {field!r} for files")
    elif not rights.may_comment(session, actor, task, instance):
        raise NotAllowed(f"{actor.username} may not attach files to task {task.id}")
    if not uploads:
        raise InvalidInput("no file to attach")
    files = checked_files(uploads, collaborators.attachment_limits)
    now = collaborators.clock()
    added, events = store(session, actor, instance, task, files, now, field=field)
    write_step(session, collaborators, Step(instance, events), now)
    return added


def store(session: Session, actor: Actor, instance: ProcessInstance, task: HumanTask, files: list[CheckedFile],
          now: datetime, field: str | None = None, comment_id: int | None = None,
          ) -> tuple[list[Attachment], list[PendingEvent]]:
    """Store checked files (bytes once per hash) and their rows; return them and their history events, which
    the caller writes with its step."""
    blobs = {hashlib.sha256(f.content).hexdigest(): f.content for f in files}
    statement = (postgresql.insert(AttachmentBlob) if session.get_bind().dialect.name == "postgresql"
                 else sqlite.insert(AttachmentBlob)).on_conflict_do_nothing(index_elements=["sha256"])
    session.execute(statement, [{"sha256": sha, "size": len(content), "content": content, "created_at": now}
                                for sha, content in blobs.items()])
    rows: list[dict[str, Any]] = [
        {"instance_id": instance.id, "human_task_id": task.id, "comment_id": comment_id, "field": field,
         "name": f.name, "sha256": hashlib.sha256(f.content).hexdigest(), "size": len(f.content),
         "content_type": f.content_type, "added_by_id": actor.id, "created_at": now} for f in files]
    ids = list(session.scalars(insert(AttachmentRow).returning(AttachmentRow.id, sort_by_parameter_order=True), rows))
    added: list[Attachment] = []
    events: list[PendingEvent] = []
    for row_id, row in zip(ids, rows, strict=True):
        payload: dict[str, Any] = {"attachment_id": row_id, "name": row["name"], "sha256": row["sha256"],
                                   "size": row["size"], "content_type": row["content_type"]}
        if field is not None:
            payload["field"] = field
        if comment_id is not None:
            payload["comment"] = comment_id
        events.append(PendingEvent("attachment_added", actor.username, task.name, task.id, payload=payload))
        added.append({"id": row_id, "instance_id": instance.id, "task_id": task.id, "step": task.name,
                      "field": field, "comment_id": comment_id, "name": row["name"], "sha256": row["sha256"],
                      "size": row["size"], "content_type": row["content_type"], "added_by": actor.username,
                      "added_by_name": actor.display_name, "at": utc_iso(now)})
    return added, events


def list_attachments(session: Session, actor: Actor, instance_id: int) -> list[Attachment]:
    """A request's attachments, oldest first, for whoever may see it."""
    instance = load_instance(session, instance_id)
    rights.require_see_instance(session, actor, instance)
    rows = session.execute(
        select(AttachmentRow, HumanTask.name, User.username, User.display_name)
        .join(HumanTask, HumanTask.id == AttachmentRow.human_task_id).join(User, User.id == AttachmentRow.added_by_id)
        .where(AttachmentRow.instance_id == instance.id).order_by(AttachmentRow.id)).all()
    return [{"id": a.id, "instance_id": a.instance_id, "task_id": a.human_task_id, "step": step, "field": a.field,
             "comment_id": a.comment_id, "name": a.name, "sha256": a.sha256, "size": a.size,
             "content_type": a.content_type, "added_by": username, "added_by_name": name, "at": utc_iso(a.created_at)}
            for a, step, username, name in rows]


def open_attachment(session: Session, actor: Actor, instance_id: int, ref: str) -> AttachmentFile:
    """One of a request's files by its id or SHA-256, for whoever may see the request.

    :raise NotAllowed: :raise NotFound: :raise HistoryTampered: its stored bytes no longer have its hash.
    """
    instance = load_instance(session, instance_id)
    rights.require_see_instance(session, actor, instance)
    query = select(AttachmentRow).where(AttachmentRow.instance_id == instance.id)
    if ref.isdigit() and len(ref) < 10:
        query = query.where(AttachmentRow.id == int(ref))
    elif len(ref) == SHA256_LENGTH and all(c in "0123456789abcdef" for c in ref):
        query = query.where(AttachmentRow.sha256 == ref)
    else:
        raise NotFound(f"no attachment {ref!r}: name one by its id or its SHA-256")
    found = session.scalars(query.order_by(AttachmentRow.id).limit(1)).first()
    if found is None:
        raise NotFound(f"instance {instance.id} has no attachment {ref}")
    content = session.scalar(select(AttachmentBlob.content).where(AttachmentBlob.sha256 == found.sha256))
    if content is None or hashlib.sha256(content).hexdigest() != found.sha256:
        raise HistoryTampered(f"the stored bytes of attachment {found.name!r} (instance {instance.id}) no longer "
                              "match their SHA-256; run 'opsflow verify'")
    return AttachmentFile(found.id, instance.id, found.name, found.content_type, found.sha256, found.size,
                          bytes(content))


def task_instance(session: Session, actor: Actor, task_id: int) -> int:
    """The request a task belongs to, for someone who may see the task. :raise NotAllowed: :raise NotFound:"""
    task, instance = load_task(session, task_id)
    rights.require_see_task(session, actor, task, instance)
    return instance.id
