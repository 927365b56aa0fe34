"""The separation-of-duties report (不相容职责分离报告) for auditors: where one person did two steps of a request that
its process keeps apart (``notCompletedBy``), and every override of such a rule, with who allowed it and why.

Only the instances the looker may audit; filters by process, person (who did both steps, or who overrode) and
the days it happened (China's dates).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from ..clock import utc_iso
from ..definitions.catalog import DefinitionCatalog
from ..definitions.separation import STARTER, excluded_step_of, split_rule
from ..errors import InvalidInput
from ..models import HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, User
from ..org import rights
from ..org.people import Actor
from ..runtime.separation import OVERRIDDEN, REFUSED
from ..text_input import text_problem
from .search import day_start
from .views import SodFinding


@dataclass(frozen=True, slots=True)
class SodQuery:
    process: str | None = None
    person: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SodQuery:
        """:raise InvalidInput: naming the parameter that cannot be used."""
        values = {n: str(params.get(n) or "").strip() for n in ("process", "person", "from", "to")}
        for name, value in values.items():
            if value and text_problem(value):
                raise InvalidInput(f"{name}: the text {text_problem(value)}")
        try:
            days = [date.fromisoformat(values[n]) if values[n] else None for n in ("from", "to")]
        except ValueError as exc:
            raise InvalidInput("from/to: a day is written YYYY-MM-DD") from exc
        return cls(values["process"] or None, values["person"] or None, days[0], days[1])


def _in_days(moment: datetime, query: SodQuery) -> bool:
    if query.date_from and moment < day_start(query.date_from):
        return False
    return not (query.date_to and moment >= day_start(query.date_to + timedelta(days=1)))


def sod_findings(session: Session, catalog: DefinitionCatalog, actor: Actor, query: SodQuery) -> list[SodFinding]:
    """The same person on both sides of a rule, and the rules' overrides, newest first. :raise NotAllowed:"""
    rights.require_audit(actor)
    names = dict(session.execute(select(User.id, User.username)).tuples().all())
    # A CTE: the audit condition's own subqueries must not correlate with the statements' human_task.
    scope = select(ProcessInstance.id.label("id")).where(rights.audit_condition(session, actor))
    if query.process:
        scope = scope.where(ProcessInstance.process_key == query.process)
    audited = select(scope.cte("audited").c.id)
    found: list[SodFinding] = []
    later, earlier = aliased(HumanTask), aliased(HumanTask)
    for definition_id, key in session.execute(select(ProcessDefinition.id, ProcessDefinition.key)):
        if query.process and key != query.process:
            continue
        process = catalog.get(session, definition_id)
        rules = [(step, other) for step in process.tasks for other in split_rule(excluded_step_of(process.specs, step))]
        for step, other in rules:
            done = (select(later.id, later.instance_id, later.completed_by_id, later.completed_at,
                           ProcessInstance.title)
                    .where(later.definition_id == definition_id, later.name == step, later.state == "completed",
                           later.instance_id.in_(audited)).distinct())
            if other == STARTER:  # the starter signed off their own request
                done = done.join(ProcessInstance, and_(ProcessInstance.id == later.instance_id,
                                                       ProcessInstance.started_by_id == later.completed_by_id))
            else:
                done = (done.join(earlier, and_(earlier.instance_id == later.instance_id, earlier.name == other,
                                                earlier.state == "completed",
                                                earlier.completed_by_id == later.completed_by_id))
                        .join(ProcessInstance, ProcessInstance.id == later.instance_id))
            for task_id, instance_id, person, at, title in session.execute(done):
                found.append(SodFinding(kind="same_person", instance_id=instance_id, instance_title=title,
                                        process=key, step=step, other_step=other, person=names.get(person),
                                        by=None, reason=None, at=utc_iso(at), task_id=task_id))
    events = session.execute(
        select(HistoryEvent, ProcessInstance.process_key, ProcessInstance.title)
        .join(ProcessInstance, ProcessInstance.id == HistoryEvent.instance_id)
        .where(HistoryEvent.kind.in_((OVERRIDDEN, REFUSED)), HistoryEvent.instance_id.in_(audited)))
    for event, key, title in events:
        payload = json.loads(event.payload_json)
        overridden = event.kind == OVERRIDDEN
        found.append(SodFinding(kind="override" if overridden else "refused", instance_id=int(event.instance_id or 0),
                                instance_title=title, process=key, step=str(event.task_name),
                                other_step=str(payload.get("other_step")),
                                person=(names.get(payload.get("allowed_user_id")) if overridden
                                        else payload.get("person")),
                                by=event.actor, reason=str(payload.get("reason") or "") if overridden else None,
                                at=utc_iso(event.occurred_at), task_id=event.human_task_id))
    chosen = [f for f in found if _in_days(datetime.fromisoformat(f["at"].replace("Z", "+00:00")), query)
              and (not query.person or query.person in (f["person"], f["by"]))]
    return sorted(chosen, key=lambda f: f["at"], reverse=True)
