"""Validation at every save: the one deploy check's problems (``engine.definitions.deploy_check``), and
what only a draft must respect: it keeps its process id.

Nothing is stored here. Every problem names the element it belongs to (``Problem.element``); a
draft with errors can be saved but not deployed, warnings never stop a deploy.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..definitions.bundle import DefinitionBundle
from ..definitions.deploy_check import BundleRule, inspect
from ..definitions.parser import Documents, process_key
from ..definitions.problems import N_, Problem
from ..org.people import Actor
from ..org.rights import Right, require

KEEP_THE_ID = N_("this draft is for process %(key)r, but the diagram defines %(found)s: keep the process id")


def keeps_process(key: str | None) -> list[BundleRule]:
    """The draft's own rule: the diagram defines process ``key`` (none when there is no key to keep)."""
    if key is None:
        return []

    def rule(documents: Documents) -> list[Problem]:
        executable = documents.executable()
        if executable and key not in {process_key(found) for found in executable}:
            return [Problem(KEEP_THE_ID, executable[0], key=key, found=", ".join(executable))]
        return []

    return [rule]


def validate_bundle(session: Session, bundle: DefinitionBundle, key: str | None = None) -> list[Problem]:
    """Every problem of a bundle, errors first; ``key``: the process the bundle must define."""
    return list(inspect(session, bundle, keeps_process(key)).problems)


def validate_for(session: Session, actor: Actor, bundle: DefinitionBundle, key: str | None = None) -> list[Problem]:
    """Every problem of a bundle (nothing stored), for someone with the model right. :raise NotAllowed:"""
    require(actor, Right.MODEL, "validate processes")
    return validate_bundle(session, bundle, key)
