"""Operating the engine (the operate right: admins, and the operator): incidents, jobs, workers, cancelling.

Each function runs inside the caller's transaction and asks the operate right first, before it reads.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from ..org import throttle
from ..org.people import Actor
from ..org.rights import Right, require
from ..runtime import instance_views, instances
from ..runtime.collaborators import Collaborators
from ..runtime.views import Cancelled
from . import heartbeat, jobs
from .views import DismissedJob, Incident, IncidentDetail, OperationsOverview, RetriedJob

LISTED_JOBS = 100


def overview(session: Session, actor: Actor, now: datetime) -> OperationsOverview:
    """What an operator watches: incidents, pending and leased jobs, the workers seen recently, and the
    accounts whose sign-ins were refused lately (who is being targeted, from where)."""
    require(actor, Right.OPERATE, "see the operations page")
    return OperationsOverview(jobs.list_incidents(session), jobs.open_jobs(session, now, LISTED_JOBS),
                              jobs.job_counts(session), heartbeat.recent_workers(session, now),
                              throttle.targets(session, now))


def incidents(session: Session, actor: Actor) -> list[Incident]:
    """Jobs that failed after their last attempt, oldest first."""
    require(actor, Right.OPERATE, "see incidents")
    return jobs.list_incidents(session)


def job_counts(session: Session, actor: Actor) -> dict[str, int]:
    """How many jobs are in each state."""
    require(actor, Right.OPERATE, "see the jobs")
    return jobs.job_counts(session)


def show_incident(session: Session, actor: Actor, job_id: int) -> IncidentDetail:
    """One incident with its error, and its instance with the instance's history (when it has one)."""
    require(actor, Right.OPERATE, "see incidents")
    found = jobs.incident(session, job_id)
    if found.instance_id is None:
        return found
    return replace(found, instance=instance_views.show_instance(session, actor, found.instance_id),
                   history=list(instance_views.instance_history(session, actor, found.instance_id)))


def retry(session: Session, actor: Actor, job_id: int, now: datetime) -> RetriedJob:
    """Run an incident's job again, from its first attempt."""
    require(actor, Right.OPERATE, "retry incidents")
    return jobs.retry_incident(session, job_id, now)


def dismiss(session: Session, actor: Actor, job_id: int, reason: str, now: datetime) -> DismissedJob:
    """Give up a failing notification job with a reason (kept on the job, with who gave it up)."""
    require(actor, Right.OPERATE, "dismiss incidents")
    return jobs.dismiss_incident(session, job_id, actor.username, reason, now)


def cancel(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
           reason: str) -> Cancelled:
    """Cancel an instance from the operations page: the operate right, then the cancel right, with a reason."""
    require(actor, Right.OPERATE, "cancel instances from the operations page")
    return instances.cancel_instance(session, collaborators, actor, instance_id, reason)
