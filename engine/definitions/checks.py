"""The checks a definition must pass before it is stored; each problem names its element.

User tasks: a lane naming a known role, a form that is a valid JSON Schema (from the bundle), an
``assignee`` for relationship lanes. Exclusive gateways: a default flow, or conditions covering
every value of the decision before them. Scripts, conditions and timers: compile in the sandbox.
DMN: only the hit policies the library really implements.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from ..calendar import DurationInvalid, is_window_literal, parse_duration, window_date
from ..org.unit_heads import unit_head_problem
from .bundle import form_name_escapes
from .countersign import is_round_spec, step_name
from .forms import parse_schema
from .problems import N_, Problem
from .unit_scope import PROPERTY as SCOPE_PROPERTY
from .unit_scope import scope_problem

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


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
    bulk_approve: bool = False  # property bulkApprove="true": the inbox may approve several at once (批量审批)


# What owns a form: the kind of element (a user task, or the process for its start form) and its id.
FORM_PROBLEMS = {
    "user task": (N_("user task %(owner)r: form %(form)r lies outside the forms folder"),
                  N_("user task %(owner)r: form %(form)r not found in the forms"),
                  N_("user task %(owner)r: %(error)s")),
    "process": (N_("process %(owner)r: form %(form)r lies outside the forms folder"),
                N_("process %(owner)r: form %(form)r not found in the forms"),
                N_("process %(owner)r: %(error)s")),
}


def _owner(owner: str) -> tuple[str, str]:
    """("user task", "write_note") from "user task 'write_note'" (the owners' old spelling)."""
    kind, _, quoted = owner.partition(" '") if owner.startswith("process") else owner.rpartition(" '")
    return (kind if kind in FORM_PROBLEMS else "user task"), quoted.rstrip("'")


def read_forms(
    form_names: list[str], form_files: dict[str, bytes], problems: list[str], owners: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """The named forms, parsed; a missing, escaping or invalid one is a problem of its owner.

    ``owners`` names each form's owner as "user task 'id'" or "process 'id'".
    """
    forms: dict[str, dict[str, Any]] = {}
    for name in form_names:
        kind, element = _owner(owners[name])
        escapes, missing, invalid = FORM_PROBLEMS[kind]
        if form_name_escapes(name):
            problems.append(Problem(escapes, element, owner=element, form=name))
        elif name not in form_files:
            problems.append(Problem(missing, element, owner=element, form=name))
        else:
            try:
                forms[name] = parse_schema(name, form_files[name])
            except ValueError as exc:
                problems.append(Problem(invalid, element, file=name, owner=element, error=str(exc)))
    return forms


def condition_text(condition: Any) -> str:
    """The expression of a gateway condition (the library wraps it in an operator)."""
    args = getattr(condition, "args", None)
    return str(args[0]) if args else str(condition or "")


def decision_values(condition: str) -> set[str] | None:
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


def gateway_problem(gateway: Any, forms_by_task: dict[str, dict[str, Any]]) -> Problem | None:
    if gateway.default_task_spec is not None:
        return None
    sources = [s for s in gateway.inputs if s.name in forms_by_task]
    enum = None
    if len(sources) == 1 and len(gateway.inputs) == 1:
        enum = forms_by_task[sources[0].name].get("properties", {}).get("decision", {}).get("enum")
    if not enum:
        return Problem(N_("exclusive gateway %(gateway)r has no default flow and does not follow a "
                          "decision form whose values its conditions could cover"), gateway.name,
                       gateway=gateway.name)
    covered: set[str] = set()
    for condition, _target in gateway.cond_task_specs:
        covered |= decision_values(condition_text(condition)) or set()
    missing = [v for v in enum if v not in covered]
    if missing:
        return Problem(N_("exclusive gateway %(gateway)r has no default flow and no condition for "
                          "decision value(s) %(values)s"), gateway.name, gateway=gateway.name,
                       values=", ".join(missing))
    return None


def expressions_of(task_spec: Any) -> list[str]:
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


def scripts_of(spec: Any) -> list[tuple[str, str, str]]:
    sources = []
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, ScriptTask):
            sources.append((task_spec.name, task_spec.script or "", "exec"))
        sources += [(task_spec.name, text, "eval") for text in expressions_of(task_spec)]
        for attr in ("prescript", "postscript"):
            text = getattr(task_spec, attr, None)
            if text:
                sources.append((task_spec.name, text, "exec"))
        for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
            text = condition_text(condition)
            if text:
                sources.append((task_spec.name, text, "eval"))
    return sources


SUPPORTED_HIT_POLICIES = ("UNIQUE", "COLLECT")
# A user task's say in returns to earlier steps (驳回, ``engine.runtime.rewind``): may it return the request, and
# does a step it returned to come straight back once completed, or walk on as drawn. The first is the default.
RETURN_SETTINGS = {"returnAllowed": ("true", "false"), "afterReturn": ("straightBack", "walkOn")}


def hit_policy_problems(dmn_root: etree._Element, name: str) -> list[str]:
    """The library implements UNIQUE and COLLECT only; others would silently act as first match."""
    problems: list[str] = []
    for table in elements(dmn_root, "//*[local-name()='decisionTable']"):
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in SUPPORTED_HIT_POLICIES:
            decision = table.getparent()
            element = str(decision.get("id")) if decision is not None and decision.get("id") else table.get("id")
            problems.append(Problem(
                N_("%(file)s: decision table %(table)r uses hit policy %(policy)s; only %(supported)s are supported"),
                element, file=name, table=table.get("id"), policy=policy,
                supported=" and ".join(SUPPORTED_HIT_POLICIES)))
    return problems


DATA_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _due_window_problems(task: str, window: str) -> list[str]:
    """A ``dueWindow`` is a working-day duration (``P3D``), a date, or the dotted path of the data holding one."""
    text = window.strip()
    if not text:
        return []
    if is_window_literal(text):
        try:
            if window_date(text) is None:
                parse_duration(text)
        except DurationInvalid as exc:
            return [Problem(N_("user task %(task)r: dueWindow %(value)r is not a duration of working days (P3D), "
                               "a date or a data path: %(why)s"), task, task=task, value=text, why=str(exc))]
        return []
    if not DATA_PATH.match(text):
        return [Problem(N_("user task %(task)r: dueWindow %(value)r is not a duration of working days (P3D), a date "
                           "or a data path"), task, task=task, value=text)]
    return []


def user_tasks(
    spec: Any, known_roles: set[str], form_files: dict[str, bytes], problems: list[str],
    relationship_roles: frozenset[str] = frozenset(),
) -> list[UserTaskInfo]:
    """The user tasks of ``spec`` with their forms; every problem found is added to ``problems``."""
    wanted: dict[str, str] = {}
    owners: dict[str, str] = {}
    pending = []
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, ServiceTask):
            problems.append(Problem(N_("service task %(task)r: service tasks are not supported"), task_spec.name,
                                    task=task_spec.name))
        if isinstance(task_spec, ManualTask):
            problems.append(Problem(N_("manual task %(task)r: use a user task with a form instead"), task_spec.name,
                                    task=task_spec.name))
        if not isinstance(task_spec, UserTask):
            continue
        props = task_spec.extensions.get("properties", {})
        form_name = props.get("formJsonSchemaFilename")
        task = step_name(task_spec)
        if not task_spec.lane:
            problems.append(Problem(N_("user task %(task)r is in no lane (lanes name the role that does it)"),
                                    task, task=task))
        elif task_spec.lane not in known_roles:
            problems.append(Problem(N_("lane %(lane)r of user task %(task)r is not a known role"), task,
                                    lane=task_spec.lane, task=task))
        elif task_spec.lane in relationship_roles and not props.get("assignee") and not is_round_spec(task_spec):
            problems.append(Problem(N_("user task %(task)r in lane %(lane)r needs an 'assignee' property naming "
                                       "the data that holds the person"), task, task=task, lane=task_spec.lane))
        if scope_problem(str(props.get(SCOPE_PROPERTY, ""))):
            problems.append(Problem(N_("user task %(task)r: unitScope %(value)r must be starter_unit, a unit key or "
                                       "${data.path}"), task, task=task, value=props.get(SCOPE_PROPERTY, "")))
        elif props.get(SCOPE_PROPERTY) and task_spec.lane in relationship_roles:
            problems.append(Problem(N_("user task %(task)r: unitScope is for steps of a role; a step in lane "
                                       "%(lane)r is for one person already"), task, task=task, lane=task_spec.lane))
        if unit_head_problem(props.get("assignee", "")):
            problems.append(Problem(N_("user task %(task)r: assignee %(value)r must be starter_unit_head, "
                                       "unit_head:<unit key> or unit_head:${data.path}"), task, task=task,
                                    value=props.get("assignee", "")))
        problems += _due_window_problems(task, props.get("dueWindow", ""))
        for name, allowed in RETURN_SETTINGS.items():
            value = props.get(name)
            if value is not None and value not in allowed:
                problems.append(Problem(N_("user task %(task)r: property %(name)s must be %(allowed)s, not %(value)r"),
                                        task, task=task, name=name, allowed=" or ".join(allowed), value=value))
        if not form_name:
            problems.append(Problem(N_("user task %(task)r has no form (formJsonSchemaFilename)"), task, task=task))
            continue
        wanted[task] = form_name
        owners[form_name] = f"user task {task!r}"
        pending.append(task_spec)
    forms = read_forms(sorted(set(wanted.values())), form_files, problems, owners)
    infos = []
    for task_spec in pending:
        form = forms.get(wanted[step_name(task_spec)])
        if form is None:
            continue
        props = task_spec.extensions.get("properties", {})
        infos.append(UserTaskInfo(
            name=step_name(task_spec),
            title=task_spec.bpmn_name or task_spec.name,
            title_zh=props.get("titleZh", ""),
            lane=task_spec.lane or "",
            form_name=wanted[step_name(task_spec)],
            form=form,
            context_from=[c.strip() for c in props.get("contextFrom", "").split(",") if c.strip()],
            instructions=task_spec.extensions.get("instructionsForEndUser", "") or "",
            instructions_zh=props.get("instructionsZh", ""),
            assignee_path=props.get("assignee", ""),
            due_window=props.get("dueWindow", ""),
            notify_on_complete=props.get("notifyOnComplete", ""),
            bulk_approve=props.get("bulkApprove", "").strip().lower() == "true",
        ))
    return infos
