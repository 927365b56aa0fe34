"""The audit search's ``move`` filter: instances on which a given approval move was made (转办, 委派, 加签 ...).

Each move is found by the history event that records it, through the index on (kind, instance_id)
(``ix_history_event_kind_instance``): a search for a rare move reads only that move's events, and one for a
common move probes each listed instance's entries, so no search reads the whole history. "On behalf of"
(代理) has no event of its own (it rides on the task's events): it is a task that went to a proxy for
someone away, found through the partial index over such tasks (``ix_human_task_on_behalf``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, literal

from ..models import HistoryEvent, HumanTask, ProcessInstance

# The filter's values, and the history events that record each (in the order the search form lists them).
MOVE_EVENTS: dict[str, str] = {
    "transferred": "task_transferred",  # 转办
    "delegated": "task_delegated",  # 委派
    "signers_added": "signers_added",  # 加签
    "signer_removed": "signer_removed",  # 减签
    "countersigned": "countersign_started",  # 会签 / 或签 / 依次: a round was held
    "returned": "task_returned",  # 驳回
    "withdrawn": "instance_withdrawn",  # 撤回
    "urged": "task_urged",  # 催办
    "copied": "instance_copied",  # 抄送 (ad hoc, by a holder)
    "attached": "attachment_added",  # 附件
    "auto_passed": "task_auto_passed",  # 自动去重
}
ON_BEHALF = "on_behalf_of"  # 代理
MOVES: tuple[str, ...] = (*MOVE_EVENTS, ON_BEHALF)


def move_condition(move: str) -> ColumnElement[bool]:
    """The instance (``ProcessInstance``) had ``move`` made on it. The caller checks ``move`` is one of MOVES."""
    if move == ON_BEHALF:
        # The partial index's own condition (models.base.PROXIED), so that both databases use it.
        return exists().where(HumanTask.instance_id == ProcessInstance.id, HumanTask.on_behalf_of_id.is_not(None))
    # The kind written into the statement, not bound: the index holds only these kinds (``models.SEARCHED_KINDS``),
    # and a database uses a partial index only when it can see the statement's kind is one of them.
    kind = literal(MOVE_EVENTS[move], literal_execute=True)
    return exists().where(HistoryEvent.kind == kind, HistoryEvent.instance_id == ProcessInstance.id)
