"""What the approval moves hand out (issue 19: 转办, 催办, 撤回, 重新发起, 委派, 加签, 驳回, 批量审批, 抄送, 附件):
TypedDicts where the REST API sends them as they are, frozen dataclasses otherwise (``engine.results``).
``engine.runtime.views`` re-exports them, so that every result stays findable in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict


class ApprovalStepRow(TypedDict):
    """A delegate (委派) or added signer (加签) of a task: who, why, and what they did."""

    id: int
    kind: str  # delegate, before, after
    user: str
    user_name: str
    state: str  # waiting, pending (their turn), done, approved, returned, removed, skipped
    reason: str
    decision: str | None
    comment: str
    at: str
    acted_at: str | None


class ApprovalRound(TypedDict):
    """Who holds a task (its owner), who acts on it now, its delegates and added signers, and what the one whose
    turn it is may decide (``choices``: empty unless an added signer's turn)."""

    task_id: int
    state: str
    holder: str | None
    acting: str | None
    steps: list[ApprovalStepRow]
    choices: list[str]


class BulkRefusal(TypedDict):
    """A task of a bulk approval that was not approved, and why (``error``: the error code the API would give)."""

    id: int
    error: str
    message: str


class BulkApproval(TypedDict):
    """What a bulk approval (批量审批) did: each task approved in its own transaction, or refused."""

    approved: list[int]
    refused: list[BulkRefusal]


class CopyResult(TypedDict):
    """Whom a request was copied to now, and who had it already (or copied it: the copier themself)."""

    instance_id: int
    copied: list[str]
    already: list[str]


class CopyEntry(TypedDict):
    """A request copied to the reader ("CC'd to me"), read or not."""

    instance_id: int
    title: str
    process: str
    status: str
    end_event: str | None
    copied_by: str
    copied_by_name: str
    by_process: bool  # copied by the model (copyTo), not by a person: copied_by is then the process key
    note: str
    at: str
    read: bool


# A task transferred (转办): who held it before (None: nobody, it was open to its role), who holds it now, why.
Transfer = TypedDict("Transfer", {"id": int, "instance_id": int, "from": str | None, "to": str, "reason": str})


class Urged(TypedDict):
    """A reminder sent to a task's holders (催办): whom it told, and from when another may be sent."""

    id: int
    instance_id: int
    told: list[str]
    next_at: str


class Withdrawn(TypedDict):
    """A request its starter withdrew (撤回): it ended as cancelled, at the end ``withdrawn``."""

    id: int
    status: str
    end_event: str
    reason: str


class RestartData(TypedDict):
    """What a new request started again from an ended one (重新发起) begins with: its process and start data."""

    instance_id: int
    process: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OfferedMoves:
    """Which moves a request's page offers its reader: the open tasks they may urge, whether they may withdraw
    it now, and whether they may start it again."""

    urge: tuple[int, ...]
    withdraw: bool
    restart: bool


class ReturnTarget(TypedDict):
    """An earlier step of a request that one may return it to."""

    name: str
    title: str
    title_zh: str


class ReturnTargets(TypedDict):
    """The earlier steps an open task may return its request to, oldest first, and whether the step returned to
    comes straight back once completed (the model's ``afterReturn``)."""

    task_id: int
    step: str
    straight_back: bool
    targets: list[ReturnTarget]


class Returned(TypedDict):
    """A request returned from one step to an earlier one: the new task of that step."""

    id: int
    instance_id: int
    from_step: str
    to_step: str
    straight_back: bool
    new_task_id: int


class Attachment(TypedDict):
    """A file attached to a request (附件), on one of its steps: to a form field, a comment, or the step."""

    id: int
    instance_id: int
    task_id: int
    step: str
    field: str | None
    comment_id: int | None
    name: str
    sha256: str
    size: int
    content_type: str
    added_by: str
    added_by_name: str
    at: str
