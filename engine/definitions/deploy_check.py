"""The one deploy check: what every deploy passes before anything is stored, on every channel.

``opsflow deploy`` (files), ``POST /api/v1/process-definitions`` (an upload), the modeler's drafts and
``opsflow init`` (the shipped processes) all go through ``check_deploy``: the deploy right, a change
note, then each bundle read once (``parser.read_documents``) and checked on what was read: the lint rules
(``lint``: no start event, a node that leads nowhere, lanes without a known role, element kinds opsflow
does not run, DMN types and cells), the BPMN library's parse with the parser's checks (roles, forms,
gateways, scripts, DMN hit policies) and one executable process per document. Every problem names its
element; errors refuse the deploy, warnings do not. What passes comes back parsed, ready to store
(``deploy.store``), so storing parses nothing again.

``inspect_bundle`` is the same check without the right, the note or a refusal: the modeler shows its
problems at every save.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DeploymentRejected, InvalidInput
from ..models import OrgUnit
from ..org.people import Actor, known_roles, relationship_roles
from ..org.rights import Right, require
from ..org.unit_heads import unit_head_problem
from ..text_input import text_problem
from .bundle import DefinitionBundle
from .checks import elements, texts
from .forms import KNOWN_FORM_KEYS, unknown_form_keys
from .lint import lint_bpmn, lint_dmn
from .parser import Documents, ParsedProcess, parse_processes, read_documents
from .problems import N_, Problem, located
from .unit_scope import PROPERTY as SCOPE_PROPERTY
from .unit_scope import literal_unit

MAX_NOTE = 2000
ONE_PROCESS = N_("the diagram defines %(count)s executable processes (%(processes)s): deploy one process per "
                 "BPMN document")


@dataclass(frozen=True)
class BundleCheck:
    """One bundle, read once and checked: the processes it defines and every problem (errors first).

    ``processes`` is empty unless the parser accepted the bundle; ``executable`` names the executable
    processes as the document writes them (also when the parser refused it).
    """

    bundle: DefinitionBundle
    executable: tuple[str, ...]
    processes: tuple[ParsedProcess, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


# A caller's own rule over a bundle's documents as read (the modeler's: a draft keeps its process id).
BundleRule = Callable[[Documents], list[Problem]]


@dataclass(frozen=True)
class CheckedDeploy:
    """What passed the deploy check: the processes to store, who deploys them and why."""

    processes: tuple[ParsedProcess, ...]
    by: str
    note: str


def check_note(note: str) -> str:
    """The change note, trimmed. :raise InvalidInput: a missing, too long or unprintable one."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput("a deploy needs a change note: say what changed and why")
    if len(note) > MAX_NOTE or text_problem(note):
        raise InvalidInput(f"the change note must be printable text of at most {MAX_NOTE} characters")
    return note


def inspect_bundle(bundle: DefinitionBundle, roles: set[str], relationships: frozenset[str],
                   rules: Sequence[BundleRule] = ()) -> BundleCheck:
    """Read ``bundle`` once and run every check on it (nothing is refused or stored here)."""
    documents = read_documents(bundle)
    executable = tuple(documents.executable())
    linted = _lint(documents, roles, executable)
    problems: list[Problem] = []
    processes: list[ParsedProcess] = []
    try:
        processes = parse_processes(documents, roles, relationships)
    except DeploymentRejected as exc:
        problems += located(exc.problems)
    problems += linted
    for rule in rules:
        problems += rule(documents)
    unique = _unique(problems)
    return BundleCheck(bundle, executable, tuple(processes) if not _errors(unique) else (), tuple(unique))


def _lint(documents: Documents, roles: set[str], executable: tuple[str, ...]) -> list[Problem]:
    """The lint rules on the documents as read (before the library sees them), and one process per document."""
    problems: list[Problem] = []
    if documents.root is not None:
        problems += lint_bpmn(documents.root, roles)
    if len(executable) > 1:
        problems.append(Problem(ONE_PROCESS, executable[1], count=len(executable), processes=", ".join(executable)))
    problems += _form_key_warnings(documents)
    for name in sorted(documents.bundle.dmn):
        unreadable = documents.unreadable_dmn.get(name)
        problems += [unreadable] if unreadable is not None else lint_dmn(documents.dmn[name], name)
    return problems


def _form_key_warnings(documents: Documents) -> list[Problem]:
    """A form's ``x-`` key opsflow does not read: a warning on the steps that use the form (never silently)."""
    users: dict[str, list[str]] = {}
    if documents.root is not None:
        for el in elements(documents.root, "//bpmn:*[./bpmn:extensionElements/spiffworkflow:properties/"
                                           "spiffworkflow:property[@name='formJsonSchemaFilename' or "
                                           "@name='startForm']]"):
            for name in texts(el, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                                  "[@name='formJsonSchemaFilename' or @name='startForm']/@value"):
                users.setdefault(str(name), []).append(str(el.get("id") or ""))
    problems: list[Problem] = []
    for name, content in sorted(documents.bundle.forms.items()):
        if name not in users:
            continue
        try:
            schema = json.loads(content)
        except ValueError:
            continue  # the form check says so
        for key in unknown_form_keys(schema):
            for element in users[name]:
                problems.append(Problem(N_("%(file)s: %(key)r is not a form key opsflow reads (known: %(known)s); "
                                           "it is ignored"), element, file=name, severity="warning", key=key,
                                        known=", ".join(sorted(KNOWN_FORM_KEYS))))
    return problems


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _unique(problems: list[Problem]) -> list[Problem]:
    """Each message once (the parser and the lint rules can find the same thing), errors first."""
    seen: set[str] = set()
    result = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            result.append(problem)
    return sorted(result, key=lambda p: p.severity != "error")


def named_units_exist(session: Session) -> BundleRule:
    """A rule: a unit a step names by key (``assignee="unit_head:<key>"``, ``unitScope="<key>"``) that the organisation
    does not have is a warning, not an error: a pack or a model may be deployed before its units are set up; the
    step stops with a clear error if it is reached before then."""
    units = set(session.scalars(select(OrgUnit.key)))

    def rule(documents: Documents) -> list[Problem]:
        if documents.root is None:
            return []
        problems = []
        for task in elements(documents.root, "//bpmn:userTask"):
            element = str(task.get("id") or "")
            value = next(iter(texts(task, ".//spiffworkflow:property[@name='assignee']/@value")), "")
            if unit_head_problem(value) is None and unit_head_problem(value, units) is not None:
                problems.append(Problem(N_("user task %(task)r: assignee %(value)r names a unit that does not "
                                           "exist yet: the step stops until an administrator adds it"),
                                        element, severity="warning", task=element, value=value))
            scope = next(iter(texts(task, f".//spiffworkflow:property[@name='{SCOPE_PROPERTY}']/@value")), "")
            if literal_unit(scope.strip()) not in (None, *units):
                problems.append(Problem(N_("user task %(task)r: unitScope %(value)r names a unit that does not "
                                           "exist yet: the step stops until an administrator adds it"),
                                        element, severity="warning", task=element, value=scope))
        return problems
    return rule


def inspect(session: Session, bundle: DefinitionBundle, rules: Sequence[BundleRule] = ()) -> BundleCheck:
    """``inspect_bundle`` with the roles and units the organisation knows now."""
    return inspect_bundle(bundle, known_roles(session), frozenset(relationship_roles(session)),
                          [*rules, named_units_exist(session)])


def check_deploy(session: Session, actor: Actor, bundles: list[DefinitionBundle], note: str,
                 rules: Sequence[BundleRule] = ()) -> CheckedDeploy:
    """Every check a deploy must pass, in this order: the deploy right, the change note, then each bundle.

    The operator setting the database up (``opsflow init``) holds every right and is asked no note: the
    version records who set it up. ``rules`` are a caller's own rules, checked with the others.

    :raise NotAllowed: without the deploy right, before anything is read. :raise InvalidInput: no usable note,
        or two bundles define the same process. :raise DeploymentRejected: the first bundle with errors, with
        every error it has, each on its element.
    """
    require(actor, Right.DEPLOY, "deploy processes")
    note = "" if actor.is_operator and not (note or "").strip() else check_note(note)
    roles, relationships = known_roles(session), frozenset(relationship_roles(session))
    rules = [*rules, named_units_exist(session)]
    processes: list[ParsedProcess] = []
    for bundle in bundles:
        checked = inspect_bundle(bundle, roles, relationships, rules)
        if checked.errors:
            raise DeploymentRejected(bundle.bpmn_name, list(checked.errors))
        processes += checked.processes
    keys = [p.key for p in processes]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise InvalidInput(f"process id(s) defined in more than one file: {', '.join(duplicates)}")
    return CheckedDeploy(tuple(processes), actor.username, note)
