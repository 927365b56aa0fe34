"""Appraisal cycles: opening one appraisal per reporting line, and closing the cycle.

Opening a cycle (starting ``appraisal_cycle``) starts one ``appraisal`` instance for every
active person who reports to someone, following the reporting lines at that moment: the
person they report to scores them, and that person's own manager calibrates (for people
who report to the top of the organisation, the appraiser calibrates too). Each appraisal is
its own instance, so no instance grows with the size of the organisation.

The first ``OPEN_BATCH`` appraisals are started with the cycle itself; the rest by jobs of the
same size (``open_appraisals``), each in a transaction of its own, so that opening a cycle for
thousands of people never holds SQLite's write lock for long. ``batch_opening`` records how far
the opening got ("412 of 1,000 opened"); the reporting lines are taken once, at opening.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session, aliased

from ..calendar import CHINA, DurationInvalid, parse_duration, window_date
from ..errors import FormInvalid
from ..models import BatchOpening, Job, ProcessInstance, User
from ..org.people import Actor, actor_by_id
from ..runtime import outbox
from ..runtime.collaborators import Collaborators
from ..runtime.hooks import ProcessHooks
from ..runtime.instances import cancel_instance, create_instances, plan_instances, start_processes

CYCLE_PROCESS = "appraisal_cycle"
APPRAISAL_PROCESS = "appraisal"
CLOSE_STEP = "close_cycle"
CANCEL_OPEN = "cancel_open_appraisals"
OPEN_JOB = "open_appraisals"
OPEN_BATCH = 50  # appraisals per transaction: about a tenth of a second on SQLite (one model run, see alike_starts)
DEFAULT_WINDOWS = {
    "self_assessment_window": "P5D",
    "scoring_window": "P5D",
    "calibration_window": "P3D",
    "acknowledge_window": "P3D",
}


def window_problems(windows: dict[str, str], now: datetime) -> dict[str, list[str]]:
    """What is wrong with a cycle's windows: each a duration of working days (``P5D``) or the step's last day
    (``2027-01-15``, not already past); days picked for later steps not before those of earlier ones."""
    problems: dict[str, list[str]] = {}
    today = now.astimezone(CHINA).date()
    previous: date | None = None
    for key, window in windows.items():  # in the order the steps come
        try:
            last_day = window_date(window)
            if last_day is None:
                parse_duration(window)
        except DurationInvalid as exc:
            problems[key] = [str(exc)]
            continue
        if last_day is not None and last_day < today:
            problems[key] = ["the day has passed: pick today or a later day"]
        elif last_day is not None and previous is not None and last_day < previous:
            problems[key] = ["the day is before the last day of the step before it"]
        previous = last_day or previous
    return problems


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
    """The start hook of ``appraisal_cycle``: start the first appraisals now, queue the rest in batches."""
    process = collaborators.catalog.latest(session, APPRAISAL_PROCESS)
    windows = {key: start_data.get(key) or default for key, default in DEFAULT_WINDOWS.items()}
    problems = window_problems(windows, collaborators.clock())  # before any appraisal exists: nothing changes
    if problems:
        raise FormInvalid(problems)
    planned = [{"period": start_data["period"], "period_type": start_data["period_type"], "cycle_id": cycle_id,
                **windows, **line} for line in reporting_lines(session)]
    now = collaborators.clock()
    started = start_processes(session, collaborators, process, actor, planned[:OPEN_BATCH], parent_id=cycle_id)
    rest = planned[OPEN_BATCH:]
    session.add(BatchOpening(parent_id=cycle_id, planned=len(planned), opened=len(started), started_at=now,
                             finished_at=None if rest else now))
    outbox.schedule_jobs(session, [{
        "kind": OPEN_JOB, "due_at": now, "instance_id": cycle_id,
        "payload": {"cycle_id": cycle_id, "definition_id": process.id, "started_by_id": actor.id,
                    "appraisals": rest[i:i + OPEN_BATCH]},
    } for i in range(0, len(rest), OPEN_BATCH)], now)
    return {"appraisals": len(planned), "opened": len(started), "appraisal_ids": started}


def open_batch(session: Session, collaborators: Collaborators, payload: dict[str, Any], now: datetime) -> None:
    """The ``open_appraisals`` job: start one batch of a cycle's appraisals (nothing if the cycle was closed).

    The workflows are run before anything is written, so the write lock is held only for the writes.
    The progress row is claimed first of those: a close that cancels the opening and this batch are
    serialised on it.
    """
    cycle_id, batch = int(payload["cycle_id"]), list(payload["appraisals"])
    process = collaborators.catalog.get(session, int(payload["definition_id"]))
    starter = actor_by_id(session, int(payload["started_by_id"]))
    planned = plan_instances(collaborators, process, starter, batch)
    opened = BatchOpening.opened + len(batch)  # the last batch also marks the opening finished (SET reads the old row)
    claimed = session.execute(
        update(BatchOpening).where(BatchOpening.parent_id == cycle_id, BatchOpening.finished_at.is_(None))
        .values(opened=opened, finished_at=case((opened >= BatchOpening.planned, now), else_=None))
        .execution_options(synchronize_session=False))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return  # the cycle was closed (its opening cancelled) before this batch ran
    create_instances(session, collaborators, process, starter, planned, parent_id=cycle_id)


def close_cycle(
    session: Session, collaborators: Collaborators, cycle: ProcessInstance, actor: Actor, data: dict[str, Any],
) -> None:
    """Closing a cycle whose appraisals are still open (or still being opened) needs an explicit choice,
    which cancels them and the batches not opened yet."""
    opening = session.get(BatchOpening, cycle.id, with_for_update=True)  # first: batches wait on this row
    unopened = opening.planned - opening.opened if opening is not None and opening.finished_at is None else 0
    still_open = session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.parent_id == cycle.id, ProcessInstance.status == "running").order_by(ProcessInstance.id)).all()
    if not still_open and not unopened:
        return
    if not data.get(CANCEL_OPEN):
        raise FormInvalid({CANCEL_OPEN: [
            f"{len(still_open) + unopened} appraisal(s) of this cycle have no result yet: finish them first, "
            "or choose to cancel them"]})
    if opening is not None and unopened:
        opening.finished_at = collaborators.clock()
        session.execute(delete(Job).where(Job.kind == OPEN_JOB, Job.instance_id == cycle.id, Job.state == "pending")
                        .execution_options(synchronize_session=False))
    for appraisal_id in still_open:
        cancel_instance(session, collaborators, actor, appraisal_id,
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
    hooks.on_job(OPEN_JOB, open_batch)
    hooks.started_only_by(APPRAISAL_PROCESS, CYCLE_PROCESS)
    hooks.on_complete(CYCLE_PROCESS, CLOSE_STEP, close_cycle)
    hooks.on_complete(APPRAISAL_PROCESS, "calibration", require_another_grade)
    hooks.on_complete(APPRAISAL_PROCESS, "objection_review", require_another_grade)
