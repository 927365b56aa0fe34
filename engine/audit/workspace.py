"""The auditors' workspace as use cases: search, the instance view, replay, diagrams, heatmaps, the access log.

Every view of instance data is recorded in the access log in the same transaction as it is read
(``engine.audit.access_log``): a refused or failed view leaves no row, a shown one always has one. Each
function asks the actor's right first (the operator may audit everything and is recorded by name).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..errors import InstanceNotFound
from ..history.checkpoints import CheckpointSettings
from ..history.verify import check_history
from ..models import ProcessDefinition, ProcessInstance
from ..org import rights
from ..org.people import Actor
from ..runtime.collaborators import Collaborators
from . import access_log, diagram, heat_kept, heatmap, heatmap_memo, instance_audit, search
from .badge import badge
from .search import InstanceQuery
from .views import (
    AccessPage,
    AuditedVersion,
    AuditPage,
    AuditView,
    Heatmap,
    HeatmapDiagram,
    InstanceDiagram,
    Integrity,
    Replay,
)


def search_instances(session: Session, actor: Actor, query: InstanceQuery, now: datetime) -> AuditPage:
    """One page of the instances the actor may audit that match the query (the search is recorded)."""
    page = search.search_instances(session, actor, query, now)
    listed = ",".join(str(item["id"]) for item in page["items"])
    access_log.record_view(session, actor, "search", now,
                           detail=f"{urlencode(query.as_params(query.after))} → ids {listed or 'none'}")
    return page


def instance_view(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
                  now: datetime) -> AuditView:
    """An instance step by step: what began each step, what followed, the data before and after; and what
    its verified badge states (``integrity``: see ``badge``)."""
    view = instance_audit.audit_view(session, collaborators, actor, instance_id)
    access_log.record_view(session, actor, "instance", now, instance_id)
    return view


def instance_diagram(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
                     step: int | None, now: datetime) -> InstanceDiagram:
    """The BPMN of the instance's own version with the path taken (up to ``step``)."""
    shown = instance_audit.instance_diagram(session, collaborators, actor, instance_id, step)
    detail = "path" if step is None else f"path after step {step}"
    access_log.record_view(session, actor, "diagram", now, instance_id, detail=detail)
    return shown


def replay(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int, step: int,
           now: datetime) -> Replay:
    """The instance as it was right after step ``step``, rebuilt from its log alone."""
    state = instance_audit.replay_step(session, collaborators, actor, instance_id, step)
    access_log.record_view(session, actor, "replay", now, instance_id, detail=f"step {step} of {state['steps']}")
    return state


def version_heatmap(session: Session, calendar: WorkingCalendar, memo: heatmap_memo.HeatmapMemo, actor: Actor,
                    key: str, version: int, now: datetime) -> Heatmap:
    """Passes, times and gateway paths of one version, over the instances the actor may audit.

    The figures are kept a while by this node (``memo``); ``computed_at`` says when they were worked out.
    """
    definition, numbers = _heatmap(session, calendar, memo, actor, key, version, now)
    access_log.record_view(session, actor, "heatmap", now, definition_id=definition.id,
                           detail=f"{key} v{version}, {numbers['instances']} instances")
    return numbers


def version_diagram(session: Session, calendar: WorkingCalendar, memo: heatmap_memo.HeatmapMemo, actor: Actor,
                    key: str, version: int, now: datetime) -> HeatmapDiagram:
    """The version's heatmap with its BPMN (the look is recorded as a diagram)."""
    definition, numbers = _heatmap(session, calendar, memo, actor, key, version, now)
    shown = HeatmapDiagram(numbers, diagram.version_bpmn(session, definition))
    access_log.record_view(session, actor, "diagram", now, definition_id=definition.id,
                           detail=f"{key} v{version}, {numbers['instances']} instances")
    return shown


def _heatmap(session: Session, calendar: WorkingCalendar, memo: heatmap_memo.HeatmapMemo, actor: Actor, key: str,
             version: int, now: datetime) -> tuple[ProcessDefinition, Heatmap]:
    rights.require_audit(actor)  # first: someone who may audit nothing learns nothing, not even a version
    definition = heatmap.find_version(session, key, version)
    mark = heatmap_memo.state_mark(session)
    numbers = memo.recall((definition.id, actor.username), mark, now)
    if numbers is None:
        numbers = heat_kept.kept_heatmap(session, calendar, actor, definition, now)
        memo.keep((definition.id, actor.username), mark, now, numbers)
    return definition, numbers


def audited_versions(session: Session, actor: Actor) -> list[AuditedVersion]:
    """Every deployed version with how many of its instances the actor may audit (for the heatmap pages)."""
    rights.require_audit(actor)
    counts = dict(session.execute(
        select(ProcessInstance.definition_id, func.count()).where(rights.audit_condition(session, actor))
        .group_by(ProcessInstance.definition_id)).tuples().all())
    versions = session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                  ProcessDefinition.version.desc()))
    return [AuditedVersion(d.key, d.version, d.title, d.title_zh, d.deployed_at.isoformat(), d.deployed_by,
                           counts.get(d.id, 0)) for d in versions]


def access_log_page(session: Session, actor: Actor, viewer: str | None, instance_id: int | None,
                    before_id: int | None, limit: int, now: datetime) -> AccessPage:
    """Who looked at what through the audit workspace, newest first (this look is recorded too)."""
    page = access_log.list_views(session, actor, viewer, instance_id, before_id, limit)
    filters = urlencode({k: v for k, v in (("viewer", viewer), ("instance", instance_id)) if v})
    access_log.record_view(session, actor, "access_log", now, instance_id, detail=filters)
    return page


def integrity(session: Session, checkpoints: CheckpointSettings, actor: Actor, instance_id: int) -> Integrity:
    """The verified badge of one instance, checked on its own (the audit right outright, as for exports).

    :raise NotAllowed: :raise InstanceNotFound:
    """
    rights.require(actor, rights.Right.AUDIT, "check an instance's history")
    if session.get(ProcessInstance, instance_id) is None:
        raise InstanceNotFound(instance_id)
    return badge(check_history(session, checkpoints, instance_id))

