"""The files attached on each task of some instances, for the process-mining exports (XES, OCEL): a completed
task's event names the files attached on that task before it was completed (附件)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..models import Attachment


@dataclass(frozen=True)
class TaskFile:
    name: str
    sha256: str
    size: int
    content_type: str
    at: datetime


def files_by_task(session: Session, instance_ids: Sequence[int]) -> dict[int, list[TaskFile]]:
    """Human task id → the files attached on it, oldest first (one statement)."""
    found: dict[int, list[TaskFile]] = {}
    if not instance_ids:
        return found
    for row in session.execute(
            select(Attachment.human_task_id, Attachment.name, Attachment.sha256, Attachment.size,
                   Attachment.content_type, Attachment.created_at)
            .where(Attachment.instance_id.in_(list(instance_ids))).order_by(Attachment.id)):
        found.setdefault(row.human_task_id, []).append(
            TaskFile(row.name, row.sha256, row.size, row.content_type, aware_utc(row.created_at)))
    return found


def before(files: dict[int, list[TaskFile]], task_id: int | None, moment: datetime) -> list[TaskFile]:
    """The files of ``task_id`` attached by ``moment`` (its completion)."""
    if task_id is None:
        return []
    done = aware_utc(moment)
    return [f for f in files.get(task_id, []) if f.at <= done]
