"""What the task page shows of a task handed on (委派, 加签): whose it is, who acts now, what the reader may do."""

from __future__ import annotations

from dataclasses import dataclass

from engine.org.views import DirectoryPerson
from engine.runtime.views import ApprovalRound, ApprovalStepRow, TaskDetail

from ..context import engine, me, people
from ..i18n import _, enum_label


@dataclass(frozen=True, slots=True)
class HandoverView:
    """What the task page shows of a task handed on, for the reader."""

    round: ApprovalRound
    mine: bool  # the reader holds the task (may delegate, add and remove signers)
    with_holder: bool  # nobody else acts on it now
    my_step: ApprovalStepRow | None  # the reader is the delegate or signer whose turn it is
    choices: list[tuple[str, str]]  # what the reader may decide as a signer: (value, label)
    prepared_by: str  # the delegate whose data is filled in (the task came back), else ""
    colleagues: list[DirectoryPerson]  # whom the holder may ask

    @property
    def signing(self) -> bool:
        return bool(self.my_step and self.my_step["kind"] in ("before", "after"))


def handover_view(task: TaskDetail, user: str) -> HandoverView:
    """The round of a task as its page shows it to ``user``."""
    round_ = engine().work.approval_round(me(), task["id"])
    open_ = task["state"] == "open"
    holder = round_["holder"]
    mine = open_ and (holder == user or (holder is None and task["may_complete"]))
    my_step = next((s for s in round_["steps"] if s["state"] == "pending" and s["user"] == user), None) \
        if open_ else None
    decision = task["form"].get("properties", {}).get("decision", {})
    labels = {"approve": _("Approve"), "return": _("Return to the holder")}
    step_labels = bool(my_step and my_step["kind"] == "after" and decision.get("enum"))
    choices = [(value, enum_label(decision, value) if step_labels else labels.get(value, value))
               for value in round_["choices"]] if my_step else []
    done = [s for s in round_["steps"] if s["kind"] == "delegate" and s["state"] == "done"]
    waiting = any(s["state"] == "pending" for s in round_["steps"])
    colleagues = sorted((p for p in people().values() if p.active and p.username != user), key=lambda p: p.name) \
        if mine else []
    return HandoverView(round_, mine, not waiting, my_step, choices,
                        done[-1]["user"] if done and not waiting and open_ else "", colleagues)


