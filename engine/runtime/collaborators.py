"""The collaborators every use case works with, assembled once by ``engine.facade.build_engine``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..calendar import WorkingCalendar
from ..clock import Clock
from ..db import PROJECT_ROOT
from ..definitions.catalog import DefinitionCatalog
from ..definitions.spec_codec import SpecCodec
from ..history.checkpoints import CheckpointSettings
from ..org.ldap.settings import LdapSettings
from ..org.revision_memo import RevisionMemo
from .execution import WorkflowRunner
from .file_types import Limits
from .hooks import ProcessHooks
from .state import StateCodec


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """:raise OSError: (or the transport's own error) so that the job that called it is retried."""


@dataclass(frozen=True)
class LetterSettings:
    """What e-mails need beyond the transport: the web's address for links (``OPSFLOW_BASE_URL``, none: no
    link) and the time zone due dates are written in (``OPSFLOW_TIMEZONE``, as the web shows them)."""

    base_url: str | None = None
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> LetterSettings:
        env = dict(os.environ if env is None else env)
        return cls(base_url=env.get("OPSFLOW_BASE_URL") or None,
                   timezone=env.get("OPSFLOW_TIMEZONE") or "Asia/Shanghai")


@dataclass
class Collaborators:
    specs: SpecCodec
    codec: StateCodec
    catalog: DefinitionCatalog
    runner: WorkflowRunner
    clock: Clock
    calendar: WorkingCalendar
    forms_root: Path
    processes_root: Path
    data_root: Path
    packs_root: Path  # the process packs (``packs/<key>/``), installed on demand or by ``init --demo``
    hooks: ProcessHooks = field(default_factory=ProcessHooks)
    mailer: Mailer | None = None  # set when OPSFLOW_SMTP_HOST is
    letters: LetterSettings = field(default_factory=LetterSettings.from_env)
    # where the signed checkpoints and the tree's tiles go (outside the database), and the signing key
    checkpoints: CheckpointSettings = field(
        default_factory=lambda: CheckpointSettings.from_env(PROJECT_ROOT / "instance"))
    # how big an attachment may be and which types are accepted (OPSFLOW_ATTACHMENT_MAX_MB, _TYPES)
    attachment_limits: Limits = field(default_factory=Limits.from_env)
    # the organisation's directory for sign-in and its import (OPSFLOW_LDAP_*; None: off)
    ldap: LdapSettings | None = field(default_factory=LdapSettings.from_env)
    # who acts, who holds a role and who stands in today, kept while the directory revision a use case read stays
    directory_memo: RevisionMemo = field(default_factory=RevisionMemo)

    @property
    def email_enabled(self) -> bool:
        return self.mailer is not None
