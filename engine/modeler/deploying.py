"""Deploying a draft: the one deploy use case (``engine.definitions.deploy``) on the draft as saved.

A draft is deployed as it was saved (the version the analyst saw), through the same check as every other
deploy, with the draft's own rule (it keeps its process id); it is gone once it is a version.
Unchanged content makes no new version (the deploy says "unchanged" and the draft stays).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..definitions.deploy import deploy
from ..definitions.spec_codec import SpecCodec
from ..definitions.views import Deployment
from ..errors import Conflict
from ..models import ProcessDraft
from ..org.people import Actor
from ..org.rights import Right, require
from .drafts import bundle_of, draft_row
from .validation import keeps_process


def deploy_draft(
    session: Session, actor: Actor, key: str, expected_version: int, note: str, specs: SpecCodec, now: datetime,
) -> Deployment:
    """Deploy the draft as saved at ``expected_version``; a new version removes the draft.

    :raise NotAllowed: without the deploy right. :raise Conflict: the draft was saved again since.
    :raise InvalidInput: no usable change note. :raise DeploymentRejected: it has errors.
    """
    require(actor, Right.DEPLOY, "deploy processes")
    draft = draft_row(session, key)
    if draft.version != expected_version:
        raise Conflict(f"{draft.updated_by} saved this draft after you opened it (version {draft.version}, yours "
                       f"{expected_version}); reload it before deploying")
    bundle = bundle_of(draft.bpmn_name, draft.bpmn_xml, json.loads(draft.files_json))
    [result] = deploy(session, actor, [bundle], specs, now, note, keeps_process(key))  # one process per document
    if result.status == "deployed":
        session.execute(delete(ProcessDraft).where(ProcessDraft.id == draft.id,
                                                   ProcessDraft.version == expected_version))
    return result.deployment()
