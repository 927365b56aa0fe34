"""Appraisal cycles: opening one appraisal per reporting line, and the cycle dashboard.

Opening a cycle (starting ``appraisal_cycle``) starts one ``appraisal`` instance for every
active person who reports to someone, following the reporting lines at that moment: the
person they report to scores them, and that person's own manager calibrates (for people
who report to the top of the organisation, the appraiser calibrates too). Each appraisal is
its own instance, so no instance grows with the size of the organisation.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..calendar import DurationInvalid, parse_duration
from ..errors import FormInvalid
from ..models import ProcessInstance, User
from ..org.people import Actor
from ..runtime.collaborators import Collaborators
from ..runtime.hooks import ProcessHooks
from ..runtime.instances import cancel_instance, start_process

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
    session: Session, collaborators: Collaborators, cycle_id: int, actor: Actor, start_data: dict[str, Any],
) -> dict[str, Any]:
    """The start hook of ``appraisal_cycle``: start the cycle's appraisals in its transaction."""
    process = collaborators.catalog.latest(session, APPRAISAL_PROCESS)
    windows = {key: start_data.get(key) or default for key, default in DEFAULT_WINDOWS.items()}
    for key, window in windows.items():  # checked before any appraisal exists, so a bad one changes nothing
        try:
            parse_duration(window)
        except DurationInvalid as exc:
            raise FormInvalid({key: [str(exc)]}) from exc
    started = []
    for line in reporting_lines(session):
        data = {"period": start_data["period"], "period_type": start_data["period_type"], "cycle_id": cycle_id,
                **windows, **line}
        started.append(start_process(session, collaborators, process, actor, data, parent_id=cycle_id)["id"])
    return {"appraisals": len(started), "appraisal_ids": started}


def close_cycle(
    session: Session, collaborators: Collaborators, cycle: ProcessInstance, actor: Actor, data: dict[str, Any],
) -> None:
    """Closing a cycle whose appraisals are still open needs an explicit choice, which cancels them."""
    still_open = session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.parent_id == cycle.id, ProcessInstance.status == "running").order_by(ProcessInstance.id)).all()
    if not still_open:
        return
    if not data.get(CANCEL_OPEN):
        raise FormInvalid({CANCEL_OPEN: [
            f"{len(still_open)} appraisal(s) of this cycle have no result yet: finish them first, "
            "or choose to cancel them"]})
    for appraisal_id in still_open:
        cancel_instance(session, collaborators, appraisal_id, actor.username,
                        f"cycle {cycle.business_key} closed before this appraisal was finished")


def require_another_grade(
    session: Session, collaborators: Collaborators, appraisal: ProcessInstance, actor: Actor, data: dict[str, Any],
) -> None:
    """"Adjust" at calibration and "change" at objection review must name a grade other than the current one."""
    if data.get("decision") not in ("adjust", "change"):
        return
    known = json.loads(appraisal.data_json)
    current = known.get("final_grade") or (known.get("rating") or {}).get("grade")
    if current is not None and data.get("grade") == current:
        keep = "confirm" if data["decision"] == "adjust" else "uphold"
        raise FormInvalid({"grade": [f"is already the grade ({current}): choose {keep}, or another grade"]})


def register(hooks: ProcessHooks) -> None:
    """Plug the appraisal domain into the runtime: cycles open and close their appraisals."""
    hooks.on_start(CYCLE_PROCESS, open_cycle)
    hooks.started_only_by(APPRAISAL_PROCESS, CYCLE_PROCESS)
    hooks.on_complete(CYCLE_PROCESS, CLOSE_STEP, close_cycle)
    hooks.on_complete(APPRAISAL_PROCESS, "calibration", require_another_grade)
    hooks.on_complete(APPRAISAL_PROCESS, "objection_review", require_another_grade)
