"""Deploying bundles as versioned process definitions: all checked first, then stored; all or nothing.

``deploy`` is the one deploy use case (the CLI's files, the API's uploads, the modeler's drafts, and
``opsflow init``): the one deploy check (``deploy_check``), then ``store`` of what it parsed. A version
is stored with the files it was made from (``DefinitionFile``). Unchanged content (the same BPMN,
called DMN tables and forms, compared by their canonical content: ``canonical``) is not a new version;
running instances keep theirs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import DefinitionFile, ProcessDefinition, TaskDefinition
from ..org.people import Actor
from .bundle import DefinitionBundle
from .canonical import content_digest
from .deploy_check import BundleRule, CheckedDeploy, check_deploy
from .parser import ParsedProcess
from .spec_codec import SpecCodec
from .views import Deployment


@dataclass(frozen=True)
class DeployResult:
    """One process of a deploy: its version, whether it is new, and the file it came from (the CLI shows it)."""

    key: str
    version: int
    status: Literal["deployed", "unchanged"]
    source: str

    def deployment(self) -> Deployment:
        """As the API answers it."""
        return {"key": self.key, "version": self.version, "status": self.status}


def _same_content(session: Session, latest: ProcessDefinition, parsed: ParsedProcess) -> bool:
    """The latest version's files say what ``parsed``'s say (a modeler's rewriting of a file is not a change)."""
    rows = session.scalars(select(DefinitionFile).where(DefinitionFile.definition_id == latest.id)).all()
    stored = {r.name: (r.kind, r.content.encode("utf-8")) for r in rows}
    return bool(stored) and content_digest(stored) == content_digest(parsed.files)


def _store(session: Session, parsed: ParsedProcess, specs: SpecCodec, now: datetime, by: str,
           note: str = "") -> DeployResult:
    latest = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == parsed.key)
        .order_by(ProcessDefinition.version.desc()).limit(1)
    ).first()
    if latest is not None and (latest.checksum == parsed.checksum or _same_content(session, latest, parsed)):
        return DeployResult(parsed.key, latest.version, "unchanged", parsed.source_name)
    definition = ProcessDefinition(
        key=parsed.key, version=(latest.version + 1) if latest else 1, title=parsed.title,
        title_zh=parsed.title_zh, source_name=parsed.source_name, checksum=parsed.checksum,
        bpmn_xml=parsed.bpmn_xml, spec_json=specs.to_json(parsed.spec, parsed.subprocess_specs),
        start_form_json=json.dumps(parsed.start_form, ensure_ascii=False) if parsed.start_form else None,
        start_roles=",".join(parsed.start_roles), instance_title=parsed.instance_title,
        business_key=parsed.business_key, notify_on_end=parsed.notify_on_end,
        transfer_rule=parsed.transfer_rule, when_no_holder=parsed.when_no_holder,
        skip_same_approver=parsed.skip_same_approver, deployed_at=now, deployed_by=by,
        change_note=note,
    )
    session.add(definition)
    session.flush()
    for task in parsed.user_tasks:
        session.add(TaskDefinition(
            definition_id=definition.id, name=task.name, title=task.title, title_zh=task.title_zh,
            lane=task.lane, form_name=task.form_name, form_json=json.dumps(task.form, ensure_ascii=False),
            context_from=",".join(task.context_from), instructions=task.instructions,
            instructions_zh=task.instructions_zh,
            assignee_path=task.assignee_path, due_window=task.due_window, notify_on_complete=task.notify_on_complete,
            bulk_approve=task.bulk_approve,
        ))
    for name, (kind, content) in parsed.files.items():
        session.add(DefinitionFile(definition_id=definition.id, name=name, kind=kind,
                                   content=content.decode("utf-8", errors="replace"),
                                   sha256=hashlib.sha256(content).hexdigest()))
    return DeployResult(parsed.key, definition.version, "deployed", parsed.source_name)


def store(session: Session, checked: CheckedDeploy, specs: SpecCodec, now: datetime) -> list[DeployResult]:
    """Store what passed the deploy check as new versions (unchanged content is not stored again)."""
    return [_store(session, p, specs, now, checked.by, checked.note) for p in checked.processes]


def deploy(
    session: Session, actor: Actor, bundles: list[DefinitionBundle], specs: SpecCodec, now: datetime, note: str,
    rules: Sequence[BundleRule] = (),
) -> list[DeployResult]:
    """Check every bundle (``deploy_check.check_deploy``: the deploy right, the note, every problem), then
    store the new versions, recorded as deployed by the actor with the note.

    :raise NotAllowed: naming the deploy right, before anything is read. :raise InvalidInput: no usable note.
    :raise DeploymentRejected: the first bundle with errors, with every error it has.
    """
    return store(session, check_deploy(session, actor, bundles, note, rules), specs, now)
