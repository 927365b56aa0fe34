"""The audit workspace over the API: search, an instance step by step, replay, heatmaps, the access log.

Auditors and admins read every instance, a director his department's (the engine decides); every
answer here is recorded in the access log, as the web pages are.
"""

from __future__ import annotations

from flask import Response, request

from engine.audit.access_log import MAX_PAGE

from . import blueprint, context
from .answers import answer
from .inputs import id_segment, int_arg, text_arg

INSTANCE = "/process-instances" + id_segment("instance_id")
MAX_STEP = 2**31 - 1


@blueprint.get("/audit/instances")
def audit_instances() -> Response:
    """Find instances to audit: ``process``, ``version``, ``status``, ``end``, ``started_by``, ``actor``,
    ``from``/``to`` (days, China time) on ``dates`` (started or ended), ``q``, ``sort``, ``order``,
    ``after`` (the cursor of the previous page), ``limit``."""
    return answer(context.engine().audit.search(context.me(), request.args))


@blueprint.get("/audit/instances" + id_segment("instance_id"))
def audit_instance(instance_id: int) -> Response:
    """An instance step by step, with the path on its diagram and what its verified badge checked."""
    return answer(context.engine().audit.instance(context.me(), instance_id))


@blueprint.get(f"{INSTANCE}/replay")
def replay(instance_id: int) -> Response:
    """The instance as it was right after step ``step`` (1 is the start), rebuilt from its log.

    Without ``step`` the engine still checks the right first (403), then refuses the missing step (400).
    """
    step = int_arg("step", 0, 1, MAX_STEP) if "step" in request.args else 0
    return answer(context.engine().audit.replay(context.me(), instance_id, step))


@blueprint.get("/process-definitions/<key>/versions/<int:version>/heatmap")
def heatmap(key: str, version: int) -> Response:
    """Passes per element, times per step and the gateways' paths of one version."""
    return answer(context.engine().audit.heatmap(context.me(), key, version))


@blueprint.get("/audit/access-log")
def access_log() -> Response:
    """Who looked at what, newest first: ``viewer``, ``instance``, ``before`` (the ``next`` of a page), ``limit``."""
    instance = request.args.get("instance")
    before = request.args.get("before")
    page = context.engine().audit.access_log(
        context.me(), text_arg("viewer"), int_arg("instance", 0, 1, MAX_STEP) if instance else None,
        int_arg("before", 0, 1, MAX_STEP) if before else None, int_arg("limit", 100, 1, MAX_PAGE))
    return answer(page)


@blueprint.get("/audit/breaches")
def breaches() -> Response:
    """The steps that passed their due time (超时): ``process``, ``person`` (who held it), ``from``/``to`` (the
    due day, China time), ``limit``; the latest due first, with how late and whether it was escalated."""
    return answer(context.engine().audit.breaches(context.me(), request.args))


@blueprint.get("/audit/sod")
def separation_of_duties() -> Response:
    """Separation of duties (不相容职责分离): one person on both sides of a rule, and every override; ``process``,
    ``person``, ``from``/``to`` (days, China time); newest first."""
    return answer(context.engine().separation.report(context.me(), request.args))
