"""Rebuilding what an instance looked like at an earlier step, from its log alone."""

from __future__ import annotations

import json
from typing import Any

from ..models import HistoryEvent


def replay_data(events: list[HistoryEvent], upto_seq: int | None = None) -> dict[str, Any]:
    """Instance data as it stood after event ``upto_seq`` (all events when None)."""
    data: dict[str, Any] = {}
    for event in events:
        if upto_seq is not None and event.seq > upto_seq:
            break
        delta = json.loads(event.payload_json).get("data_delta") or {}
        data.update(delta.get("set", {}))
        for key in delta.get("unset", []):
            data.pop(key, None)
    return data
