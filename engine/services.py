"""The collaborators every use case needs, assembled once by ``engine.facade.build_engine``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .catalog import DefinitionCatalog
from .execution import WorkflowRunner
from .state import StateCodec

Clock = Callable[[], datetime]
# Runs after an instance of a process is started, in the same transaction (e.g. opening a cycle).
StartHook = Callable[..., dict[str, Any]]
CompleteHook = Callable[..., None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    codec: StateCodec
    catalog: DefinitionCatalog
    runner: WorkflowRunner
    clock: Clock
    forms_root: Path
    processes_root: Path
    data_root: Path
    mailer: Any = None  # engine.mailer.SmtpMailer when OPSFLOW_SMTP_HOST is set

    @property
    def email_enabled(self) -> bool:
        return self.mailer is not None
    start_hooks: dict[str, StartHook] = field(default_factory=dict)
    # Checks (and side effects) of completing one step, keyed by (process key, task name); run in the
    # step's transaction after its data is validated and before the process moves on.
    complete_hooks: dict[tuple[str, str], CompleteHook] = field(default_factory=dict)
    # Processes only another process starts (key -> that process), e.g. appraisals by their cycle.
    started_by_parent: dict[str, str] = field(default_factory=dict)
