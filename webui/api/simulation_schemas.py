"""The simulation and route-preview routes in the OpenAPI document (issue 23): answers and operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .schemas import BOOLEAN, INTEGER, OBJECT, STRING, Schema, obj, ref

NUMBER: Schema = {"type": "number"}
HOURS: Schema = {"type": ["number", "null"], "description": "hours"}
PREVIEW_STEP = obj({
    "step": STRING, "title": STRING, "title_zh": STRING, "role": STRING,
    "people": {"type": "array", "items": STRING, "description": "the person it is for, or (up to 5) holders of the "
               "role it is offered to"},
    "person": {"type": "boolean", "description": "true: one person; false: offered to the role"},
    "expected_hours": NUMBER, "expected_done": {"type": "string", "format": "date-time"},
}, "One step of the route, in order.")
ROUTE_PREVIEW = obj({
    "key": STRING, "version": INTEGER, "steps": {"type": "array", "items": ref("PreviewStep")},
    "end_event": {"type": "string", "description": "the end event reached ('' when the preview stopped)"},
    "assumed": {"type": "object", "additionalProperties": OBJECT,
                "description": "per step, the form assumed (given fields, else the most frequent answer, else the "
                               "form's default)"},
    "expected_hours": NUMBER, "expected_done": {"type": "string", "format": "date-time"},
    "complete": BOOLEAN, "fitted_from": {"type": "integer", "description": "instances the times come from"},
    "what_if": {"type": "array", "description": "number fields of later steps a preview may assume (e.g. budget_cny)",
                "items": obj({"step": STRING, "name": STRING, "title": STRING, "title_zh": STRING})},
    "notes": {"type": "array", "items": STRING},
}, "Route preview (流程预测): the real model run on a copy with the given and assumed data; nothing stored.")
# Simulation answers are documents (the scenario is the analyst's to edit): described, not closed.
SIMULATION = {"type": "object", "required": ["cases", "cycle_time", "steps", "utilisation", "bottleneck", "fitted"],
              "description": "A run: `cycle_time` {median, p90, mean} in hours, per step `waiting`/`working` (mean "
                             "hours per task), utilisation per role, the bottleneck, the fitted scenario as run"}
COMPARISON = {"type": "object", "required": ["left", "right", "cycle_time_delta"],
              "description": "Two runs side by side (`left`, `right`: each a Simulation) and right minus left"}
FITTED = {"type": "object", "required": ["key", "version", "scenario", "observed"],
          "description": "The scenario fitted from the history (editable and sent back as `changes`), and what the "
                         "history showed"}
SIMULATION_COMPONENTS: dict[str, Schema] = {
    "PreviewStep": PREVIEW_STEP, "RoutePreview": ROUTE_PREVIEW, "Simulation": SIMULATION,
    "SimulationComparison": COMPARISON, "FittedScenario": FITTED,
    "PreviewRequest": {"type": "object", "properties": {"data": {
        "type": "object", "description": "form fields: the start form's and, assumed, later steps' (flat, or under "
                                         "a step's name)"}}},
    "SimulationRequest": {"type": "object", "properties": {
        "changes": {"type": "object", "description": "a scenario (whole or part) over the fitted one"},
        "draft": {"type": "boolean", "description": "the saved draft's model"}, "label": STRING,
        "compare": {"type": "object", "description": "a second run: {label, draft, changes}"}}},
}


def simulation_paths(operation: Callable[..., dict[str, Any]], param: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The routes, built with openapi.py's ``_operation`` and ``_param``."""
    key = param("key", "path", {"type": "string"}, "process key, e.g. market_plan")
    task = param("task_id", "path", {"type": "integer", "minimum": 1}, "task id")
    run = operation("simulate", "What-if: run the real model on a virtual clock (analysts); with `compare`, two runs "
                    "side by side", "simulation", (200, ref("Simulation"), "The run"), [400, 403, 404], [key],
                    "SimulationRequest")
    run["responses"]["200"]["content"]["application/json"]["schema"] = {
        "oneOf": [ref("Simulation"), ref("SimulationComparison")]}
    return {
        "/process-definitions/{key}/preview": {"post": operation(
            "previewRoute", "Route preview (流程预测) of a request with these data", "simulation",
            (200, ref("RoutePreview"), "The route"), [400, 403, 404, 422], [key], "PreviewRequest")},
        "/tasks/{task_id}/preview": {"post": operation(
            "previewNextSteps", "What happens after this task", "simulation", (200, ref("RoutePreview"), "The route"),
            [400, 403, 404, 422], [task], "PreviewRequest")},
        "/process-definitions/{key}/simulation-parameters": {"get": operation(
            "getSimulationParameters", "The scenario fitted from the history (analysts)", "simulation",
            (200, ref("FittedScenario"), "The fitted scenario"), [400, 403, 404],
            [key, param("draft", "query", {"type": "boolean", "default": False}, "for the draft's model")])},
        "/process-definitions/{key}/simulations": {"post": run},
    }
