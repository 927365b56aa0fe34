"""Parsing and validating BPMN/DMN files into deployable process versions.

Everything is checked before anything is stored: hardened XML, the BPMN schema, lanes that
name known roles, a valid form for every user task, exclusive gateways with a way out, and
scripts and conditions that compile under the sandbox. Problems name the element.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .errors import DeploymentRejected
from .forms import load_schema
from .sandbox import check_compiles
from .xml_safety import UnsafeXml, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    """The elements an XPath selects (typed: lxml's own result type is a union of everything)."""
    return [e for e in node.xpath(path, namespaces=NS) if isinstance(e, etree._Element)]  # type: ignore[union-attr]


def texts(node: etree._Element, path: str) -> list[str]:
    """The text or attribute values an XPath selects."""
    return [str(v) for v in node.xpath(path, namespaces=NS)]  # type: ignore[union-attr]


@dataclass
class UserTaskInfo:
    name: str
    title: str
    title_zh: str
    lane: str
    form_name: str
    form: dict[str, Any]
    context_from: list[str]
    instructions: str
    instructions_zh: str = ""
    assignee_path: str = ""
    due_window: str = ""
    notify_on_complete: str = ""


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
    user_tasks: list[UserTaskInfo] = field(default_factory=list)


def _process_properties(process: etree._Element) -> dict[str, str]:
    props = elements(process, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property")
    return {str(p.get("name")): str(p.get("value", "")) for p in props}


def _read_forms(
    form_names: list[str], forms_root: Path, problems: list[str], owners: dict[str, str]
) -> dict[str, dict[str, Any]]:
    forms: dict[str, dict[str, Any]] = {}
    root = forms_root.resolve()
    for name in form_names:
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            problems.append(f"{owners[name]}: form {name!r} lies outside the forms folder")
        elif not path.is_file():
            problems.append(f"{owners[name]}: form {name!r} not found in {forms_root}")
        else:
            try:
                forms[name] = load_schema(path)
            except ValueError as exc:
                problems.append(f"{owners[name]}: {exc}")
    return forms


def _condition_text(condition: Any) -> str:
    """The expression of a gateway condition (the library wraps it in an operator)."""
    args = getattr(condition, "args", None)
    return str(args[0]) if args else str(condition or "")


def _decision_values(condition: str) -> set[str] | None:
    """String constants a condition compares ``decision`` against (None if it doesn't)."""
    try:
        tree = ast.parse(condition.strip(), mode="eval")
    except SyntaxError:
        return None
    values: set[str] = set()
    mentions = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value == "decision":
            mentions = True
        if isinstance(node, ast.Name) and node.id == "decision":
            mentions = True
        if isinstance(node, ast.Compare):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value != "decision":
                    values.add(sub.value)
    return values if mentions else None


def _check_gateway(gateway: Any, forms_by_task: dict[str, dict[str, Any]]) -> str | None:
    if gateway.default_task_spec is not None:
        return None
    sources = [s for s in gateway.inputs if s.name in forms_by_task]
    enum = None
    if len(sources) == 1 and len(gateway.inputs) == 1:
        enum = forms_by_task[sources[0].name].get("properties", {}).get("decision", {}).get("enum")
    if not enum:
        return (f"exclusive gateway {gateway.name!r} has no default flow and does not follow a "
                "decision form whose values its conditions could cover")
    covered: set[str] = set()
    for condition, _target in gateway.cond_task_specs:
        covered |= _decision_values(_condition_text(condition)) or set()
    missing = [v for v in enum if v not in covered]
    if missing:
        return (f"exclusive gateway {gateway.name!r} has no default flow and no condition for "
                f"decision value(s) {', '.join(missing)}")
    return None


def _expressions_of(task_spec: Any) -> list[str]:
    """Other Python a task spec evaluates: timer and conditional events, message payloads, loops."""
    found = [value for value in (getattr(task_spec, "cardinality", None), getattr(task_spec, "condition", None))
             if isinstance(value, str) and value.strip()]
    pending = [getattr(task_spec, "event_definition", None)]
    while pending:
        definition = pending.pop()
        if definition is None:
            continue
        pending += getattr(definition, "event_definitions", None) or []
        value = getattr(definition, "expression", None)
        if isinstance(value, str) and value.strip():
            found.append(value)
    return found


def _scripts_of(spec: Any) -> list[tuple[str, str, str]]:
    sources = []
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, ScriptTask):
            sources.append((task_spec.name, task_spec.script or "", "exec"))
        sources += [(task_spec.name, text, "eval") for text in _expressions_of(task_spec)]
        for attr in ("prescript", "postscript"):
            text = getattr(task_spec, attr, None)
            if text:
                sources.append((task_spec.name, text, "exec"))
        for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
            text = _condition_text(condition)
            if text:
                sources.append((task_spec.name, text, "eval"))
    return sources


def _user_tasks(
    spec: Any, process_el: etree._Element, known_roles: set[str], forms_root: Path, problems: list[str],
    relationship_roles: frozenset[str] = frozenset(),
) -> list[UserTaskInfo]:
    wanted: dict[str, str] = {}
    owners: dict[str, str] = {}
    pending = []
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, ServiceTask):
            problems.append(f"service task {task_spec.name!r}: service tasks are not supported")
        if isinstance(task_spec, ManualTask):
            problems.append(f"manual task {task_spec.name!r}: use a user task with a form instead")
        if not isinstance(task_spec, UserTask):
            continue
        props = task_spec.extensions.get("properties", {})
        form_name = props.get("formJsonSchemaFilename")
        if not task_spec.lane:
            problems.append(f"user task {task_spec.name!r} is in no lane (lanes name the role that does it)")
        elif task_spec.lane not in known_roles:
            problems.append(f"lane {task_spec.lane!r} of user task {task_spec.name!r} is not a known role")
        elif task_spec.lane in relationship_roles and not props.get("assignee"):
            problems.append(f"user task {task_spec.name!r} in lane {task_spec.lane!r} needs an 'assignee' property "
                            "naming the data that holds the person")
        if not form_name:
            problems.append(f"user task {task_spec.name!r} has no form (formJsonSchemaFilename)")
            continue
        wanted[task_spec.name] = form_name
        owners[form_name] = f"user task {task_spec.name!r}"
        pending.append(task_spec)
    forms = _read_forms(sorted(set(wanted.values())), forms_root, problems, owners)
    infos = []
    for task_spec in pending:
        form = forms.get(wanted[task_spec.name])
        if form is None:
            continue
        props = task_spec.extensions.get("properties", {})
        infos.append(UserTaskInfo(
            name=task_spec.name,
            title=task_spec.bpmn_name or task_spec.name,
            title_zh=props.get("titleZh", ""),
            lane=task_spec.lane or "",
            form_name=wanted[task_spec.name],
            form=form,
            context_from=[c.strip() for c in props.get("contextFrom", "").split(",") if c.strip()],
            instructions=task_spec.extensions.get("instructionsForEndUser", "") or "",
            instructions_zh=props.get("instructionsZh", ""),
            assignee_path=props.get("assignee", ""),
            due_window=props.get("dueWindow", ""),
            notify_on_complete=props.get("notifyOnComplete", ""),
        ))
    return infos


SUPPORTED_HIT_POLICIES = ("UNIQUE", "COLLECT")


def _hit_policy_problems(dmn_root: etree._Element, name: str) -> list[str]:
    """The library implements UNIQUE and COLLECT only; others would silently act as first match."""
    problems = []
    for table in elements(dmn_root, "//*[local-name()='decisionTable']"):
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in SUPPORTED_HIT_POLICIES:
            problems.append(f"{name}: decision table {table.get('id')!r} uses hit policy {policy}; "
                            f"only {' and '.join(SUPPORTED_HIT_POLICIES)} are supported")
    return problems


def _spiff_message(exc: Exception) -> str:
    if isinstance(exc, ValidationException):
        where = f"{exc.tag} {exc.id!r}" if getattr(exc, "id", "") else getattr(exc, "tag", "")
        line = f" (line {exc.line_number})" if getattr(exc, "line_number", "") else ""
        return f"{where}{line}: {exc}".strip(": ")
    return str(exc)


def parse_definition_file(
    path: Path, forms_root: Path, known_roles: set[str], dmn_paths: list[Path] | None = None,
    relationship_roles: frozenset[str] = frozenset(),
) -> list[ParsedProcess]:
    """Parse and validate one BPMN file (with the DMN files it may call).

    :raise DeploymentRejected: listing every problem found, each naming its element.
    """
    source = path.name
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise DeploymentRejected(source, [f"cannot read file: {exc}"]) from exc
    try:
        root = parse_xml(content)
    except UnsafeXml as exc:
        raise DeploymentRejected(source, [str(exc)]) from exc
    parser = SpiffBpmnParser(validator=VALIDATOR)
    dmn_bytes = b""
    called = {str(t).strip() for t in texts(root, "//spiffworkflow:calledDecisionId/text()")}
    try:
        for dmn in dmn_paths or []:
            dmn_content = dmn.read_bytes()
            try:
                dmn_root = parse_xml(dmn_content)
            except UnsafeXml as exc:
                raise DeploymentRejected(source, [f"{dmn.name}: {exc}"]) from exc
            decisions = {str(d) for d in texts(dmn_root, "//*[local-name()='decision']/@id")}
            if decisions & called:
                dmn_bytes += dmn.name.encode() + b"\0" + dmn_content
                problems = _hit_policy_problems(dmn_root, dmn.name)
                if problems:
                    raise DeploymentRejected(source, problems)
            parser.add_dmn_xml(dmn_root, filename=dmn.name)
        parser.add_bpmn_xml(root.getroottree(), filename=source)
    except DeploymentRejected:
        raise
    except (SpiffWorkflowException, etree.LxmlError, KeyError, ValueError) as exc:
        raise DeploymentRejected(source, [_spiff_message(exc)]) from exc
    executable = elements(root, "//bpmn:process[@isExecutable='true']")
    if not executable:
        raise DeploymentRejected(source, ["no executable process (bpmn:process isExecutable=\"true\")"])
    results = []
    for process_el in executable:
        results.append(_parse_process(process_el, parser, path, content, dmn_bytes, forms_root, known_roles,
                                      relationship_roles))
    return results


def _parse_process(
    process_el: etree._Element, parser: SpiffBpmnParser, path: Path,
    content: bytes, dmn_bytes: bytes, forms_root: Path, known_roles: set[str],
    relationship_roles: frozenset[str] = frozenset(),
) -> ParsedProcess:
    source = path.name
    key = str(process_el.get("id"))
    problems: list[str] = []
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except RecursionError as exc:
        raise DeploymentRejected(source, [f"process {key!r} is too large or too deeply nested"]) from exc
    except (SpiffWorkflowException, KeyError, ValueError) as exc:
        raise DeploymentRejected(source, [f"process {key!r}: {_spiff_message(exc)}"]) from exc
    props = _process_properties(process_el)
    user_tasks = _user_tasks(spec, process_el, known_roles, forms_root, problems, relationship_roles)
    for sub in subprocess_specs.values():
        user_tasks += _user_tasks(sub, process_el, known_roles, forms_root, problems, relationship_roles)
    forms_by_task = {t.name: t.form for t in user_tasks}
    for some_spec in [spec, *subprocess_specs.values()]:
        for task_spec in some_spec.task_specs.values():
            if isinstance(task_spec, ExclusiveGateway):
                problem = _check_gateway(task_spec, forms_by_task)
                if problem:
                    problems.append(problem)
        problems += check_compiles(_scripts_of(some_spec))
    start_form = None
    if props.get("startForm"):
        forms = _read_forms([props["startForm"]], forms_root, problems, {props["startForm"]: f"process {key!r}"})
        start_form = forms.get(props["startForm"])
    start_roles = [r.strip() for r in props.get("startRoles", "").split(",") if r.strip()]
    if not start_roles:
        problems.append(f"process {key!r} names no roles that may start it (property startRoles)")
    for role in start_roles:
        if role not in known_roles or role in relationship_roles:
            problems.append(f"process {key!r}: start role {role!r} is not a known role")
    if problems:
        raise DeploymentRejected(source, problems)
    digest = hashlib.sha256(content + b"\0" + dmn_bytes)
    for form_name in sorted({t.form_name for t in user_tasks} | ({props["startForm"]} if start_form else set())):
        form_bytes = (forms_root / form_name).read_bytes()
        digest.update(form_name.encode() + b"\0" + form_bytes)
    return ParsedProcess(
        key=key,
        title=str(process_el.get("name") or key),
        title_zh=props.get("titleZh", ""),
        source_name=source,
        checksum=digest.hexdigest(),
        bpmn_xml=content.decode("utf-8", errors="replace"),
        spec=spec,
        subprocess_specs=subprocess_specs,
        start_form=start_form,
        start_roles=start_roles,
        instance_title=props.get("instanceTitle", ""),
        business_key=props.get("businessKey", ""),
        notify_on_end=props.get("notifyOnEnd", ""),
        user_tasks=user_tasks,
    )
