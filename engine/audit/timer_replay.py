"""Timers in a replay: a timer fired by the clock when the instance ran is fired again where its history says.

The history records ``timer_fired`` and, right after it, a ``task_expired`` for each person's step the timer
closed (a deadline on the step, as a boundary event). A replay cannot wait for the clock, so it marks those
waiting timers as fired: the timers attached to the steps the history names, or, when it names none, the
waiting timer due first. The library then runs what follows, as it did at the time.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from ..definitions.countersign import step_name


def waiting_timers(workflow: BpmnWorkflow) -> list[Any]:
    """The workflow's timer events waiting for their moment (its own and its subprocesses')."""
    tasks = list(workflow.get_tasks(state=TaskState.WAITING))
    for sub in workflow.subprocesses.values():
        tasks += sub.get_tasks(state=TaskState.WAITING)
    return [t for t in tasks if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def mark_fired(workflow: BpmnWorkflow, expired_steps: list[str]) -> int:
    """Mark as fired the waiting timers on ``expired_steps`` (else the one due first); how many were marked."""
    timers = waiting_timers(workflow)
    chosen = [t for t in timers if t.parent is not None
              and any(step_name(s.task_spec) in expired_steps for s in t.parent.children if s is not t)]
    if not expired_steps and timers:
        chosen = sorted(timers, key=lambda t: str(t._get_internal_data("event_value") or ""))[:1]
    for timer in chosen:
        timer._set_internal_data(event_fired=True)
    return len(chosen)
