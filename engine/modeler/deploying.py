"""Deploying from the modeler and the API: the full validation first, a change note, then a version.

A draft is deployed as it was saved (the version the analyst saw); it is gone once it is a version.
Unchanged content makes no new version (the deploy says "unchanged" and the draft stays).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..definitions.bundle import DefinitionBundle
from ..definitions.deploy import DeployResult, store_bundles
from ..definitions.spec_codec import SpecCodec
from ..errors import Conflict, DeploymentRejected, InvalidInput
from ..models import ProcessDraft
from ..org.people import Actor
from ..org.rights import Right, require
from ..text_input import text_problem
from .drafts import bundle_of, draft_row
from .validation import errors_of, validate_bundle

MAX_NOTE = 2000


def check_note(note: str) -> str:
    """:raise InvalidInput: a missing, too long or unprintable change note."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput("a deploy needs a change note: say what changed and why")
    if len(note) > MAX_NOTE or text_problem(note):
        raise InvalidInput(f"the change note must be printable text of at most {MAX_NOTE} characters")
    return note


def deploy_checked(
    session: Session, actor: Actor, bundle: DefinitionBundle, note: str, specs: SpecCodec, now: datetime,
    key: str | None = None,
) -> DeployResult:
    """Validate a bundle fully (deploy validation and lint errors) and store it as a new version.

    :raise NotAllowed: without the deploy right. :raise DeploymentRejected: every error, on its element.
    """
    require(actor, Right.DEPLOY, "deploy processes")
    note = check_note(note)
    problems = errors_of(validate_bundle(session, bundle, key))
    if problems:
        raise DeploymentRejected(bundle.bpmn_name, list(problems))
    results = store_bundles(session, [bundle], specs, now, actor.username, note)
    if len(results) != 1:
        raise InvalidInput("a bundle deployed from the modeler defines exactly one executable process")
    return results[0]


def deploy_draft(
    session: Session, actor: Actor, key: str, expected_version: int, note: str, specs: SpecCodec, now: datetime,
) -> dict[str, Any]:
    """Deploy the draft as saved at ``expected_version``; a new version removes the draft.

    :raise Conflict: the draft was saved again since. :raise DeploymentRejected: it has errors.
    """
    require(actor, Right.DEPLOY, "deploy processes")
    draft = draft_row(session, key)
    if draft.version != expected_version:
        raise Conflict(f"{draft.updated_by} saved this draft after you opened it (version {draft.version}, yours "
                       f"{expected_version}); reload it before deploying")
    result = deploy_checked(session, actor, bundle_of(draft.bpmn_name, draft.bpmn_xml, json.loads(draft.files_json)),
                            note, specs, now, key)
    if result.status == "deployed":
        session.execute(delete(ProcessDraft).where(ProcessDraft.id == draft.id,
                                                   ProcessDraft.version == expected_version))
    return {"key": result.key, "version": result.version, "status": result.status}
