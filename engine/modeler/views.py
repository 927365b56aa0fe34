"""What the modeler's use cases hand out: JSON documents the REST API sends as they are, each named like
its component in ``webui/api/schemas.py`` (``Draft``, ``DraftProblems``, ``DraftSummary``, ``Version``,
``VersionDetail``, ``Diff``, ``MigrationCheck``, ``MigrationResult``; ``Problem`` and ``Deployment`` are in
``engine/definitions/views.py``). A draft's problems carry their message templates
(``TemplatedProblem``); the web layer says them in the reader's language before sending them.
"""

from __future__ import annotations

from typing import Any, TypedDict

from ..definitions.views import TemplatedProblem


class DraftFile(TypedDict):
    """A form (JSON Schema) or DMN table of a draft or version, as text."""

    kind: str  # "form" or "dmn" ("bpmn" too, among a version's own files)
    content: str


Files = dict[str, DraftFile]  # by name: forms by the name the BPMN gives them, DMN tables by file name


class Draft(TypedDict):
    """A draft (version 0: not saved yet, made from the latest version) with every problem found."""

    key: str
    bpmn_name: str
    bpmn: str
    files: Files
    version: int
    based_on_version: int | None
    updated_by: str
    updated_at: str
    created_by: str
    saved: bool
    problems: list[TemplatedProblem]


class DraftProblems(TypedDict):
    """What saving a draft would find (the modeler's live check); nothing is stored."""

    problems: list[TemplatedProblem]


class DraftSummary(TypedDict):
    key: str
    version: int
    based_on_version: int | None
    updated_by: str
    updated_at: str
    errors: int


class Version(TypedDict):
    """A deployed version: who, when, why, and the instances running and ended on it."""

    key: str
    version: int
    title: str
    title_zh: str
    deployed_by: str
    deployed_at: str
    note: str
    running: int
    ended: int


class VersionDetail(TypedDict):
    key: str
    version: int
    title: str
    title_zh: str
    deployed_by: str
    deployed_at: str
    note: str
    bpmn_name: str
    bpmn: str
    files: Files


class FieldChange(TypedDict):
    field: str
    before: str | None
    after: str | None


class ElementChange(TypedDict):
    """A BPMN element (or DMN decision, input, output, rule) added, removed or changed, field by field."""

    element: str
    kind: str
    name: str
    change: str  # "added", "changed" or "removed"
    fields: list[FieldChange]


class DecisionChange(ElementChange):
    file: str


class FormChange(TypedDict):
    file: str
    change: str
    used_by: list[str]
    fields: list[FieldChange]


# "from" is a Python keyword: the functional form.
Diff = TypedDict("Diff", {"key": str, "from": int, "to": int, "elements": list[ElementChange],
                          "forms": list[FormChange], "decisions": list[DecisionChange], "from_bpmn": str,
                          "to_bpmn": str})


class MigrationCheck(TypedDict):
    """Whether one running instance can move to the version asked for, and why not."""

    instance_id: int
    title: str
    from_version: int
    to_version: int
    can_move: bool
    reasons: list[str]
    reasons_said: list[TemplatedProblem]
    waiting_at: list[str]
    changed: list[str]


class _HowItWent(TypedDict, total=False):
    """What a migration result says besides which instance: where it moved and waits, or why it did not."""

    from_version: int
    to_version: int
    waiting_at: list[str]
    status: str
    reasons: list[str]
    reasons_said: list[TemplatedProblem]


class MigrationResult(_HowItWent):
    """One instance moved (with where it waits now), or not (with why)."""

    instance_id: int
    moved: bool


class DecisionTrial(TypedDict):
    """A decision table tried with inputs: the rules that matched (1-based) and what it answers."""

    decision: str
    hit_policy: str
    matched: list[int]
    result: dict[str, Any]
