"""Publishing checkpoints as they are made: one ``publish_checkpoint`` job per destination (``OPSFLOW_PUBLISH_*``,
``engine.history.publish``), so that a destination that fails is retried, then becomes an incident an operator
sees with its reason, while checkpoints go on being made. E-mail goes to the holders of the roles in
``OPSFLOW_PUBLISH_EMAIL`` through the notifications and their e-mail jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..errors import ProcessError
from ..history import publish
from ..history.checkpoints import CheckpointSettings
from ..history.sequencer import CheckpointResult, make_checkpoint
from ..runtime import outbox
from ..runtime.collaborators import Collaborators
from .jobs import LeasedJob

JOB_KIND = "publish_checkpoint"


@dataclass(frozen=True)
class Published:
    destination: str  # folder, http, email
    ok: bool
    message: str


def schedule(session: Session, settings: CheckpointSettings, name: str, now: datetime) -> int:
    """Queue the publication of the checkpoint-folder file ``name`` (a checkpoint, or a rollback note) to every
    destination; return how many jobs."""
    targets = publish.destinations(settings)
    outbox.schedule_jobs(session, [{"kind": JOB_KIND, "due_at": now, "payload": {"file": name, "to": to},
                                    "max_attempts": 5} for to in targets], now)
    return len(targets)


def checkpoint_and_publish(session_factory: sessionmaker[Session], settings: CheckpointSettings, now: datetime,
                           min_new: int = 1, max_age: timedelta | None = None) -> CheckpointResult:
    """``make_checkpoint``, then queue the new checkpoint's publication (its own transaction)."""
    result = make_checkpoint(session_factory, settings, now, min_new, max_age)
    if result.file is not None and publish.destinations(settings):
        with transaction(session_factory) as session:
            schedule(session, settings, result.file, now)
    return result


def _email(session: Session, collaborators: Collaborators, name: str, now: datetime) -> str:
    settings = collaborators.checkpoints
    assert settings.publish is not None
    if not collaborators.email_enabled:
        raise ProcessError("the checkpoint cannot be e-mailed: this worker has no mail settings (OPSFLOW_SMTP_HOST)")
    readers = sorted({u for role in settings.publish.email_roles for u in outbox.users_with_role(session, role)})
    if not readers:
        raise ProcessError(f"nobody holds the role(s) {', '.join(settings.publish.email_roles)} "
                           "(OPSFLOW_PUBLISH_EMAIL) to e-mail the checkpoint to")
    files = publish.files_of(settings, name)
    body = "\n".join(f"----- {publish.PUBLIC_KEY_NAME if p == settings.public_key_file else p.name} -----\n"
                     + p.read_text(encoding="utf-8") for p in files)
    outbox.send(session, [outbox.Message(readers, "checkpoint", f"检查点 Checkpoint: {name}", body=body,
                                         dedupe=f"checkpoint:{name}")], now, True)
    return f"e-mail queued for {len(readers)} reader(s)"


def publish_one(session: Session, collaborators: Collaborators, name: str, to: str, now: datetime) -> str:
    """Send the file ``name`` to one destination; what was done. :raise PublishFailed: :raise ProcessError:"""
    settings = collaborators.checkpoints
    if to == publish.EMAIL:
        return _email(session, collaborators, name, now)
    files = publish.files_of(settings, name)
    if to == publish.FOLDER:
        publish.to_folder(settings, files)
        return f"copied to {settings.publish.folder if settings.publish else '?'}"
    if to == publish.HTTP:
        publish.to_http(settings, files)
        return f"posted to {settings.publish.url if settings.publish else '?'}"
    raise ProcessError(f"no such publishing destination: {to!r}")


def publish_checkpoint(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """The job: one file to one destination (raises to be retried, then to become an incident)."""
    publish_one(session, collaborators, str(job.payload["file"]), str(job.payload["to"]), now)


def publish_now(session: Session, collaborators: Collaborators, name: str, now: datetime) -> list[Published]:
    """Publish ``name`` to every destination now, each failure said rather than raised (``--publish``)."""
    done: list[Published] = []
    for to in publish.destinations(collaborators.checkpoints):
        try:
            done.append(Published(to, True, publish_one(session, collaborators, name, to, now)))
        except (publish.PublishFailed, ProcessError) as exc:
            done.append(Published(to, False, exc.message))
    return done
