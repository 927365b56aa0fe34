"""What-if simulation for analysts (under the modeler, so the model right applies): the fitted parameters in a
form, "as is" beside a second run (the draft's model, more people, other durations or arrivals), with charts
drawn on the server (SVG)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from engine.errors import InvalidInput, NotFound
from engine.simulation.views import Comparison, FittedScenario

from ..context import engine, me
from ..i18n import _, pick
from ..instances.status import route_labels
from .views import blueprint

# In user units: narrow, so that a phone shrinks the chart little; the text grows on small screens (the CSS)
CHART_WIDTH = 400
BAR_HEIGHT = 16
ROW_GAP = 6
HEADING_HEIGHT = 20  # the line a group's title takes above its bars
BAR_LEFT = 60  # room for a bar's short label ("A", "p90", "中位数")
VALUE_ROOM = 62  # room after the longest bar for its figure


def _number(name: str, low: float, high: float, label: str = "") -> float | None:
    """The form's number ``name`` (None when left empty); ``label``: how the reader knows the field.

    :raise InvalidInput: not a number, or out of range."""
    raw = request.form.get(name, "").strip()
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidInput(_("%(field)s must be a number", field=label or name)) from exc
    if not low <= value <= high:
        raise InvalidInput(_("%(field)s must be from %(low)s to %(high)s", field=label or name, low=low,
                                   high=high))
    return value


def _changes(fitted: FittedScenario, steps: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(both runs' common settings, the second run's changes) from the submitted form; ``steps``: the working times
    offered (``_steps``)."""
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
    roles = route_labels()["roles"]
    for role in fitted.scenario["people"]:
        count = _number(f"people.{role}", 0, 1000, roles.get(role, role))
        if count is not None:
            people[role] = int(count)
    durations = {}
    for step, fitted_duration in steps.items():
        hours = _number(f"hours.{step}", 0.01, 1000, pick(fitted_duration.get("title", step),
                                                             fitted_duration.get("title_zh", "")))
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


Parts = list[tuple[float, str]]  # stacked (value, css class) parts of one bar


def bars(groups: list[tuple[str, str, list[tuple[str, Parts]]]], unit: str) -> dict[str, Any]:
    """A horizontal bar chart in groups: each group a heading line (its title, and the step id it stands for or
    "") over its bars, each bar a short label and its stacked parts (none: the run has no such step, drawn as
    "—"), scaled to the largest bar. Headings have
    a line of their own so that a long title never runs into the bars."""
    top = max((sum(v for v, _c in parts) for _t, _k, rows in groups for _l, parts in rows), default=0.0) or 1.0
    span = CHART_WIDTH - BAR_LEFT - VALUE_ROOM
    lines: list[dict[str, Any]] = []
    y = 0
    for title, step, rows in groups:
        lines.append({"heading": title, "step": step, "y": y + HEADING_HEIGHT - 5})
        y += HEADING_HEIGHT
        for label, parts in rows:
            x, segments = float(BAR_LEFT), []
            for value, css in parts:
                width = value / top * span
                segments.append({"x": x, "width": max(width, 0.5), "css": css, "value": round(value, 1)})
                x += width
            lines.append({"y": y, "label": label, "step": step, "segments": segments, "end": x + 4,
                          "total": round(sum(v for v, _c in parts), 1) if parts else None})
            y += BAR_HEIGHT + ROW_GAP
        y += 4
    return {"lines": lines, "width": CHART_WIDTH, "height": y + 2, "unit": unit, "bar": BAR_HEIGHT}


def step_title(step: str, *runs: dict[str, Any]) -> str:
    """A step's title in the reader's language from the first run that has it (each run carries the titles of
    the model it ran: the draft's own for a draft), else its id."""
    for one in runs:
        figures = one["steps"].get(step)
        if figures and figures.get("title"):
            return pick(figures["title"], figures.get("title_zh", ""))
    return step


def charts(result: Comparison) -> dict[str, Any]:
    left, right = result.left.result, result.right.result
    cycle = bars([(f"{letter}: {side.label}", "",
                   [(name, [(float(side.result["cycle_time"][key] or 0), css)])
                    for name, key, css in ((_("median"), "median", "median"), ("p90", "p90", "p90"))])
                  for letter, side in (("A", result.left), ("B", result.right))], "h")
    steps = sorted(set(left["steps"]) | set(right["steps"]), key=lambda s: list(left["steps"]).index(s)
                   if s in left["steps"] else len(left["steps"]))
    titles = {step: step_title(step, right, left) for step in steps}

    def parts(run: dict[str, Any], step: str) -> Parts:
        figures = run["steps"].get(step)
        return [(float(figures["waiting"] or 0), "waiting"), (float(figures["working"] or 0), "working")] \
            if figures else []

    per_step = bars([(titles[step], step, [(letter, parts(run, step)) for letter, run in (("A", left), ("B", right))])
                     for step in steps], "h")
    bottlenecks = [step_title(run["bottleneck"]["step"], run, right, left) if run["bottleneck"] else ""
                   for run in (left, right)]
    return {"cycle": cycle, "steps": per_step, "step_names": steps, "titles": titles, "bottlenecks": bottlenecks}


def _steps(key: str, fitted: FittedScenario, has_draft: bool) -> dict[str, Any]:
    """The working time of each step, fitted (or the default, for a step history has not seen), and after them the
    steps only the draft has (``draft_only``), so that B's time for a new step can be set too."""
    steps = dict(fitted.scenario["durations"])
    if has_draft:
        try:
            drafted = engine().simulation.fit(me(), key, draft=True)
        except (InvalidInput, NotFound):  # a draft that does not parse (the modeler says why), or was just discarded
            return steps
        for step, duration in drafted.scenario["durations"].items():
            steps.setdefault(step, {**duration, "draft_only": True})
    return steps


@blueprint.route("/<key>/simulate", methods=["GET", "POST"])
def simulate(key: str) -> ResponseReturnValue:
    """The fitted parameters (GET); "as is" beside the second run (POST)."""
    has_draft = any(d["key"] == key for d in engine().modeler.drafts(me()))
    fitted = engine().simulation.fit(me(), key)
    steps = _steps(key, fitted, has_draft)
    result, error = None, None
    if request.method == "POST":
        try:
            common, changes = _changes(fitted, steps)
            draft = has_draft and request.form.get("model") == "draft"
            label = _("with the draft") if draft else _("changed")
            result = engine().simulation.compare(me(), key, {"label": _("as is"), "changes": common},
                                                 {"label": label, "draft": draft, "changes": changes})
        except InvalidInput as exc:
            error = exc.message
    return render_template("modeler/simulate.html", key=key, fitted=fitted, steps=steps, has_draft=has_draft,
                           result=result,
                           charts=charts(result) if result else None, error=error, form=request.form)
