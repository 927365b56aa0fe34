"""What the audit area's use cases hand out (the convention: ``engine.results``).

A ``TypedDict`` is a JSON document the REST API sends as it is: it is named like its OpenAPI component
(``webui/api/audit_schemas.py``; ``Integrity`` in ``webui/api/schemas.py``) and has exactly the schema's
properties. Its parts that the schemas describe inline (a heatmap's flows, the badge's checkpoint...) are
``TypedDict`` s too, named here. What only the web pages and the CLI show is a frozen dataclass. The OCEL log
is a JSON document by definition (OCEL 2.0) and stays one (``OcelLog``).

Times are ISO 8601 text in UTC, as the API sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict


# -- search ---------------------------------------------------------------------------------------------
class AuditInstance(TypedDict):
    """An instance found by the audit search (``events``: how many its history holds)."""

    id: int
    process: str
    version: int
    title: str
    status: str
    end_event: str | None
    started_by: str
    started_at: str
    ended_at: str | None
    events: int


class AuditPage(TypedDict):
    """One page of the search; ``next`` is the cursor of the next page (None on the last)."""

    items: list[AuditInstance]
    next: str | None


# -- an instance step by step ---------------------------------------------------------------------------
class AuditPath(TypedDict):
    """The path a token took through the instance's own version (element and flow ids)."""

    visits: dict[str, int]
    flows: dict[str, int]
    inferred: list[str]
    unresolved: list[str]
    current: list[str]
    ended: str | None
    stopped: list[str]  # steps that were open when the request was cancelled or withdrawn (not passed)
    loops: dict[str, int]
    names: dict[str, str]
    names_zh: dict[str, str]


class ReplayTask(TypedDict):
    """A task open after a step, and who held it then."""

    id: int | None
    name: str
    role: str
    assignee: str | None
    since: str
    due_at: str | None
    title: str
    title_zh: str


class AuditStepEvent(TypedDict):
    """What began a step (``role``: '' when it was not a task's)."""

    step: int
    seq: int
    last_seq: int
    kind: str
    at: str
    actor: str | None
    task_name: str | None
    task_id: int | None
    role: str
    decision: str | None
    comment: str | None
    to: str | None
    on_behalf_of: str | None  # 代理: the person away the actor (their proxy) acted for
    decider_roles: list[str] | None  # the roles the decider held when deciding (None: not recorded, before 0030)
    decider_unit: str | None  # and their unit then


class AuditFollowUp(TypedDict):
    """What the engine did in consequence of a step: a gateway passed, a task opened or closed, the end."""

    seq: int
    kind: str
    task_name: str | None
    task_id: int | None
    role: str | None
    gateway: str | None
    to: list[str] | None
    end_event: str | None


class AuditChange(TypedDict):
    """A top-level data key a step changed, before and after (any JSON value, None when absent)."""

    key: str
    before: Any
    after: Any
    added: bool
    removed: bool
    changed_fields: list[str]


class AuditStep(AuditStepEvent):
    """A step with what followed it, the data it changed and how many tasks were open after it."""

    follow_ups: list[AuditFollowUp]
    changes: list[AuditChange]
    open_after: int


class Replay(TypedDict):
    """An instance as it was right after one step, rebuilt from its log (``seq``: the step's last event)."""

    instance_id: int
    step: int
    steps: int
    seq: int
    first_seq: int
    at: str
    event: AuditStepEvent
    data: dict[str, Any]
    open_tasks: list[ReplayTask]
    status: str
    end_event: str | None
    path: AuditPath


class Breach(TypedDict):
    """A step that passed its due time (超时): done late, closed unfinished at it (``expired``) or still open past
    it (``done_at`` None); how late in minutes, who held it, whether the overdue check escalated it."""

    task_id: int
    instance_id: int
    process: str
    instance_title: str
    step: str
    step_title: str
    step_title_zh: str
    holder: str | None
    due_at: str
    done_at: str | None
    state: str
    late_minutes: int
    escalated: bool


class SodFinding(TypedDict):
    """A separation-of-duties finding (不相容职责分离): ``same_person`` did ``other_step`` and ``step`` of one request;
    an ``override`` of the rule for that step, by ``by`` with ``reason`` (``person``: who it let through); or an
    attempt the rule ``refused`` (``by`` tried; ``person``: who was kept away — the same, or whom they assigned)."""

    kind: str
    instance_id: int
    instance_title: str
    process: str
    step: str
    other_step: str
    person: str | None
    by: str | None
    reason: str | None
    at: str
    task_id: int | None


class IntegrityCheckpoint(TypedDict):
    """The checkpoint an instance's events were checked against."""

    origin: str
    size: int
    made_at: str | None
    file: str | None


class IntegrityProblem(TypedDict):
    seq: int | None
    message: str


class Integrity(TypedDict):
    """The verified badge: the chain, inclusion in the latest checkpoint (None while none of the instance's
    events is in one), its signature (None without a checkpoint)."""

    chain_ok: bool
    events: int
    pending: int
    checkpoint: IntegrityCheckpoint | None
    included: bool | None
    signature_ok: bool | None
    problems: list[IntegrityProblem]


class TaskTitles(TypedDict):
    """A user task of the version: its titles and its lane."""

    title: str
    title_zh: str
    lane: str


class AuditView(TypedDict):
    """An instance for its auditors: its summary, every step, its data and path now, its verified badge."""

    id: int
    process: str
    version: int
    definition_id: int
    process_title: str
    process_title_zh: str
    title: str
    status: str
    end_event: str | None
    business_key: str | None
    parent_id: int | None
    started_by: str
    started_at: str
    ended_at: str | None
    events: int
    steps: list[AuditStep]
    open_tasks: list[ReplayTask]
    data: dict[str, Any]
    tasks: dict[str, TaskTitles]
    elements: dict[str, str]
    elements_zh: dict[str, str]
    path: AuditPath
    integrity: Integrity


@dataclass(frozen=True, slots=True)
class InstanceDiagram:
    """The BPMN of an instance's own version with the path taken up to ``step`` (of ``steps``)."""

    instance_id: int
    process: str
    version: int
    bpmn: str
    step: int
    steps: int
    path: AuditPath


# -- heatmaps -------------------------------------------------------------------------------------------
TimeKind = Literal["open", "wait", "held"]


class Durations(TypedDict):
    """Seconds, elapsed and on working days; median and p90 by nearest rank (None: nothing to measure)."""

    count: int
    median_s: float | None
    p90_s: float | None
    median_working_s: float | None
    p90_working_s: float | None


class HeatTimes(TypedDict, total=False):
    """A person's task's times, each only where some were measured."""

    open: Durations
    wait: Durations
    held: Durations


class HeatElement(TypedDict):
    id: str
    type: str
    name: str
    name_zh: str
    instances: int
    passes: int
    inferred_in: int
    auto_passed: int  # of its passes, those passed automatically for the same approver (自动去重)
    open_now: int
    times: HeatTimes


class HeatFlow(TypedDict):
    """A sequence flow: times taken, and by how many instances."""

    id: str
    source: str
    target: str
    name: str
    name_zh: str
    taken: int
    instances: int


class GatewayWay(TypedDict):
    """A way out of an exclusive gateway (``share`` of its passes; None when it was never passed)."""

    flow: str
    to: str
    name: str
    name_zh: str
    count: int
    share: float | None


class HeatGateway(TypedDict):
    id: str
    name: str
    name_zh: str
    passes: int
    paths: list[GatewayWay]


class Heatmap(TypedDict):
    """A version's passes, times and gateway paths over the instances the viewer may audit, as worked out
    at ``computed_at``."""

    process: str
    version: int
    definition_id: int
    title: str
    title_zh: str
    instances: int
    by_status: dict[str, int]
    by_end: dict[str, int]
    cycle_time: Durations
    time_basis: str
    elements: list[HeatElement]
    flows: list[HeatFlow]
    gateways: list[HeatGateway]
    computed_at: str


@dataclass(frozen=True, slots=True)
class HeatmapDiagram:
    """A version's heatmap with the BPMN it is drawn on (the heatmap page's diagram)."""

    heatmap: Heatmap
    bpmn: str


@dataclass(frozen=True, slots=True)
class AuditedVersion:
    """A deployed version, with how many of its instances the viewer may audit (``deployed_at``: ISO 8601)."""

    process: str
    version: int
    title: str
    title_zh: str
    deployed_at: str
    deployed_by: str
    instances: int


# -- the access log -------------------------------------------------------------------------------------
class AccessEntry(TypedDict):
    """One look through the audit workspace (``what``: see ``engine.audit.access_log.KINDS``)."""

    id: int
    at: str
    viewer: str
    what: str
    instance_id: int | None
    definition_id: int | None
    process: str | None
    version: int | None
    detail: str


class AccessPage(TypedDict):
    """Entries newest first; ``next`` is the id to pass as ``before`` for older ones (None on the last page)."""

    items: list[AccessEntry]
    next: int | None


# -- what auditors take away ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BundleSummary:
    """What an export bundle holds: the instances, their events, the checkpoint's size, definition files, and
    the events of the organisation's record it carries."""

    instances: list[int]
    events: int
    checkpoint_size: int
    definition_files: int
    org_events: int = 0


OcelLog = dict[str, Any]
"""An OCEL 2.0 log: the standard's JSON document (``objectTypes``, ``eventTypes``, ``objects``, ``events``)."""
