"""How a page shows the route a request would take (流程预测): the start page and an open task's page."""

from __future__ import annotations

from flask import current_app

MODES = ("after", "inline", "off")


def preview_mode() -> str:
    """``OPSFLOW_ROUTE_PREVIEW``: "after" (the default) lists the route once the page is shown, asked by its
    script, so that the page does not wait for the model's run on a copy (about half a page's time:
    ``bench/preview_cost.py``); "inline" works it out while rendering (for browsers without scripts); "off" leaves
    it out."""
    mode = str(current_app.config.get("OPSFLOW_ROUTE_PREVIEW", "after"))
    return mode if mode in MODES else "after"
