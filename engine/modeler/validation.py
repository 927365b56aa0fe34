"""Validation at every save: the engine's real deploy validation, then the modeler's lint rules.

Nothing is stored here. Every problem names the element it belongs to (``Problem.element``); a
draft with errors can be saved but not deployed, warnings never stop a deploy.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..definitions.bundle import DefinitionBundle
from ..definitions.checks import elements
from ..definitions.parser import parse_bundle
from ..definitions.problems import N_, Problem, located
from ..definitions.xml_safety import UnsafeXml, parse_xml
from ..errors import DeploymentRejected
from ..org.people import Actor, known_roles, relationship_roles
from ..org.rights import Right, require
from .lint import lint_bpmn, lint_dmn


def validate_bundle(session: Session, bundle: DefinitionBundle, key: str | None = None) -> list[Problem]:
    """Every problem of a bundle, errors first; ``key``: the process the bundle must define."""
    roles = known_roles(session)
    relationships = frozenset(relationship_roles(session))
    problems: list[Problem] = []
    try:
        parse_bundle(bundle, roles, relationships)
    except DeploymentRejected as exc:
        problems += located(exc.problems)
    try:
        root = parse_xml(bundle.bpmn)
    except UnsafeXml:
        root = None  # the parser said why already
    if root is not None:
        problems += lint_bpmn(root, roles)
        executable = [str(p.get("id")) for p in elements(root, "//bpmn:process[@isExecutable='true']")]
        if key is not None and executable and key not in executable:
            problems.append(Problem(N_("this draft is for process %(key)r, but the diagram defines %(found)s: "
                                       "keep the process id"), executable[0], key=key, found=", ".join(executable)))
    for name, content in sorted(bundle.dmn.items()):
        try:
            problems += lint_dmn(parse_xml(content), name)
        except UnsafeXml as exc:
            problems.append(Problem.text(f"{name}: {exc}", file=name))
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    """Each message once (the parser and the lint rules can find the same thing), errors first."""
    seen: set[str] = set()
    result = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            result.append(problem)
    return sorted(result, key=lambda p: p.severity != "error")


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def validate_for(session: Session, actor: Actor, bundle: DefinitionBundle, key: str | None = None) -> list[Problem]:
    """Every problem of a bundle (nothing stored), for someone with the model right. :raise NotAllowed:"""
    require(actor, Right.MODEL, "validate processes")
    return validate_bundle(session, bundle, key)
