"""An instance's status as people read it: "Running", "Approved", "Vetoed"... and which ones are good news."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g

from ..context import engine
from ..i18n import _, pick

GOOD_ENDS = ("approved", "recorded", "closed")  # end events shown in green


def status_text(instance: Mapping[str, Any]) -> str:
    """Running, approved, vetoed, cancelled... in the user's language (labels looked up once per request)."""
    if "opsflow_status_labels" not in g:
        g.opsflow_status_labels = {"running": _("Running"), "cancelled": _("Cancelled"), "completed": _("Completed"),
                                   "approved": _("Approved"), "vetoed": _("Vetoed"),
                                   "recorded": _("Result recorded"), "closed": _("Closed"),
                                   "withdrawn": _("Withdrawn")}
    labels: dict[str, str] = g.opsflow_status_labels
    end = instance.get("end_event")
    if end == "withdrawn":  # cancelled by its starter (撤回): 已撤回
        return labels[end]
    if instance["status"] != "completed" or not end:
        return labels.get(instance["status"], str(instance["status"]))
    if end in labels:
        return labels[end]
    if "opsflow_end_names" not in g:  # a process's own end (e.g. a pack's): its name in the model
        g.opsflow_end_names = engine().definitions.end_names()
    english, chinese = g.opsflow_end_names.get(end, ("", ""))
    return pick(english, chinese) if english or chinese else _("Ended: %(end)s", end=end)


def route_labels() -> dict[str, dict[str, str]]:
    """What a route preview names in the reader's language: each role's title by key and each end's label by
    id (the page draws the route with them, and ``route-preview.js`` redraws it with the same)."""
    roles = {key: pick(t.title, t.title_zh) for key, t in engine().org.role_titles().items()}
    if "opsflow_end_names" not in g:
        g.opsflow_end_names = engine().definitions.end_names()
    ends = {end: status_text({"status": "completed", "end_event": end})
            for end in (*g.opsflow_end_names, *GOOD_ENDS, "vetoed", "withdrawn")}
    return {"roles": roles, "ends": ends}
