"""Deploying BPMN files as versioned process definitions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .definition_parser import ParsedProcess, parse_definition_file
from .errors import InvalidInput
from .models import ProcessDefinition, TaskDefinition
from .org import known_roles, relationship_roles
from .state import StateCodec


@dataclass
class DeployResult:
    key: str
    version: int
    status: str  # "deployed" or "unchanged"
    source: str


def bpmn_files(paths: list[Path]) -> list[Path]:
    """The BPMN files named by ``paths``: files, folders, or a DMN file's folder.

    :raise InvalidInput: a path that does not exist or holds no BPMN file.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            files = sorted(path.glob("*.bpmn"))
        elif path.is_file() and path.suffix == ".dmn":
            files = sorted(path.parent.glob("*.bpmn"))
        elif path.is_file():
            files = [path]
        else:
            raise InvalidInput(f"no such file or folder: {path}")
        if not files:
            raise InvalidInput(f"no BPMN file in {path}")
        found += [f for f in files if f not in found]
    return found


def _store(session: Session, parsed: ParsedProcess, codec: StateCodec, now: datetime, by: str) -> DeployResult:
    latest = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == parsed.key)
        .order_by(ProcessDefinition.version.desc()).limit(1)
    ).first()
    if latest is not None and latest.checksum == parsed.checksum:
        return DeployResult(parsed.key, latest.version, "unchanged", parsed.source_name)
    definition = ProcessDefinition(
        key=parsed.key, version=(latest.version + 1) if latest else 1, title=parsed.title,
        title_zh=parsed.title_zh, source_name=parsed.source_name, checksum=parsed.checksum,
        bpmn_xml=parsed.bpmn_xml, spec_json=codec.spec_to_json(parsed.spec, parsed.subprocess_specs),
        start_form_json=json.dumps(parsed.start_form, ensure_ascii=False) if parsed.start_form else None,
        start_roles=",".join(parsed.start_roles), instance_title=parsed.instance_title,
        business_key=parsed.business_key, notify_on_end=parsed.notify_on_end, deployed_at=now, deployed_by=by,
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
    return DeployResult(parsed.key, definition.version, "deployed", parsed.source_name)


def deploy(
    session: Session, paths: list[Path], forms_root: Path, codec: StateCodec, now: datetime, by: str = ""
) -> list[DeployResult]:
    """Validate every file first, then store new versions; all or nothing.

    :raise DeploymentRejected: the first file that fails, with every problem it has.
    """
    roles = known_roles(session)
    relationships = frozenset(relationship_roles(session))
    parsed: list[ParsedProcess] = []
    for path in bpmn_files(paths):
        dmn = sorted(path.parent.glob("*.dmn"))
        parsed += parse_definition_file(path, forms_root, roles, dmn, relationships)
    keys = [p.key for p in parsed]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise InvalidInput(f"process id(s) defined in more than one file: {', '.join(duplicates)}")
    return [_store(session, p, codec, now, by) for p in parsed]
