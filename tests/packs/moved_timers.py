"""BPMN timers on the test's clock: SpiffWorkflow compares a timer's due time with the real time, so a test that
moves its clock (days of working-day deadlines) makes the library read the same clock as the engine does."""

from __future__ import annotations

from datetime import datetime, tzinfo

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer

from tests.clocks import FakeClock


def timers_follow(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the library's timers fire by ``clock``."""

    class ClockTime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> ClockTime:  # type: ignore[override]
            moment = clock.now if tz is None else clock.now.astimezone(tz)
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(timer, "datetime", ClockTime)
