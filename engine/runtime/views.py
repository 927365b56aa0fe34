"""What the work area's use cases hand out: tasks, instances, their history and comments, what one may start.

The ``TypedDict`` s are JSON documents the REST API sends as they are, each named like its component in
``webui/api/schemas.py`` (``tests/api/test_work_result_types.py`` checks that their keys agree); times are
ISO 8601 text already. The frozen dataclasses are what only the web pages and the CLI show; ``engine.results
.as_json`` turns them into JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from .move_views import ApprovalRound as ApprovalRound
from .move_views import ApprovalStepRow as ApprovalStepRow
from .move_views import Attachment as Attachment
from .move_views import BulkApproval as BulkApproval
from .move_views import BulkRefusal as BulkRefusal
from .move_views import CopyEntry as CopyEntry
from .move_views import CopyResult as CopyResult
from .move_views import OfferedMoves as OfferedMoves
from .move_views import RestartData as RestartData
from .move_views import Returned as Returned
from .move_views import ReturnTarget as ReturnTarget
from .move_views import ReturnTargets as ReturnTargets
from .move_views import Transfer as Transfer
from .move_views import Urged as Urged
from .move_views import Withdrawn as Withdrawn


# -- the documented JSON documents (webui/api/schemas.py) -----------------------------------------------
class TaskRow(TypedDict):
    """A task as every list shows it (``TASK_FIELDS``): what ``Task`` and ``TaskDetail`` share."""

    id: int
    instance_id: int
    name: str
    title: str
    title_zh: str
    process: str
    instance_title: str
    role: str
    state: str
    assignee: str | None
    on_behalf_of: str | None  # 代理: the person away whose task the assignee has in hand
    created_at: str
    due_at: str | None


class Task(TaskRow):
    """An open task in someone's inbox."""

    mine: bool
    releasable: bool
    bulk_approve: bool  # 批量审批: its step lets the inbox approve several at once


class ReworkRounds(TypedDict):
    used: int | None
    max: int | None


class EarlierDecision(TypedDict):
    """What the decider of a step that came back decided in the round before, and why."""

    decision: str
    comment: str


class RoundMember(TypedDict):
    """One person of a countersign round: ``state`` open, completed, closed (the round ended before they
    decided), waiting (their turn has not come) or skipped (the round ended before their turn)."""

    username: str
    task_id: int | None
    state: str
    decision: str | None
    comment: str
    decided_at: str | None


class CountersignRound(TypedDict):
    """The countersign round (会签) a task belongs to: who is in it and who decided what."""

    round_id: str
    sequential: bool
    size: int
    open: bool
    members: list[RoundMember]


class ReturnNote(TypedDict):
    """Why a step came back by a return to it (驳回): from which step, by whom, and whether, once completed
    again, it goes straight back there."""

    from_step: str
    by: str
    reason: str
    straight_back: bool


class TaskDetail(TaskRow):
    """One task with its form, what the form starts with, and the context from earlier steps."""

    may_complete: bool
    may_comment: bool  # the advisory right: not for those whose roles only read (auditors)
    kept_from: str  # separation of duties: whoever did this step of the request may not do this one ('' none)
    may_release: bool
    process_version: int
    instructions: str
    instructions_zh: str
    form: dict[str, Any]  # JSON Schema
    draft: dict[str, Any]
    returned: bool
    earlier_decision: EarlierDecision | None
    return_note: ReturnNote | None  # why it came back, when it was returned to (驳回)
    completed_by: str | None
    completed_at: str | None
    context: dict[str, Any]
    rework_rounds: ReworkRounds | None
    countersign: CountersignRound | None


class OpenTask(TypedDict):
    """An open step of an instance and who holds it."""

    id: int
    name: str
    title: str
    title_zh: str
    role: str
    assignee: str | None
    releasable: bool
    due_at: str | None


class Instance(TypedDict):
    """A process instance with its open steps."""

    id: int
    process: str
    version: int
    title: str
    status: str
    end_event: str | None
    started_by: str
    started_at: str
    ended_at: str | None
    open_tasks: list[OpenTask]


class InstanceDetail(Instance):
    data: dict[str, Any]


class HistoryEvent(TypedDict):
    """One entry of an instance's history."""

    seq: int
    kind: str
    at: str
    actor: str | None
    task_name: str | None
    task_id: int | None
    payload: dict[str, Any]
    hash: str


class Comment(TypedDict):
    """A comment, made on one step of a request (``step``: that task's name) and shown on all of them."""

    id: int
    task_id: int
    step: str
    author: str
    author_name: str
    body: str
    at: str


class ProcessDefinition(TypedDict):
    """The latest deployed version of a process, as the list of what one may start shows it."""

    key: str
    version: int
    title: str
    title_zh: str
    start_roles: list[str]
    start_form: dict[str, Any] | None
    started_by: str | None  # the process that starts it, when only one does


class Assignment(TypedDict):
    """Who holds a task after a claim, release or assignment (``changed``: false when it already was so)."""

    id: int
    assignee: str | None
    changed: bool


class Cancelled(TypedDict):
    """An instance cancelled from outside (an admin, with a reason): its open tasks are closed."""

    id: int
    status: str


class Completion(TypedDict):
    """A completed task, and where its instance stands now."""

    id: int
    instance_id: int
    title: str
    title_zh: str
    status: str
    end_event: str | None
    next_tasks: list[str]


# -- what only the pages and the CLI show -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Started:
    """A new instance, run to its first wait state (the API answers with the instance itself instead)."""

    id: int
    process: str
    version: int
    title: str
    status: str
    end_event: str | None
    business_key: str | None
    next_tasks: list[str]
    hook_result: dict[str, Any] = field(default_factory=dict)  # what the process's start hook adds, if any


@dataclass(frozen=True, slots=True)
class TaskMarks:
    """What the inbox marks on an open task (``engine.runtime.task_marks``): who returned the request to it and
    why (退回), who urged it last and when (催办), who transferred or delegated it to its holder (转办, 委派)."""

    returned_by: str | None = None
    return_reason: str = ""
    urged_by: str | None = None
    urged_at: str | None = None
    handed_by: str | None = None
    handed_as: str = ""  # "transfer" or "delegate"
    handed_reason: str = ""


@dataclass(frozen=True, slots=True)
class InboxPage:
    """A page of my tasks and one of my team's, where each continues (``inbox.cursor_of``; None on the last
    page), and, when asked for, how many match in all."""

    mine: list[Task]
    team: list[Task]
    mine_next: str | None
    team_next: str | None
    mine_total: int | None = None
    team_total: int | None = None
    marks: dict[int, TaskMarks] = field(default_factory=dict)  # by task id, when asked for (``task_marks``)


@dataclass(frozen=True, slots=True)
class TaskCounts:
    """Open tasks one holds, and unclaimed ones of one's roles."""

    mine: int
    team: int


@dataclass(frozen=True, slots=True)
class Navigation:
    """What every page's navigation shows: task counts, unread notifications, rights held (``Right`` values,
    sorted), whether the audit workspace is open to the user."""

    mine: int
    team: int
    unread: int
    rights: tuple[str, ...]
    audit: bool


@dataclass(frozen=True, slots=True)
class MyRequests:
    """"My requests": a page of the instances one started, and one of those others started where one takes part."""

    started: list[Instance]
    involved: list[Instance]
    urge: dict[int, str | None] = field(default_factory=dict)  # open steps one may urge (催办): from when (None: now)


@dataclass(frozen=True, slots=True)
class StepForm:
    """The form of the start or of one step of an instance's version: its titles and its JSON Schema (what a
    page uses to label that step's data)."""

    title: str
    title_zh: str
    schema: dict[str, Any]  # a JSON Schema (2020-12)


class SeparationOverridden(TypedDict):
    """An exception to a step's separation-of-duties rule, allowed for one task (不相容职责分离的例外)."""

    task_id: int
    instance_id: int
    step: str
    other_step: str
    reason: str
    by: str
