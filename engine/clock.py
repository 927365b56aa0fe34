"""Time as the engine sees it: an injectable clock and one text form for timestamps.

Every stored timestamp is timezone-aware UTC; SQLite hands back naive values, which are UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def aware_utc(moment: datetime) -> datetime:
    """A timestamp with its timezone (naive values read back from SQLite are UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def utc_iso(moment: datetime) -> str:
    """A fixed text form of a timestamp (naive values read back from SQLite are UTC)."""
    return aware_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
