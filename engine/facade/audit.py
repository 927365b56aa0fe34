"""The auditors' workspace: search, the instance view, replay, diagrams, heatmaps and the access log.

Every view of instance data is recorded in the access log in the same transaction as it is read
(``engine.audit.access_log``): a refused or failed view leaves no row, a shown one always has one.
Methods with ``username=None`` are the CLI's operator (who reads the database directly anyway):
no rights are checked and the view is recorded under ``viewer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import access_log, diagram, heatmap, heatmap_memo, instance_audit, search
from ..audit.search import InstanceQuery
from ..clock import utc_iso
from ..history.verify import check_history
from ..models import ProcessDefinition, ProcessInstance, Role
from ..org import rights
from ..org.people import Actor, load_actor
from .base import EngineBase
from .integrity import badge

CLI_OPERATOR = "opsflow cli"


class AuditUseCases(EngineBase):
    def may_audit(self, username: str) -> bool:
        """Whether the user may open the audit workspace (auditors, admins; directors over their department)."""
        with self.reading() as session:
            return rights.may_audit(load_actor(session, username))

    def may_see_access_log(self, username: str) -> bool:
        with self.reading() as session:
            return rights.holds(load_actor(session, username), rights.Right.SEE_ACCESS_LOG)

    def audit_instances(self, username: str, query: InstanceQuery | Mapping[str, Any]) -> dict[str, Any]:
        """One page of the instances the user may audit that match the filters (text parameters or a query)."""
        with self.transaction() as session:
            actor = load_actor(session, username)
            rights.require_audit(actor)
            chosen = query if isinstance(query, InstanceQuery) else InstanceQuery.from_params(query)
            page = search.search_instances(session, actor, chosen)
            listed = ",".join(str(item["id"]) for item in page["items"])
            access_log.record_view(session, actor, "search", self.collaborators.clock(),
                                   detail=f"{urlencode(chosen.as_params(chosen.after))} → ids {listed or 'none'}")
            return page

    def _who(self, session: Any, username: str | None) -> Actor | None:
        return load_actor(session, username) if username is not None else None

    def audit_instance(self, instance_id: int, username: str | None, viewer: str = CLI_OPERATOR) -> dict[str, Any]:
        """An instance step by step: what began each step, what followed, the data before and after."""
        with self.transaction() as session:
            actor = self._who(session, username)
            view = instance_audit.audit_view(session, self.collaborators, actor, instance_id)
            access_log.record_view(session, actor or viewer, "instance", self.collaborators.clock(), instance_id)
            return view

    def audit_diagram(self, instance_id: int, username: str | None, step: int | None = None,
                      viewer: str = CLI_OPERATOR) -> dict[str, Any]:
        """The BPMN of the instance's own version with the path taken (up to ``step``)."""
        with self.transaction() as session:
            actor = self._who(session, username)
            diagram = instance_audit.instance_diagram(session, self.collaborators, actor, instance_id, step)
            detail = "path" if step is None else f"path after step {step}"
            access_log.record_view(session, actor or viewer, "diagram", self.collaborators.clock(), instance_id,
                                   detail=detail)
            return diagram

    def replay(self, instance_id: int, step: int, username: str | None = None,
               viewer: str = CLI_OPERATOR) -> dict[str, Any]:
        """The instance as it was right after step ``step``, rebuilt from its log alone."""
        with self.transaction() as session:
            actor = self._who(session, username)
            state = instance_audit.replay_step(session, self.collaborators, actor, instance_id, step)
            access_log.record_view(session, actor or viewer, "replay", self.collaborators.clock(), instance_id,
                                   detail=f"step {step} of {state['steps']}")
            return state

    def heatmap(self, key: str, version: int, username: str, with_diagram: bool = False) -> dict[str, Any]:
        """Passes, times and gateway paths of one version, over the instances the user may audit.

        ``with_diagram`` adds the version's BPMN (``bpmn``); that look is recorded as a diagram.
        """
        with self.transaction() as session:
            actor = load_actor(session, username)
            rights.require_audit(actor)  # first: someone who may audit nothing learns nothing, not even a version
            definition = heatmap.find_version(session, key, version)
            numbers = self._heatmap_of(session, actor, definition)
            if with_diagram:
                numbers["bpmn"] = diagram.version_bpmn(session, definition)
            access_log.record_view(session, actor, "diagram" if with_diagram else "heatmap",
                                   self.collaborators.clock(), definition_id=definition.id,
                                   detail=f"{key} v{version}, {numbers['instances']} instances")
            return numbers

    def _heatmap_of(self, session: Session, actor: Actor, definition: ProcessDefinition) -> dict[str, Any]:
        """The version's heatmap for ``actor`` (whose right to audit is checked): kept a while by this node
        (see ``engine.audit.heatmap_memo``); ``computed_at`` says when it was worked out."""
        mark, now = heatmap_memo.state_mark(session), self.collaborators.clock()
        kept = self.heatmaps.recall((definition.id, actor.username), mark, now)
        if kept is not None:
            return kept
        numbers = heatmap.version_heatmap(session, self.collaborators.calendar, actor, definition)
        numbers["computed_at"] = utc_iso(now)
        self.heatmaps.keep((definition.id, actor.username), mark, now, numbers)
        return dict(numbers)

    def audit_versions(self, username: str) -> list[dict[str, Any]]:
        """Every deployed version with how many of its instances the user may audit (for the heatmap pages)."""
        with self.reading() as session:
            actor = load_actor(session, username)
            rights.require_audit(actor)
            counts = dict(session.execute(
                select(ProcessInstance.definition_id, func.count()).where(rights.audit_condition(session, actor))
                .group_by(ProcessInstance.definition_id)).tuples().all())
            versions = session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                          ProcessDefinition.version.desc()))
            return [{"process": d.key, "version": d.version, "title": d.title, "title_zh": d.title_zh,
                     "deployed_at": d.deployed_at.isoformat(), "deployed_by": d.deployed_by,
                     "instances": counts.get(d.id, 0)} for d in versions]

    def role_titles(self) -> dict[str, dict[str, str]]:
        """Every role's title in both languages (to name the role a step was done in)."""
        with self.reading() as session:
            return {key: {"title": title, "title_zh": title_zh}
                    for key, title, title_zh in session.execute(select(Role.key, Role.title, Role.title_zh))}

    def access_log(self, username: str, viewer: str | None = None, instance_id: int | None = None,
                   before_id: int | None = None, limit: int = 100) -> dict[str, Any]:
        """Who looked at what through the audit workspace, newest first (auditors and admins)."""
        with self.transaction() as session:
            actor = load_actor(session, username)
            page = access_log.list_views(session, actor, viewer, instance_id, before_id, limit)
            filters = urlencode({k: v for k, v in (("viewer", viewer), ("instance", instance_id)) if v})
            access_log.record_view(session, actor, "access_log", self.collaborators.clock(), instance_id,
                                   detail=filters)
            return page

    def chain_integrity(self, instance_id: int, username: str | None = None) -> dict[str, Any]:
        """What the verified badge states, as ``Engine.integrity`` does, for whoever may audit the instance
        (a director over his department too): the chain, inclusion in the latest checkpoint, its signature."""
        with self.reading() as session:
            instance = search.audited_instance(session, self._who(session, username), instance_id)
            report = check_history(session, self.collaborators.checkpoints, instance.id)
        return badge(report)
