"""Appraisal cycles: opening one appraisal per reporting line, and the cycle dashboard.

Opening a cycle (starting ``appraisal_cycle``) starts one ``appraisal`` instance for every
active person who reports to someone, following the reporting lines at that moment: the
person they report to scores them, and that person's own manager calibrates (for people
who report to the top of the organisation, the appraiser calibrates too). Each appraisal is
its own instance, so no instance grows with the size of the organisation.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from . import calendar
from .errors import FormInvalid, NotFound
from .history import aware_utc, utc_iso
from .models import HumanTask, ProcessInstance, User
from .org import Actor
from .services import Services

CYCLE_PROCESS = "appraisal_cycle"
APPRAISAL_PROCESS = "appraisal"
CLOSE_STEP = "close_cycle"
CANCEL_OPEN = "cancel_open_appraisals"
DEFAULT_WINDOWS = {
    "self_assessment_window": "P5D",
    "scoring_window": "P5D",
    "calibration_window": "P3D",
    "acknowledge_window": "P3D",
}
GRADES = ("A", "B", "C", "D")
DASHBOARD_ROLES = frozenset({"director", "ops_manager", "branch_gm", "marketing_manager", "admin", "auditor"})


def reporting_lines(session: Session) -> list[dict[str, str]]:
    """(employee, appraiser, calibrator) for every active person with a manager."""
    manager = aliased(User)
    rows = session.execute(
        select(User.username, User.display_name, manager.username, manager.reports_to_id)
        .join(manager, manager.id == User.reports_to_id)
        .where(User.active.is_(True)).order_by(User.id)
    ).all()
    names = {uid: name for uid, name in session.execute(select(User.id, User.username))}
    return [{"employee": employee, "employee_name": display or employee, "appraiser": appraiser,
             "calibrator": names.get(above, appraiser) if above else appraiser}
            for employee, display, appraiser, above in rows]


def open_cycle(
    session: Session, services: Services, cycle_id: int, actor: Actor, start_data: dict[str, Any],
) -> dict[str, Any]:
    """The start hook of ``appraisal_cycle``: start the cycle's appraisals in its transaction."""
    from .instances import start_process  # local: instances imports the hooks' services

    process = services.catalog.latest(session, APPRAISAL_PROCESS)
    windows = {key: start_data.get(key) or default for key, default in DEFAULT_WINDOWS.items()}
    for key, window in windows.items():  # checked before any appraisal exists, so a bad one changes nothing
        try:
            calendar.parse_duration(window)
        except calendar.DurationInvalid as exc:
            raise FormInvalid({key: [str(exc)]}) from exc
    started = []
    for line in reporting_lines(session):
        data = {"period": start_data["period"], "period_type": start_data["period_type"], "cycle_id": cycle_id,
                **windows, **line}
        started.append(start_process(session, services, process, actor, data, parent_id=cycle_id)["id"])
    return {"appraisals": len(started), "appraisal_ids": started}


def close_cycle(
    session: Session, services: Services, cycle: ProcessInstance, actor: Actor, data: dict[str, Any],
) -> None:
    """Closing a cycle whose appraisals are still open needs an explicit choice, which cancels them."""
    from .instances import cancel_instance  # local: instances imports the hooks' services

    still_open = session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.parent_id == cycle.id, ProcessInstance.status == "running").order_by(ProcessInstance.id)).all()
    if not still_open:
        return
    if not data.get(CANCEL_OPEN):
        raise FormInvalid({CANCEL_OPEN: [
            f"{len(still_open)} appraisal(s) of this cycle have no result yet: finish them first, "
            "or choose to cancel them"]})
    for appraisal_id in still_open:
        cancel_instance(session, services, appraisal_id, actor.username,
                        f"cycle {cycle.business_key} closed before this appraisal was finished")


def require_another_grade(
    session: Session, services: Services, appraisal: ProcessInstance, actor: Actor, data: dict[str, Any],
) -> None:
    """"Adjust" at calibration and "change" at objection review must name a grade other than the current one."""
    if data.get("decision") not in ("adjust", "change"):
        return
    known = json.loads(appraisal.data_json)
    current = known.get("final_grade") or (known.get("rating") or {}).get("grade")
    if current is not None and data.get("grade") == current:
        keep = "confirm" if data["decision"] == "adjust" else "uphold"
        raise FormInvalid({"grade": [f"is already the grade ({current}): choose {keep}, or another grade"]})


def _stage(instance: ProcessInstance, steps: list[str]) -> str:
    if instance.status != "running":
        return instance.status if instance.status != "completed" else "recorded"
    return steps[0] if steps else "running"


def cycle_dashboard(session: Session, period: str, now: datetime) -> dict[str, Any]:
    """Per cycle: appraisals at each step, who is overdue, and the grade distribution."""
    cycle = session.scalar(select(ProcessInstance).where(
        ProcessInstance.process_key == CYCLE_PROCESS, ProcessInstance.business_key == period))
    if cycle is None:
        raise NotFound(f"no appraisal cycle for period {period!r} (see the cycles list)")
    children = session.scalars(select(ProcessInstance).where(ProcessInstance.parent_id == cycle.id)
                               .order_by(ProcessInstance.id)).all()
    holder = aliased(User)
    open_tasks = session.execute(
        select(HumanTask, holder.username).outerjoin(holder, holder.id == HumanTask.assignee_id)
        .where(HumanTask.instance_id.in_([c.id for c in children]), HumanTask.state == "open")
    ).all()
    steps: dict[int, list[str]] = {}
    overdue = []
    for task, username in open_tasks:
        steps.setdefault(task.instance_id, []).append(task.name)
        due = task.due_at
        if due is not None and aware_utc(due) < now:
            overdue.append({"instance_id": task.instance_id, "task_id": task.id, "step": task.name,
                            "holder": username, "due_at": utc_iso(due)})
    by_stage: dict[str, int] = {}
    grades = dict.fromkeys(GRADES, 0)
    rows = []
    for child in children:
        stage = _stage(child, steps.get(child.id, []))
        by_stage[stage] = by_stage.get(stage, 0) + 1
        result = json.loads(child.data_json).get("result") or {}
        if result.get("grade") in grades:
            grades[result["grade"]] += 1
        rows.append({"id": child.id, "title": child.title, "stage": stage, "grade": result.get("grade")})
    return {"period": period, "cycle_id": cycle.id, "status": cycle.status, "appraisals": len(children),
            "by_stage": by_stage, "overdue": overdue, "grades": grades, "instances": rows}


def list_cycles(session: Session) -> list[dict[str, Any]]:
    cycles = session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == CYCLE_PROCESS)
                             .order_by(ProcessInstance.id.desc())).all()
    return [{"id": c.id, "period": c.business_key, "status": c.status, "started_at": utc_iso(c.started_at)}
            for c in cycles]
