"""The deployed versions of a process: who deployed each, when and why, and the instances on each."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound, ProcessNotFound
from ..models import DefinitionFile, ProcessDefinition, ProcessInstance
from ..org.people import Actor
from ..org.rights import Right, require
from .views import Files, Version, VersionDetail


class VersionNotFound(NotFound):
    def __init__(self, key: str, version: int) -> None:
        super().__init__(f"process {key!r} has no version {version}")


def list_versions(session: Session, actor: Actor, key: str) -> list[Version]:
    """Newest first, with how many instances run and have ended on each. :raise ProcessNotFound:"""
    require(actor, Right.MODEL, "see process versions")
    rows = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                           .order_by(ProcessDefinition.version.desc())).all()
    if not rows:
        raise ProcessNotFound(key)
    counts: dict[tuple[int, str], int] = {
        (definition_id, status): int(n) for definition_id, status, n in session.execute(
            select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
            .where(ProcessInstance.process_key == key)
            .group_by(ProcessInstance.definition_id, ProcessInstance.status))}
    return [{"key": r.key, "version": r.version, "title": r.title, "title_zh": r.title_zh,
             "deployed_by": r.deployed_by, "deployed_at": r.deployed_at.isoformat(), "note": r.change_note,
             "running": counts.get((r.id, "running"), 0),
             "ended": sum(n for (d, status), n in counts.items() if d == r.id and status != "running")}
            for r in rows]


def version_row(session: Session, key: str, version: int) -> ProcessDefinition:
    row = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                          ProcessDefinition.version == version)).first()
    if row is None:
        if session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key).limit(1)) is None:
            raise ProcessNotFound(key)
        raise VersionNotFound(key, version)
    return row


def version_files(session: Session, definition_id: int) -> Files:
    rows = session.scalars(select(DefinitionFile).where(DefinitionFile.definition_id == definition_id)
                           .order_by(DefinitionFile.name)).all()
    return {r.name: {"kind": r.kind, "content": r.content} for r in rows}


def show_version(session: Session, actor: Actor, key: str, version: int) -> VersionDetail:
    """One version read-only: its BPMN, forms and DMN tables as deployed."""
    require(actor, Right.MODEL, "see process versions")
    row = version_row(session, key, version)
    files = version_files(session, row.id)
    return {"key": key, "version": version, "title": row.title, "title_zh": row.title_zh,
            "deployed_by": row.deployed_by, "deployed_at": row.deployed_at.isoformat(), "note": row.change_note,
            "bpmn_name": row.source_name, "bpmn": row.bpmn_xml,
            "files": {n: f for n, f in files.items() if f["kind"] != "bpmn"}}
