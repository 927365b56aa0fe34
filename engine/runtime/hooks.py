"""Where a process domain plugs in: code that runs when its processes start or a step completes.

A domain (e.g. ``engine.appraisal``) registers its hooks itself; the runtime only calls them.
Each hook runs inside the use case's transaction, so whatever it refuses changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..models import ProcessInstance
from ..org.people import Actor

if TYPE_CHECKING:
    from .collaborators import Collaborators

# After an instance of a process started: (session, collaborators, instance id, starter, start data) -> extra result.
StartHook = Callable[[Session, "Collaborators", int, Actor, dict[str, Any]], dict[str, Any]]
# Before a step's data moves the process on: (session, collaborators, instance, actor, submitted data).
CompleteHook = Callable[[Session, "Collaborators", ProcessInstance, Actor, dict[str, Any]], None]
# A kind of job a domain runs in the worker: (session, collaborators, the job's payload, now).
JobHook = Callable[[Session, "Collaborators", dict[str, Any], datetime], None]


@dataclass
class ProcessHooks:
    start: dict[str, StartHook] = field(default_factory=dict)
    complete: dict[tuple[str, str], CompleteHook] = field(default_factory=dict)
    # Processes only another process starts (key -> that process), e.g. appraisals by their cycle.
    started_by_parent: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, JobHook] = field(default_factory=dict)

    def on_start(self, process_key: str, hook: StartHook) -> None:
        """Run ``hook`` after an instance of ``process_key`` started, in the same transaction."""
        self.start[process_key] = hook

    def on_complete(self, process_key: str, task_name: str, hook: CompleteHook) -> None:
        """Check (or act on) a step's validated data before the process moves on."""
        self.complete[(process_key, task_name)] = hook

    def on_job(self, kind: str, hook: JobHook) -> None:
        """Run jobs of ``kind`` (queued with ``engine.runtime.outbox.schedule_jobs``) with ``hook``."""
        self.jobs[kind] = hook

    def started_only_by(self, process_key: str, parent_key: str) -> None:
        """``process_key`` is started by ``parent_key``'s instances only, never by a person."""
        self.started_by_parent[process_key] = parent_key
