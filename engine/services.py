"""The collaborators every use case needs, assembled once by ``engine.facade.build_engine``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .catalog import DefinitionCatalog
from .execution import WorkflowRunner
from .state import StateCodec

Clock = Callable[[], datetime]


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
