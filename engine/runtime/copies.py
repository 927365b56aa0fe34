"""Copying a request to people (抄送, CC): they are told, may read it, and find it in "CC'd to me".

Ad hoc, by its starter or whoever holds one of its open tasks (``rights.may_copy``). A person is copied once
per request (copying them again changes nothing); the copy is on the instance's record (``instance_copied``)
and read access follows from it (``rights.may_see_instance``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import InvalidInput, NotAllowed, NotFound
from ..history.log import PendingEvent
from ..models import InstanceCopy, ProcessInstance, User
from ..org import rights
from ..org.people import Actor, load_actor
from ..text_input import text_problem
from .collaborators import Collaborators
from .instances import load_instance
from .outbox import Message
from .step_writer import Step, write_step
from .views import CopyEntry, CopyResult

MAX_PEOPLE = 20
MAX_NOTE_LENGTH = 1000
LISTED = 100


def copy_instance(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
                  to_usernames: list[str], note: str = "") -> CopyResult:
    """Copy a request to ``to_usernames`` with an optional note.

    :raise NotAllowed: the actor is neither its starter nor the holder of one of its open tasks.
    :raise UserNotFound: someone named is no active user. :raise InvalidInput: nobody named, too many, or a
    note that is too long or unprintable.
    """
    instance = load_instance(session, instance_id)
    if not rights.may_copy(session, actor, instance):
        raise NotAllowed(f"{actor.username} may not copy instance {instance.id}: only its starter and the holders "
                         "of its open tasks may")
    names = list(dict.fromkeys(name.strip() for name in to_usernames if name and name.strip()))
    if not names:
        raise InvalidInput("name at least one person to copy the request to")
    if len(names) > MAX_PEOPLE:
        raise InvalidInput(f"a request may be copied to at most {MAX_PEOPLE} people at once")
    text = (note or "").strip()
    if len(text) > MAX_NOTE_LENGTH or text_problem(text):
        raise InvalidInput(f"the note must be printable text of at most {MAX_NOTE_LENGTH} characters")
    people = [load_actor(session, name) for name in names]
    already = set(session.scalars(select(InstanceCopy.user_id).where(
        InstanceCopy.instance_id == instance.id, InstanceCopy.user_id.in_([p.id for p in people]))))
    new = [p for p in people if p.id not in already and p.id != actor.id]
    now = collaborators.clock()
    if new:
        session.execute(insert(InstanceCopy), [
            {"instance_id": instance.id, "user_id": p.id, "copied_by": actor.username, "note": text,
             "created_at": now, "read_at": None} for p in new])
        write_step(session, collaborators, Step(instance, [PendingEvent(
            "instance_copied", actor.username, None, payload={"copied_to": [p.username for p in new],
                                                              **({"note": text} if text else {})})],
            notify=[_told(instance, actor, [p.id for p in new], text)]), now)
    return {"instance_id": instance.id, "copied": [p.username for p in new],
            "already": [p.username for p in people if p.id in already or p.id == actor.id]}


def _told(instance: ProcessInstance, actor: Actor, user_ids: list[int], note: str) -> Message:
    return Message(user_ids, "copied", f"抄送 CC: {actor.display_name} 抄送给你 · {actor.display_name} copied you — "
                                       f"{instance.title}", body=note, instance_id=instance.id)


def copies_of(session: Session, actor: Actor, unread_only: bool = False) -> list[CopyEntry]:
    """The requests copied to ``actor``, newest first (at most ``LISTED``)."""
    copier = select(User.display_name).where(User.username == InstanceCopy.copied_by).scalar_subquery()
    query = (select(InstanceCopy, ProcessInstance.title, ProcessInstance.process_key, ProcessInstance.status,
                    ProcessInstance.end_event, copier.label("copier_name"))
             .join(ProcessInstance, ProcessInstance.id == InstanceCopy.instance_id)
             .where(InstanceCopy.user_id == actor.id))
    if unread_only:
        query = query.where(InstanceCopy.read_at.is_(None))
    rows = session.execute(query.order_by(InstanceCopy.id.desc()).limit(LISTED)).all()
    return [{"instance_id": c.instance_id, "title": title, "process": key, "status": status, "end_event": end,
             "copied_by": c.copied_by, "copied_by_name": name or c.copied_by, "by_process": name is None and
             c.copied_by == key, "note": c.note,
             "at": utc_iso(c.created_at), "read": c.read_at is not None}
            for c, title, key, status, end, name in rows]


def unread_copies(session: Session, actor: Actor) -> int:
    return int(session.scalar(select(func.count()).select_from(InstanceCopy).where(
        InstanceCopy.user_id == actor.id, InstanceCopy.read_at.is_(None))) or 0)


def open_copy(session: Session, actor: Actor, instance_id: int, now: datetime) -> int:
    """Mark a request copied to ``actor`` read, as they open it; its id. :raise NotFound: no such copy of theirs."""
    found = session.execute(update(InstanceCopy).where(
        InstanceCopy.instance_id == instance_id, InstanceCopy.user_id == actor.id, InstanceCopy.read_at.is_(None))
        .values(read_at=now).execution_options(synchronize_session=False))
    if found.rowcount == 0 and session.scalar(select(InstanceCopy.id).where(  # type: ignore[attr-defined]
            InstanceCopy.instance_id == instance_id, InstanceCopy.user_id == actor.id)) is None:
        raise NotFound(f"instance {instance_id} was not copied to {actor.username}")
    return instance_id
