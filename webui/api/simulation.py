"""What-if simulation for analysts, and the route preview (流程预测) for whoever may start a process."""

from __future__ import annotations

from flask import Response

from . import blueprint, context
from .answers import answer
from .inputs import body_object, flag_arg


@blueprint.post("/process-definitions/<key>/preview")
def preview_route(key: str) -> Response:
    """The steps, people and expected time a request with ``{"data": {...}}`` would take (nothing stored).

    :raise 403: the user may not start the process. :raise 404: no such process.
    :raise 422: the model cannot run with these data.
    """
    body = body_object({"data": dict}, empty_ok=True)
    return answer(context.engine().simulation.preview(context.me(), key, body.get("data") or {}))


@blueprint.post("/tasks/<int:task_id>/preview")
def preview_next(task_id: int) -> Response:
    """What happens after this open task, with ``{"data": {...}}`` assumed for the next steps.

    :raise 403: the user may not see the task. :raise 404: no such task.
    """
    context.engine().work.task(context.me(), task_id)  # rights before bodies: who may not see it learns nothing more
    body = body_object({"data": dict}, empty_ok=True)
    return answer(context.engine().simulation.next_steps(context.me(), task_id, body.get("data") or {}))


@blueprint.get("/process-definitions/<key>/simulation-parameters")
def simulation_parameters(key: str) -> Response:
    """The scenario fitted from the process's history (``?draft=true``: for its draft's model)."""
    return answer(context.engine().simulation.fit(context.me(), key, flag_arg("draft")).as_json())


@blueprint.post("/process-definitions/<key>/simulations")
def simulate(key: str) -> Response:
    """Run ``{"changes": {...}, "draft": bool}`` and, with ``"compare"`` (the same shape), a second run beside it.

    :raise 400: a change that cannot be used. :raise 403: without the model right.
    """
    body = body_object({"changes": dict, "draft": bool, "label": str, "compare": dict}, empty_ok=True)
    engine, me = context.engine(), context.me()
    first = {"label": body.get("label") or "", "draft": body.get("draft", False), "changes": body.get("changes") or {}}
    if "compare" in body:
        return answer(engine.simulation.compare(me, key, first, body["compare"]).as_json())
    return answer(engine.simulation.simulate(me, key, first["changes"], bool(first["draft"]),
                                             str(first["label"])).as_json())
