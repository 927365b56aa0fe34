"""The hazards board: open hazards by severity and by how long ago they were recorded (the hazard pack)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..clock import aware_utc, utc_iso
from ..definitions.catalog import DefinitionCatalog
from ..org.people import Actor
from .reading import open_instances
from .views import HazardBoard, HazardRow

HAZARD_PROCESS = "hazard_rectification"
SEVERITIES = ("major", "moderate", "general")
# Age bands in whole days since the hazard was recorded: (key, first day, last day or None).
AGE_BANDS = (("0_2", 0, 2), ("3_7", 3, 7), ("8_30", 8, 30), ("over_30", 31, None))


def age_band(days: int) -> str:
    for key, first, last in AGE_BANDS:
        if days >= first and (last is None or days <= last):
            return key
    return AGE_BANDS[0][0]


def hazard_board(session: Session, catalog: DefinitionCatalog, viewer: Actor, now: datetime) -> HazardBoard:
    """The open hazards ``viewer`` may see, the most severe and oldest first, counted by severity and age."""
    rows = []
    for item in open_instances(session, catalog, viewer, HAZARD_PROCESS):
        start = item.start
        days = max(0, (now - aware_utc(item.started_at)).days)
        overdue = any(s.due_at is not None and datetime.fromisoformat(s.due_at) < now for s in item.steps)
        rows.append(HazardRow(item.id, item.title, str(start.get("severity", "")),
                              str(start.get("responsible_section", "")), days, age_band(days), overdue, item.steps))
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    rows.sort(key=lambda r: (rank.get(r.severity, len(SEVERITIES)), -r.age_days))
    counts = {s: {band: 0 for band, _, _ in AGE_BANDS} for s in SEVERITIES}
    for row in rows:
        if row.severity in counts:
            counts[row.severity][row.age_band] += 1
    return HazardBoard(tuple(rows), counts, utc_iso(now))
