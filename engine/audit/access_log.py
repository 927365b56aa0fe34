"""The audit access log: every look through the audit workspace, recorded as it happens.

``record_view`` is called by each audit use case inside its own transaction, so a view that fails
(not allowed, not found) leaves no row, and a view that is shown always has one. What was looked at:

- ``search``: a page of search results (the filters and the ids listed are in ``detail``);
- ``instance``: an instance's audit view; ``replay``: an instance as it was after step N;
- ``diagram``: an instance's diagram with its path, or a version's diagram with its heatmap;
- ``heatmap``: a version's heatmap and cycle times; ``access_log``: this log itself;
- other kinds may be recorded by other readers of history (exports), through the same function.

The log is append-only: opsflow offers no use case, route or command that changes or removes a
row, and migration 0008 installs database triggers that refuse UPDATE and DELETE on the table.
(An operator with the rights to drop triggers can still do anything to the database; the other
half of tamper evidence is the signed checkpoints of the history, not this table.)

Who may read it: the holders of the ``see the audit access log`` right (auditors and admins),
filtered by viewer and by instance, newest first, with keyset paging by id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import InvalidInput
from ..models import AuditAccess, ProcessDefinition
from ..org.people import Actor
from ..org.rights import Right, require
from ..text_input import text_problem
from .views import AccessEntry, AccessPage

KINDS = ("search", "instance", "replay", "diagram", "heatmap", "access_log", "export")
MAX_DETAIL = 1000
MAX_PAGE = 200


def record_view(session: Session, actor: Actor, what: str, now: datetime, instance_id: int | None = None,
                definition_id: int | None = None, detail: str = "") -> None:
    """Append one row: ``actor`` (a person, or the operator by name) looked at ``what`` at ``now``.

    Runs in the caller's transaction and never commits.
    """
    viewer = actor.username
    text = detail if len(detail) <= MAX_DETAIL else detail[: MAX_DETAIL - 1] + "…"
    session.execute(insert(AuditAccess).values(
        viewed_at=now, viewer=viewer[:100], what=what[:32], instance_id=instance_id, definition_id=definition_id,
        detail=text))


def list_views(session: Session, actor: Actor, viewer: str | None = None, instance_id: int | None = None,
               before_id: int | None = None, limit: int = 100) -> AccessPage:
    """The log, newest first, for the auditors of auditors; ``next`` pages on (the id to pass as ``before_id``).

    :raise NotAllowed: without the right to see the access log.
    :raise InvalidInput: a limit out of range or a viewer name no one could have.
    """
    require(actor, Right.SEE_ACCESS_LOG, "see the audit access log")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be from 1 to {MAX_PAGE}")
    query = (select(AuditAccess, ProcessDefinition.key, ProcessDefinition.version)
             .outerjoin(ProcessDefinition, ProcessDefinition.id == AuditAccess.definition_id)
             .order_by(AuditAccess.id.desc()).limit(limit + 1))
    if viewer:
        if text_problem(viewer):
            raise InvalidInput(f"the viewer {text_problem(viewer)}")
        query = query.where(AuditAccess.viewer == viewer)
    if instance_id is not None:
        query = query.where(AuditAccess.instance_id == instance_id)
    if before_id is not None:
        query = query.where(AuditAccess.id < before_id)
    rows = session.execute(query).all()
    items: list[AccessEntry] = [
        {"id": row.id, "at": utc_iso(row.viewed_at), "viewer": row.viewer, "what": row.what,
         "instance_id": row.instance_id, "definition_id": row.definition_id, "process": key, "version": version,
         "detail": row.detail}
        for row, key, version in rows[:limit]]
    return {"items": items, "next": items[-1]["id"] if len(rows) > limit else None}
