"""The appraisal cycle dashboard: appraisals at each step, who is overdue, the grade distribution.

The counts cover the whole cycle; the rows (each person's step and grade, who is overdue) are only
those of the appraisals the viewer may see, by the same rule as the instances themselves. Privacy of small
groups: a viewer who may not see every row gets a count only when it covers at least ``MIN_GROUP`` people (the
counts per step: the cycle's appraisals; the grades: those graded); otherwise it is withheld ("too few to show").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..clock import aware_utc, utc_iso
from ..definitions.catalog import DefinitionCatalog
from ..errors import NotFound
from ..models import BatchOpening, HumanTask, ProcessInstance, User
from ..org.people import Actor
from ..org.rights import Right, require, visible_condition
from .cycles import CYCLE_PROCESS
from .views import AppraisalRow, CycleDashboard, CycleSummary, OpeningProgress, OverdueStep, StepTitle

GRADES = ("A", "B", "C", "D")
MIN_GROUP = 5


def _stage(instance: ProcessInstance, steps: list[str]) -> str:
    if instance.status != "running":
        return instance.status if instance.status != "completed" else "recorded"
    return steps[0] if steps else "running"


def cycle_dashboard(session: Session, catalog: DefinitionCatalog, viewer: Actor, period: str,
                    now: datetime) -> CycleDashboard:
    """Per cycle: appraisals at each step, who is overdue, and the grade distribution (the dashboard right).

    The rows are those of the appraisals ``viewer`` may see (``hidden`` says how many others the counts
    include).
    """
    require(viewer, Right.SEE_DASHBOARD, "see the cycle dashboard")
    cycle = session.scalar(select(ProcessInstance).where(
        ProcessInstance.process_key == CYCLE_PROCESS, ProcessInstance.business_key == period))
    if cycle is None:
        raise NotFound(f"no appraisal cycle for period {period!r} (see the cycles list)")
    children = session.scalars(select(ProcessInstance).where(ProcessInstance.parent_id == cycle.id)
                               .order_by(ProcessInstance.id)).all()
    shown = {c.id for c in children}
    if children:
        shown = set(session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.parent_id == cycle.id, visible_condition(session, viewer))))
    holder = aliased(User)
    open_tasks = session.execute(
        select(HumanTask, holder.username).outerjoin(holder, holder.id == HumanTask.assignee_id)
        .where(HumanTask.instance_id.in_([c.id for c in children]), HumanTask.state == "open")
    ).all()
    steps: dict[int, list[str]] = {}
    overdue: list[OverdueStep] = []
    for task, username in open_tasks:
        steps.setdefault(task.instance_id, []).append(task.name)
        due = task.due_at
        if due is not None and aware_utc(due) < now and task.instance_id in shown:
            overdue.append(OverdueStep(task.instance_id, task.id, task.name, username, utc_iso(due)))
    by_stage: dict[str, int] = {}
    grades = dict.fromkeys(GRADES, 0)
    rows: list[AppraisalRow] = []
    for child in children:
        stage = _stage(child, steps.get(child.id, []))
        by_stage[stage] = by_stage.get(stage, 0) + 1
        result = json.loads(child.data_json).get("result") or {}
        if result.get("grade") in grades:
            grades[result["grade"]] += 1
        if child.id in shown:
            rows.append(AppraisalRow(child.id, child.title, stage, result.get("grade")))
    opening = session.get(BatchOpening, cycle.id)
    progress = OpeningProgress(opening.planned, opening.opened, opening.finished_at is not None) \
        if opening is not None else OpeningProgress(len(children), len(children), True)
    hidden = len(children) - len(rows)
    too_few = []
    if hidden and len(children) < MIN_GROUP:
        too_few.append("stages")
        by_stage = {}
    if hidden and sum(grades.values()) < MIN_GROUP:
        too_few.append("grades")
        grades = dict.fromkeys(GRADES, 0)
    return CycleDashboard(period, cycle.id, cycle.status, len(children), progress, by_stage, overdue, grades, rows,
                          hidden, _step_titles(session, catalog, children), tuple(too_few), utc_iso(cycle.started_at))


def _step_titles(session: Session, catalog: DefinitionCatalog,
                 children: Sequence[ProcessInstance]) -> dict[str, StepTitle]:
    """The appraisal's steps in flow order with their titles (one version for the whole cycle), even when
    the viewer may see none of its appraisals."""
    if not children:
        return {}
    process = catalog.get(session, children[0].definition_id)
    return {name: StepTitle(form.title, form.title_zh) for name, form in process.tasks.items()}


def list_cycles(session: Session, actor: Actor) -> list[CycleSummary]:
    """Appraisal cycles, newest first (the dashboard right)."""
    require(actor, Right.SEE_DASHBOARD, "see the cycle dashboard")
    cycles = session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == CYCLE_PROCESS)
                             .order_by(ProcessInstance.id.desc())).all()
    return [CycleSummary(c.id, c.business_key, c.status, utc_iso(c.started_at)) for c in cycles]
