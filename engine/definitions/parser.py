"""Parsing a bundle (BPMN + DMN + forms, in memory) into validated, deployable process versions.

``read_documents`` reads each file of a bundle once (hardened XML); ``parse_processes`` hands those
documents to the BPMN library and runs the checks of ``engine.definitions.checks`` on what it made:
the BPMN schema, lanes and roles, forms, gateways, scripts, DMN hit policies. All problems of a process
are reported together. The deploy check (``deploy_check``) runs both, and the lint rules on the same
documents, before anything is stored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..errors import DeploymentRejected
from .bundle import DefinitionBundle
from .checks import (
    UserTaskInfo,
    elements,
    gateway_problem,
    hit_policy_problems,
    read_forms,
    scripts_of,
    texts,
    user_tasks,
)
from .copy_rules import copy_rule_problems
from .countersign import countersign_problems
from .problems import N_, Problem
from .sandbox import check_compiles
from .separation import separation_problems
from .xml_safety import UnsafeXml, parse_xml

# A process's ``transferRule`` property: to whom its steps may be transferred (转办); "" is the default
# (holders of the step's role, or people the holder's manager manages). ``engine.runtime.moves`` applies it.
TRANSFER_RULES = ("", "anyone", "department", "role")


@dataclass
class ParsedProcess:
    key: str
    title: str
    title_zh: str
    source_name: str
    checksum: str
    bpmn_xml: str
    spec: Any
    subprocess_specs: dict[str, Any]
    start_form: dict[str, Any] | None
    start_roles: list[str]
    instance_title: str
    business_key: str
    notify_on_end: str
    transfer_rule: str = ""
    when_no_holder: str = "admins"
    skip_same_approver: bool = False
    user_tasks: list[UserTaskInfo] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # name -> (kind, content) this version uses


# Where a step goes when nobody holds its role (审批人为空), per process (property whenNoHolder): to the admins
# (the default: an approval is never passed unseen, and a gap in the org chart does not stop requests; an admin,
# who can give someone the role, sees it), to the starter's manager, or the step is refused with a clear message.
WHEN_NO_HOLDER = ("admins", "manager", "refuse")
DEFAULT_WHEN_NO_HOLDER = "admins"


NOT_IN_A_KEY = re.compile(r"[^A-Za-z0-9_-]")


def process_key(process_id: str) -> str:
    """The key a process is known by: its BPMN id, with characters a key does not take (".", ":" and others
    BPMN ids allow) as "_"; an id that starts with a digit or "-" gets a leading "_". The id stays in the file."""
    key = NOT_IN_A_KEY.sub("_", process_id)[:128]
    return key if re.match(r"[A-Za-z_]", key) else f"_{key}"[:128]


def _process_properties(process: etree._Element) -> dict[str, str]:
    props = elements(process, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property")
    return {str(p.get("name")): str(p.get("value", "")) for p in props}


def _spiff_message(exc: Exception) -> str:
    if isinstance(exc, ValidationException):
        where = f"{exc.tag} {exc.id!r}" if getattr(exc, "id", "") else getattr(exc, "tag", "")
        line = f" (line {exc.line_number})" if getattr(exc, "line_number", "") else ""
        return f"{where}{line}: {exc}".strip(": ")
    return str(exc)


def _spiff_problem(exc: Exception, prefix: str = "", element: str | None = None) -> Problem:
    """The library's message as a problem of the element it names (or ``element``)."""
    where = getattr(exc, "id", "") or element
    return Problem.text(prefix + _spiff_message(exc), str(where) if where else None)


@dataclass(frozen=True)
class Documents:
    """A bundle's files, each read once (``xml_safety``): the BPMN document and the DMN tables.

    ``root`` is None when the BPMN document cannot be read (``unreadable`` says why); a DMN file that
    cannot be read is in ``unreadable_dmn`` rather than in ``dmn``.
    """

    bundle: DefinitionBundle
    root: etree._Element | None
    unreadable: Problem | None
    dmn: dict[str, etree._Element]
    unreadable_dmn: dict[str, Problem]

    def executable(self) -> list[str]:
        """The ids of the executable processes the BPMN document defines, in document order (``process_key``
        gives the key each is deployed under)."""
        if self.root is None:
            return []
        return [str(p.get("id")) for p in elements(self.root, "//bpmn:process[@isExecutable='true']")]


def read_documents(bundle: DefinitionBundle) -> Documents:
    """Read the bundle's BPMN document and DMN tables, once each; nothing is refused here."""
    try:
        root, unreadable = parse_xml(bundle.bpmn), None
    except UnsafeXml as exc:
        root, unreadable = None, Problem.text(str(exc))
    dmn: dict[str, etree._Element] = {}
    unreadable_dmn: dict[str, Problem] = {}
    for name, content in sorted(bundle.dmn.items()):
        try:
            dmn[name] = parse_xml(content)
        except UnsafeXml as exc:
            unreadable_dmn[name] = Problem.text(f"{name}: {exc}", file=name)
    return Documents(bundle, root, unreadable, dmn, unreadable_dmn)


@dataclass
class _Parsed:
    """A bundle's document as the library parsed it, and the DMN files its processes call."""

    root: etree._Element
    parser: SpiffBpmnParser
    called_dmn: dict[str, bytes]


def _library_parse(documents: Documents) -> _Parsed:
    """The documents handed to the BPMN library (which checks the BPMN schema), the called DMN tables'
    hit policies checked. :raise DeploymentRejected: the first thing that stops the library."""
    bundle = documents.bundle
    source = bundle.bpmn_name
    root = documents.root
    if root is None:
        raise DeploymentRejected(source, [documents.unreadable or Problem.text("unreadable document")])
    parser = SpiffBpmnParser(validator=VALIDATOR)
    called = {str(t).strip() for t in texts(root, "//spiffworkflow:calledDecisionId/text()")}
    called_dmn: dict[str, bytes] = {}
    try:
        for name, dmn_content in sorted(bundle.dmn.items()):
            if name in documents.unreadable_dmn:
                raise DeploymentRejected(source, [documents.unreadable_dmn[name]])
            dmn_root = documents.dmn[name]
            decisions = {str(d) for d in texts(dmn_root, "//*[local-name()='decision']/@id")}
            if decisions & called:
                called_dmn[name] = dmn_content
                problems = hit_policy_problems(dmn_root, name)
                if problems:
                    raise DeploymentRejected(source, problems)
            parser.add_dmn_xml(dmn_root, filename=name)
        parser.add_bpmn_xml(root.getroottree(), filename=source)
    except DeploymentRejected:
        raise
    except (SpiffWorkflowException, etree.LxmlError, KeyError, ValueError) as exc:
        raise DeploymentRejected(source, [_spiff_problem(exc)]) from exc
    return _Parsed(root, parser, called_dmn)


def parse_processes(
    documents: Documents, known_roles: set[str], relationship_roles: frozenset[str] = frozenset(),
) -> list[ParsedProcess]:
    """Parse and validate every executable process of a bundle's (read) BPMN document.

    :raise DeploymentRejected: listing every problem found, each naming its element.
    """
    parsed = _library_parse(documents)
    bundle = documents.bundle
    executable = elements(parsed.root, "//bpmn:process[@isExecutable='true']")
    if not executable:
        first = elements(parsed.root, "//bpmn:process")
        element = str(first[0].get("id")) if first else None
        raise DeploymentRejected(bundle.bpmn_name, [Problem(
            N_('no executable process (bpmn:process isExecutable="true")'), element)])
    return [_parse_process(process_el, parsed, bundle, known_roles, relationship_roles) for process_el in executable]


def _checksum(bundle: DefinitionBundle, called_dmn: dict[str, bytes], form_names: list[str]) -> str:
    """What makes a version: the BPMN, the DMN tables it calls and its forms (same files, same version)."""
    dmn_bytes = b"".join(name.encode() + b"\0" + content for name, content in sorted(called_dmn.items()))
    digest = hashlib.sha256(bundle.bpmn + b"\0" + dmn_bytes)
    for form_name in sorted(form_names):
        digest.update(form_name.encode() + b"\0" + bundle.forms[form_name])
    return digest.hexdigest()


def _parse_process(
    process_el: etree._Element, parsed: _Parsed, bundle: DefinitionBundle, known_roles: set[str],
    relationship_roles: frozenset[str],
) -> ParsedProcess:
    source = bundle.bpmn_name
    process_id = str(process_el.get("id"))
    key = process_key(process_id)
    problems: list[str] = []
    try:
        spec = parsed.parser.get_spec(process_id)
        subprocess_specs = parsed.parser.get_subprocess_specs(process_id)
    except RecursionError as exc:
        raise DeploymentRejected(source, [Problem(N_("process %(process)r is too large or too deeply nested"),
                                                  key, process=key)]) from exc
    except (SpiffWorkflowException, KeyError, ValueError) as exc:
        raise DeploymentRejected(source, [_spiff_problem(exc, f"process {key!r}: ", key)]) from exc
    props = _process_properties(process_el)
    tasks = user_tasks(spec, known_roles, bundle.forms, problems, relationship_roles)
    for sub in subprocess_specs.values():
        tasks += user_tasks(sub, known_roles, bundle.forms, problems, relationship_roles)
    forms_by_task = {t.name: t.form for t in tasks}
    assignee_paths = {t.name: t.assignee_path for t in tasks}
    for some_spec in [spec, *subprocess_specs.values()]:
        problems += countersign_problems(some_spec, forms_by_task, assignee_paths)
        problems += copy_rule_problems(some_spec, known_roles, relationship_roles)
        problems += separation_problems(some_spec)
        for task_spec in some_spec.task_specs.values():
            if isinstance(task_spec, ExclusiveGateway):
                problem = gateway_problem(task_spec, forms_by_task)
                if problem:
                    problems.append(problem)
        problems += check_compiles(scripts_of(some_spec))
    start_form = None
    if props.get("startForm"):
        forms = read_forms([props["startForm"]], bundle.forms, problems, {props["startForm"]: f"process {key!r}"})
        start_form = forms.get(props["startForm"])
    start_roles = [r.strip() for r in props.get("startRoles", "").split(",") if r.strip()]
    if not start_roles:
        problems.append(Problem(N_("process %(process)r names no roles that may start it (property startRoles)"),
                                key, process=key))
    for role in start_roles:
        if role not in known_roles or role in relationship_roles:
            problems.append(Problem(N_("process %(process)r: start role %(role)r is not a known role"), key,
                                    process=key, role=role))
    transfer_rule = props.get("transferRule", "").strip()
    if transfer_rule not in TRANSFER_RULES:
        problems.append(Problem(N_("process %(process)r: transferRule %(rule)r is not one of anyone, department, "
                                   "role"), key, process=key, rule=transfer_rule))
    when_no_holder = props.get("whenNoHolder", "").strip() or DEFAULT_WHEN_NO_HOLDER
    if when_no_holder not in WHEN_NO_HOLDER:
        problems.append(Problem(N_("process %(process)r: whenNoHolder must be one of admins, manager, refuse "
                                   "(not %(value)r)"), key, process=key, value=when_no_holder))
    skip_same = props.get("skipSameApprover", "false").strip().lower()
    if skip_same not in ("true", "false"):
        problems.append(Problem(N_("process %(process)r: skipSameApprover must be true or false (not %(value)r)"),
                                key, process=key, value=skip_same))
    if problems:
        raise DeploymentRejected(source, problems)
    form_names = sorted({t.form_name for t in tasks} | ({props["startForm"]} if start_form else set()))
    files: dict[str, tuple[str, bytes]] = {source: ("bpmn", bundle.bpmn)}
    files.update({name: ("dmn", content) for name, content in parsed.called_dmn.items()})
    files.update({name: ("form", bundle.forms[name]) for name in form_names})
    return ParsedProcess(
        key=key,
        title=str(process_el.get("name") or key),
        title_zh=props.get("titleZh", ""),
        source_name=source,
        checksum=_checksum(bundle, parsed.called_dmn, form_names),
        bpmn_xml=bundle.bpmn.decode("utf-8", errors="replace"),
        spec=spec,
        subprocess_specs=subprocess_specs,
        start_form=start_form,
        start_roles=start_roles,
        instance_title=props.get("instanceTitle", ""),
        business_key=props.get("businessKey", ""),
        notify_on_end=props.get("notifyOnEnd", ""),
        transfer_rule=transfer_rule,
        when_no_holder=when_no_holder,
        skip_same_approver=skip_same == "true",
        user_tasks=tasks,
        files=files,
    )
