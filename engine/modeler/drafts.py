"""Drafts: an analyst's change to a process, saved (and validated) without deploying.

A draft belongs to one process key. Saving says which draft version it started from; a save over a
version someone else saved meanwhile is a ``Conflict`` (``UPDATE ... WHERE version = ?``), never a
silent overwrite. The first save of a process's draft starts from version 0.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..definitions.bundle import DefinitionBundle, form_name_escapes
from ..definitions.problems import Problem
from ..errors import Conflict, InvalidInput, NotFound, ProcessNotFound
from ..models import DefinitionFile, ProcessDefinition, ProcessDraft
from ..org.people import Actor
from ..org.rights import Right, require
from ..text_input import text_problem
from .templates import new_process_bpmn
from .validation import validate_bundle
from .views import Draft, DraftSummary, Files

KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
MAX_FILE = 2_000_000  # characters of one file
MAX_FILES = 100
FILE_KINDS = ("form", "dmn")


class DraftNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"no draft and no deployed process with key {key!r}")


def check_key(key: str) -> None:
    """:raise InvalidInput: a key that is not a BPMN id (letters, digits, ``_`` and ``-``)."""
    if not KEY_PATTERN.match(key):
        raise InvalidInput(f"process key {key!r} must start with a letter or '_' and hold only letters, digits, "
                           "'_' and '-' (at most 128)")


def check_files(bpmn: str, files: Files) -> None:
    """:raise InvalidInput: too large, unknown kinds, names outside the forms, or text no field accepts."""
    if len(files) > MAX_FILES:
        raise InvalidInput(f"a draft holds at most {MAX_FILES} files")
    for name, text in [("BPMN", bpmn), *((n, f.get("content", "")) for n, f in files.items())]:
        if not isinstance(text, str) or len(text) > MAX_FILE:
            raise InvalidInput(f"{name}: each file must be text of at most {MAX_FILE} characters")
        problem = text_problem(text.replace("\r", "\n"))
        if problem:
            raise InvalidInput(f"{name}: {problem}")
    for name, file in files.items():
        kind = file.get("kind")
        if kind not in FILE_KINDS:
            raise InvalidInput(f"{name}: kind must be one of {', '.join(FILE_KINDS)}")
        if form_name_escapes(name) or text_problem(name) or len(name) > 255:
            raise InvalidInput(f"file name {name!r} is not allowed (relative, inside the forms, at most 255)")
        if kind == "dmn" and ("/" in name or not name.endswith(".dmn")):
            raise InvalidInput(f"DMN file {name!r} must be a plain name ending in .dmn")


def bundle_of(bpmn_name: str, bpmn: str, files: Files) -> DefinitionBundle:
    return DefinitionBundle(
        bpmn_name, bpmn.encode("utf-8"),
        dmn={n: f["content"].encode("utf-8") for n, f in files.items() if f["kind"] == "dmn"},
        forms={n: f["content"].encode("utf-8") for n, f in files.items() if f["kind"] == "form"},
    )


def _latest(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                           .order_by(ProcessDefinition.version.desc()).limit(1)).first()


def version_files(session: Session, definition: ProcessDefinition) -> Files:
    """The forms and DMN tables a deployed version was made from (its BPMN apart)."""
    rows = session.scalars(select(DefinitionFile).where(DefinitionFile.definition_id == definition.id)
                           .order_by(DefinitionFile.name)).all()
    return {r.name: {"kind": r.kind, "content": r.content} for r in rows if r.kind != "bpmn"}


def _view(draft: ProcessDraft, problems: list[Problem] | None = None) -> Draft:
    stored = json.loads(draft.problems_json) if problems is None else [p.as_dict() for p in problems]
    return {"key": draft.process_key, "bpmn_name": draft.bpmn_name, "bpmn": draft.bpmn_xml,
            "files": json.loads(draft.files_json), "version": draft.version,
            "based_on_version": draft.based_on_version, "updated_by": draft.updated_by,
            "updated_at": draft.updated_at.isoformat(), "created_by": draft.created_by, "saved": True,
            "problems": stored}


def find_draft(session: Session, key: str) -> ProcessDraft | None:
    return session.scalars(select(ProcessDraft).where(ProcessDraft.process_key == key)).first()


def open_draft(session: Session, actor: Actor, key: str) -> Draft:
    """The process's draft, or (not saved yet, version 0) one made from its latest version.

    :raise DraftNotFound: neither a draft nor a deployed version has this key.
    """
    require(actor, Right.MODEL, "edit process drafts")
    draft = find_draft(session, key)
    if draft is not None:
        return _view(draft)
    latest = _latest(session, key)
    if latest is None:
        raise DraftNotFound(key)
    problems = validate_bundle(session, bundle_of(latest.source_name, latest.bpmn_xml,
                                                  version_files(session, latest)), key)
    return {"key": key, "bpmn_name": latest.source_name, "bpmn": latest.bpmn_xml,
            "files": version_files(session, latest), "version": 0, "based_on_version": latest.version,
            "updated_by": latest.deployed_by, "updated_at": latest.deployed_at.isoformat(),
            "created_by": latest.deployed_by, "saved": False, "problems": [p.as_dict() for p in problems]}


def new_draft(session: Session, actor: Actor, key: str, title: str, now: datetime) -> Draft:
    """Start a new process from a one-lane diagram (saved at once as the draft's version 1).

    :raise Conflict: a process or a draft with this key exists.
    """
    require(actor, Right.MODEL, "create processes")
    check_key(key)
    if text_problem(title) or len(title) > 200:
        raise InvalidInput("the title must be printable text of at most 200 characters")
    if _latest(session, key) is not None or find_draft(session, key) is not None:
        raise Conflict(f"a process or draft with key {key!r} exists already; open it instead")
    return save_draft(session, actor, key, new_process_bpmn(key, title or key), {}, 0, now,
                      bpmn_name=f"{key}.bpmn")


def save_draft(
    session: Session, actor: Actor, key: str, bpmn: str, files: Files, expected_version: int,
    now: datetime, bpmn_name: str | None = None,
) -> Draft:
    """Validate and store a draft over ``expected_version``; the answer lists every problem found.

    :raise Conflict: someone saved (or deployed) this draft since ``expected_version``.
    """
    require(actor, Right.MODEL, "edit process drafts")
    check_key(key)
    check_files(bpmn, files)
    draft = find_draft(session, key)
    latest = _latest(session, key)
    name = bpmn_name or _bpmn_name(session, key, draft)
    problems = validate_bundle(session, bundle_of(name, bpmn, files), key)
    values = {"bpmn_xml": bpmn, "files_json": json.dumps(files, ensure_ascii=False, sort_keys=True),
              "problems_json": json.dumps([p.as_dict() for p in problems], ensure_ascii=False),
              "updated_by": actor.username, "updated_at": now, "version": expected_version + 1}
    if draft is None:
        if expected_version != 0:
            raise Conflict(f"the draft of {key!r} was deployed or discarded meanwhile; reload it")
        try:
            with session.begin_nested():
                session.execute(insert(ProcessDraft).values(
                    process_key=key, bpmn_name=name, based_on_version=latest.version if latest else None,
                    created_by=actor.username, created_at=now, **values))
        except IntegrityError as exc:
            raise Conflict(f"someone else saved a draft of {key!r} meanwhile; reload it") from exc
    else:
        result = session.execute(update(ProcessDraft).where(
            ProcessDraft.id == draft.id, ProcessDraft.version == expected_version).values(**values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"{draft.updated_by} saved this draft of {key!r} after you opened it (version "
                           f"{draft.version}, yours {expected_version}); reload it to see their changes")
    saved = find_draft(session, key)
    assert saved is not None
    session.refresh(saved)
    return _view(saved, problems)


def _bpmn_name(session: Session, key: str, draft: ProcessDraft | None) -> str:
    latest = _latest(session, key) if draft is None else None
    return draft.bpmn_name if draft else latest.source_name if latest else f"{key}.bpmn"


def check_draft(session: Session, actor: Actor, key: str, bpmn: str, files: Files) -> list[Problem]:
    """The problems saving ``bpmn`` and ``files`` as the draft of ``key`` would find (the deploy check's, and
    the draft's own rule); nothing is stored. The modeler's live check, as the analyst draws."""
    require(actor, Right.MODEL, "edit process drafts")
    check_key(key)
    check_files(bpmn, files)
    return validate_bundle(session, bundle_of(_bpmn_name(session, key, find_draft(session, key)), bpmn, files), key)


def discard_draft(session: Session, actor: Actor, key: str, expected_version: int) -> None:
    """:raise Conflict: the draft changed since ``expected_version``. :raise DraftNotFound:"""
    require(actor, Right.MODEL, "discard process drafts")
    if find_draft(session, key) is None:
        raise DraftNotFound(key)
    result = session.execute(delete(ProcessDraft).where(ProcessDraft.process_key == key,
                                                        ProcessDraft.version == expected_version))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"the draft of {key!r} changed since version {expected_version}; reload it")


def list_drafts(session: Session, actor: Actor) -> list[DraftSummary]:
    require(actor, Right.MODEL, "see process drafts")
    drafts = session.scalars(select(ProcessDraft).order_by(ProcessDraft.process_key)).all()
    return [{"key": d.process_key, "version": d.version, "based_on_version": d.based_on_version,
             "updated_by": d.updated_by, "updated_at": d.updated_at.isoformat(),
             "errors": sum(1 for p in json.loads(d.problems_json) if p.get("severity") == "error")}
            for d in drafts]


def draft_row(session: Session, key: str) -> ProcessDraft:
    draft = find_draft(session, key)
    if draft is None:
        if _latest(session, key) is None:
            raise ProcessNotFound(key)
        raise DraftNotFound(key)
    return draft
