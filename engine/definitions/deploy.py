"""Deploying bundles as versioned process definitions: all validated first, then stored; all or nothing.

A version is stored with the files it was made from (``DefinitionFile``). Unchanged content
(the same BPMN, called DMN tables and forms) is not a new version; running instances keep theirs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import DefinitionFile, ProcessDefinition, TaskDefinition
from ..org.people import Actor, known_roles, relationship_roles
from ..org.rights import Right, require
from .bundle import DefinitionBundle
from .parser import ParsedProcess, parse_bundle
from .spec_codec import SpecCodec


@dataclass
class DeployResult:
    key: str
    version: int
    status: str  # "deployed" or "unchanged"
    source: str


def _store(session: Session, parsed: ParsedProcess, specs: SpecCodec, now: datetime, by: str,
           note: str = "") -> DeployResult:
    latest = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == parsed.key)
        .order_by(ProcessDefinition.version.desc()).limit(1)
    ).first()
    if latest is not None and latest.checksum == parsed.checksum:
        return DeployResult(parsed.key, latest.version, "unchanged", parsed.source_name)
    definition = ProcessDefinition(
        key=parsed.key, version=(latest.version + 1) if latest else 1, title=parsed.title,
        title_zh=parsed.title_zh, source_name=parsed.source_name, checksum=parsed.checksum,
        bpmn_xml=parsed.bpmn_xml, spec_json=specs.to_json(parsed.spec, parsed.subprocess_specs),
        start_form_json=json.dumps(parsed.start_form, ensure_ascii=False) if parsed.start_form else None,
        start_roles=",".join(parsed.start_roles), instance_title=parsed.instance_title,
        business_key=parsed.business_key, notify_on_end=parsed.notify_on_end, deployed_at=now, deployed_by=by,
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
        ))
    for name, (kind, content) in parsed.files.items():
        session.add(DefinitionFile(definition_id=definition.id, name=name, kind=kind,
                                   content=content.decode("utf-8", errors="replace"),
                                   sha256=hashlib.sha256(content).hexdigest()))
    return DeployResult(parsed.key, definition.version, "deployed", parsed.source_name)


def store_bundles(
    session: Session, bundles: list[DefinitionBundle], specs: SpecCodec, now: datetime, by: str, note: str = "",
) -> list[DeployResult]:
    """Validate every bundle, then store the new versions (recorded as deployed ``by``, with ``note``).

    :raise DeploymentRejected: the first bundle that fails, with every problem it has.
    :raise InvalidInput: two bundles define the same process.
    """
    roles = known_roles(session)
    relationships = frozenset(relationship_roles(session))
    parsed: list[ParsedProcess] = []
    for bundle in bundles:
        parsed += parse_bundle(bundle, roles, relationships)
    keys = [p.key for p in parsed]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise InvalidInput(f"process id(s) defined in more than one file: {', '.join(duplicates)}")
    return [_store(session, p, specs, now, by, note) for p in parsed]


def deploy(
    session: Session, actor: Actor, bundles: list[DefinitionBundle], specs: SpecCodec, now: datetime, note: str = "",
) -> list[DeployResult]:
    """Deploy for someone holding the deploy right (analysts and admins).

    :raise NotAllowed: naming the deploy right, before anything is parsed.
    """
    require(actor, Right.DEPLOY, "deploy processes")
    return store_bundles(session, bundles, specs, now, actor.username, note)
