"""The case file (案卷): one instance as a person reads and prints it, with the proof that its history is intact.

What it holds: the audit view (every step: who, when, decision, comment; the data; the path), the forms that
label the data, the attachments with their SHA-256, the separation-of-duties and deadline findings of the
instance, and the proof: the instance's leaves in the newest checkpoint, the inclusion proof of its newest
covered event (RFC 9162 audit path, checked here against the signed root), and the checkpoint's signature
lines, the server's own and any cosignatures (witnesses: any signature line by a key name other than the
checkpoint's origin). The web layer turns it into HTML and PDF in the reader's language.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import aware_utc, utc_iso
from ..history import merkle
from ..history.verify import check_history
from ..history.witnesses import witness_lines
from ..models import Attachment, HistoryEvent, HumanTask, ProcessDefinition, User
from ..org.people import Actor
from ..runtime.collaborators import Collaborators
from ..runtime.instance_views import version_forms
from ..runtime.views import StepForm
from .badge import badge
from .breaches import MAX_LIMIT, BreachQuery, list_breaches
from .diagram import version_bpmn
from .instance_audit import audit_view
from .sod_report import SodQuery, sod_findings
from .views import AuditView, Breach, Integrity, SodFinding


@dataclass(frozen=True, slots=True)
class CaseAttachment:
    """A file attached to the request: on which step (task name; None: the start form), by whom, its hash."""

    name: str
    sha256: str
    size: int
    content_type: str
    step: str | None
    by: str
    at: str
    field: str | None


@dataclass(frozen=True, slots=True)
class CaseProof:
    """The instance's place in the newest checkpoint (``size`` 0: there is none yet).

    ``leaves``: the tree indices of its events that the checkpoint covers; ``pending``: its events written
    since. ``inclusion``: the newest covered leaf's index and audit path (base64 hashes); ``inclusion_ok``:
    whether that path leads to the signed root. ``signatures``: the server's signature lines;
    ``cosignatures``: the other keys' (the witnesses')."""

    origin: str = ""
    size: int = 0
    root: str = ""
    made_at: str | None = None
    checkpoint_name: str | None = None
    note: str = ""
    leaves: list[int] = field(default_factory=list)
    pending: int = 0
    inclusion_index: int | None = None
    inclusion_path: list[str] = field(default_factory=list)
    inclusion_ok: bool | None = None
    signatures: list[str] = field(default_factory=list)
    cosignatures: list[str] = field(default_factory=list)
    integrity: Integrity | None = None


@dataclass(frozen=True, slots=True)
class CaseFile:
    """Everything the case file of one instance shows (``made_at``: when it was put together, UTC ISO 8601)."""

    view: AuditView
    forms: dict[str, StepForm]
    bpmn: str
    attachments: list[CaseAttachment]
    sod: list[SodFinding]
    breaches: list[Breach]
    proof: CaseProof
    made_at: str
    made_by: str


def _forms(collaborators: Collaborators, session: Session, definition_id: int) -> dict[str, StepForm]:
    """The start form and each task's form, in flow order (what labels the data, as the task pages do)."""
    return version_forms(session, collaborators, definition_id)


def _attachments(session: Session, instance_id: int) -> list[CaseAttachment]:
    rows = session.execute(
        select(Attachment, HumanTask.name, User.username)
        .outerjoin(HumanTask, HumanTask.id == Attachment.human_task_id)
        .outerjoin(User, User.id == Attachment.added_by_id)
        .where(Attachment.instance_id == instance_id).order_by(Attachment.id))
    return [CaseAttachment(a.name, a.sha256, a.size, a.content_type, step, by or "", utc_iso(aware_utc(a.created_at)),
                           a.field) for a, step, by in rows]


def _signature_lines(note: str, origin: str) -> tuple[list[str], list[str]]:
    lines = [line for line in note.partition("\n\n")[2].splitlines() if line.startswith("— ")]
    own = [line for line in lines if line.split(" ")[1:2] == [origin]]
    return own, [line for line in lines if line not in own]


def _proof(session: Session, collaborators: Collaborators, instance_id: int) -> CaseProof:
    settings = collaborators.checkpoints
    report = check_history(session, settings, instance_id)
    integrity = badge(report)
    checkpoint = report.checkpoint
    if checkpoint is None:
        return CaseProof(pending=report.pending, integrity=integrity)
    indices = sorted(i for i in session.scalars(select(HistoryEvent.tree_index).where(
        HistoryEvent.instance_id == instance_id, HistoryEvent.tree_index.is_not(None)))
        if i is not None and i < checkpoint.size)
    own, others = _signature_lines(checkpoint.text, checkpoint.origin)
    others += witness_lines(settings, checkpoint)  # the configured witnesses' cosignatures, stored beside it
    verified = settings.verified_trees.get((checkpoint.size, checkpoint.root))
    index, path, path_ok = None, [], None
    if indices and verified is not None:  # the tiles reproduced the signed root (check_history kept them)
        index = indices[-1]
        hashes = verified[0]
        proof = merkle.Tree(hashes).inclusion_proof(index)
        path = [base64.b64encode(h).decode() for h in proof]
        path_ok = merkle.root_from_inclusion(index, checkpoint.size, hashes[index], proof) == checkpoint.root
    return CaseProof(
        origin=checkpoint.origin, size=checkpoint.size, root=base64.b64encode(checkpoint.root).decode(),
        made_at=checkpoint.made_at, checkpoint_name=checkpoint.file.rsplit("/", 1)[-1] if checkpoint.file else None,
        note=checkpoint.text.partition("\n\n")[0], leaves=indices, pending=report.pending, inclusion_index=index,
        inclusion_path=path, inclusion_ok=path_ok, signatures=own, cosignatures=others, integrity=integrity)


def case_file(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
              now: datetime) -> CaseFile:
    """The case file of one instance (the caller checked the right and recorded the export).

    :raise InstanceNotFound: :raise NotAllowed:
    """
    view = audit_view(session, collaborators, actor, instance_id)
    key = view["process"]
    sod = [f for f in sod_findings(session, collaborators.catalog, actor, SodQuery(process=key))
           if f["instance_id"] == instance_id]
    late = list_breaches(session, actor, BreachQuery(process=key, limit=MAX_LIMIT, instance_id=instance_id), now)
    definition = session.get(ProcessDefinition, view["definition_id"])
    assert definition is not None  # the view read it
    return CaseFile(view, _forms(collaborators, session, view["definition_id"]), version_bpmn(session, definition),
                    _attachments(session, instance_id), sod, late, _proof(session, collaborators, instance_id),
                    utc_iso(now), actor.username)
