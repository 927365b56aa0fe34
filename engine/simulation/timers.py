"""Timers on the virtual clock: boundary and intermediate timer events fire when the simulated time reaches
them, and steps with a due window (``dueWindow``: the engine's reminder and escalation) are found overdue.

SpiffWorkflow evaluates a timer with the wall clock (``datetime.now`` inside its timer module, no clock to
inject: see the notes on SpiffWorkflow 3.2). A run sets its virtual moment in a context variable; the timer
module's ``datetime`` is replaced, once, by a subclass whose ``now`` answers that moment while it is set and the
wall clock otherwise, so the engine's own timers (and other threads) are untouched. The due times are then
computed by the library itself (a date from the model's expression, which calls ``working_deadline`` on the
virtual clock; a duration from the virtual now), and read back as the engine does (``execution.next_timer``).
A due window is turned into a deadline by the working-day calendar as ``runtime.step_plan`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from ..calendar import DurationInvalid, WorkingCalendar, is_window_literal
from ..definitions.catalog import TaskForm
from ..runtime.placeholders import resolve

_VIRTUAL_NOW: ContextVar[datetime | None] = ContextVar("opsflow_simulation_now", default=None)


class _VirtualDatetime(datetime):
    """``datetime`` whose ``now`` is the simulated moment while a run sets one."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Any:
        virtual = _VIRTUAL_NOW.get()
        if virtual is None:
            return datetime.now(tz)
        return virtual.astimezone(tz) if tz is not None else virtual


def _install() -> None:
    if getattr(spiff_timer, "datetime", None) is not _VirtualDatetime:
        spiff_timer.datetime = _VirtualDatetime


_install()


class VirtualNow:
    """The moment the library's timers see in this context while a run goes (``set`` as the clock moves)."""

    def set(self, moment: datetime) -> None:
        _VIRTUAL_NOW.set(moment)

    @contextmanager
    def running(self, moment: datetime) -> Iterator[VirtualNow]:
        token = _VIRTUAL_NOW.set(moment)
        try:
            yield self
        finally:
            _VIRTUAL_NOW.reset(token)


def due_at(form: TaskForm | None, data: dict[str, Any], created: datetime,
           calendar: WorkingCalendar) -> datetime | None:
    """When a step opened at ``created`` is due, as the engine sets it from the step's ``dueWindow`` (a window
    literal, or a path into the data naming one); None when it has none or the data names none usable."""
    if form is None or not form.due_window:
        return None
    window = form.due_window if is_window_literal(form.due_window) else resolve(data, form.due_window)
    if not window:
        return None
    try:
        return calendar.deadline(created, str(window))
    except DurationInvalid:
        return None  # the engine refuses the step then; a simulated case keeps going without a deadline
