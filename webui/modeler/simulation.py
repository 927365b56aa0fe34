"""What-if simulation for analysts (under the modeler, so the model right applies): the fitted parameters in a
form, "as is" beside a second run (the draft's model, more people, other durations or arrivals), with charts
drawn on the server (SVG)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from engine.errors import InvalidInput
from engine.simulation.views import Comparison, FittedScenario

from ..context import engine, me
from ..i18n import _
from .views import blueprint

CHART_WIDTH = 560
BAR_HEIGHT = 18


def _number(name: str, low: float, high: float) -> float | None:
    raw = request.form.get(name, "").strip()
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidInput(_("%(field)s must be a number", field=name)) from exc
    if not low <= value <= high:
        raise InvalidInput(_("%(field)s must be from %(low)s to %(high)s", field=name, low=low, high=high))
    return value


def _changes(fitted: FittedScenario) -> tuple[dict[str, Any], dict[str, Any]]:
    """(both runs' common settings, the second run's changes) from the submitted form."""
    common: dict[str, Any] = {}
    for name, high in (("cases", 5000), ("seed", 2 ** 31)):
        value = _number(name, 1 if name == "cases" else 0, high)
        if value is not None:
            common[name] = int(value)
    changes: dict[str, Any] = dict(common)
    per_week = _number("per_week", 0.01, 10_000)
    if per_week is not None:
        changes["arrivals"] = {"per_week": per_week}
    people = {}
    for role in fitted.scenario["people"]:
        count = _number(f"people.{role}", 0, 1000)
        if count is not None:
            people[role] = int(count)
    durations = {}
    for step in fitted.scenario["durations"]:
        hours = _number(f"hours.{step}", 0.01, 1000)
        if hours is not None:
            durations[step] = {"median_hours": hours}
    away = {}
    for role in fitted.scenario.get("away", {}):
        percent = _number(f"away.{role}", 0, 100)
        if percent is not None:
            away[role] = percent / 100
    if away:
        changes["away"] = away
    if people:
        changes["people"] = people
    if durations:
        changes["durations"] = durations
    return common, changes


def bars(rows: list[tuple[str, list[tuple[float, str]]]], unit: str) -> dict[str, Any]:
    """A horizontal bar chart: each row a label and stacked (value, css class) parts, scaled to the largest."""
    top = max((sum(v for v, _c in parts) for _label, parts in rows), default=0.0) or 1.0
    drawn = []
    for index, (label, parts) in enumerate(rows):
        x, segments = 0.0, []
        for value, css in parts:
            width = value / top * (CHART_WIDTH - 260)
            segments.append({"x": 190 + x, "width": max(width, 0.5), "css": css, "value": round(value, 1)})
            x += width
        drawn.append({"y": index * (BAR_HEIGHT + 8), "label": label, "segments": segments,
                      "total": round(sum(v for v, _c in parts), 1)})
    return {"rows": drawn, "width": CHART_WIDTH, "height": len(rows) * (BAR_HEIGHT + 8) + 4, "unit": unit,
            "bar": BAR_HEIGHT}


def charts(result: Comparison) -> dict[str, Any]:
    left, right = result.left.result, result.right.result
    cycle = bars([(f"{side.label} · {name}", [(float(side.result["cycle_time"][key] or 0), css)])
                  for side in (result.left, result.right)
                  for name, key, css in ((_("median"), "median", "median"), ("p90", "p90", "p90"))], "h")
    steps = sorted(set(left["steps"]) | set(right["steps"]), key=lambda s: list(left["steps"]).index(s)
                   if s in left["steps"] else len(left["steps"]))
    per_step = bars([(f"{step} · {label}", [(float(run["steps"].get(step, {}).get("waiting") or 0), "waiting"),
                                            (float(run["steps"].get(step, {}).get("working") or 0), "working")])
                     for step in steps for label, run in (("A", left), ("B", right))], "h")
    return {"cycle": cycle, "steps": per_step, "step_names": steps}


@blueprint.route("/<key>/simulate", methods=["GET", "POST"])
def simulate(key: str) -> ResponseReturnValue:
    """The fitted parameters (GET); "as is" beside the second run (POST)."""
    has_draft = any(d["key"] == key for d in engine().modeler.drafts(me()))
    fitted = engine().simulation.fit(me(), key)
    result, error = None, None
    if request.method == "POST":
        try:
            common, changes = _changes(fitted)
            draft = has_draft and request.form.get("model") == "draft"
            label = _("with the draft") if draft else _("changed")
            result = engine().simulation.compare(me(), key, {"label": _("as is"), "changes": common},
                                                 {"label": label, "draft": draft, "changes": changes})
        except InvalidInput as exc:
            error = exc.message
    return render_template("modeler/simulate.html", key=key, fitted=fitted, has_draft=has_draft, result=result,
                           charts=charts(result) if result else None, error=error, form=request.form)
