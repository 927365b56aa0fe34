"""What the notification use cases hand out (the web pages and the CLI show it; the API does not send it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Notification:
    """One in-app notification as its reader sees it (``at``: ISO 8601, UTC)."""

    id: int
    kind: str
    subject: str
    body: str
    instance_id: int | None
    task_id: int | None
    at: str
    read: bool
