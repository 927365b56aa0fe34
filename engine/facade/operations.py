"""Operating the engine (admins: the operate right): incidents, jobs, workers and sign-in guessing."""

from __future__ import annotations

from typing import Any

from ..org import throttle
from ..org.people import load_actor
from ..org.rights import Right, holds, require
from ..runtime import instance_views, instances
from ..scheduling import heartbeat, jobs
from .base import EngineBase

LISTED_JOBS = 100


class OperationsUseCases(EngineBase):
    def may_operate(self, username: str) -> bool:
        with self.reading() as session:
            return holds(load_actor(session, username), Right.OPERATE)

    def operations(self, username: str) -> dict[str, Any]:
        """What an operator watches: incidents, pending and leased jobs, the workers seen recently, and
        the accounts whose sign-ins were refused lately (who is being targeted, from where)."""
        now = self.collaborators.clock()
        with self.reading() as session:
            require(load_actor(session, username), Right.OPERATE, "see the operations page")
            return {"incidents": jobs.list_incidents(session), "jobs": jobs.open_jobs(session, now, LISTED_JOBS),
                    "counts": jobs.job_counts(session), "workers": heartbeat.recent_workers(session, now),
                    "sign_in_targets": throttle.targets(session, now)}

    def incident(self, job_id: int, username: str) -> dict[str, Any]:
        """One incident with its error, and its instance with the instance's history (when it has one)."""
        with self.reading() as session:
            require(load_actor(session, username), Right.OPERATE, "see incidents")
            found = jobs.incident(session, job_id)
            if found["instance_id"] is not None:
                found["instance"] = instance_views.show_instance(session, found["instance_id"])
                found["history"] = instance_views.instance_history(session, found["instance_id"])
            return found

    def retry_incident(self, job_id: int, username: str) -> dict[str, Any]:
        """Run an incident's job again (the operate right); ``retry`` is the operator's, from the CLI."""
        with self.transaction() as session:
            require(load_actor(session, username), Right.OPERATE, "retry incidents")
            return jobs.retry_incident(session, job_id, self.collaborators.clock())

    def cancel_as_operator(self, instance_id: int, username: str, reason: str) -> dict[str, Any]:
        """Cancel an instance from the operations page: the operate right, then the cancel right, with a reason."""
        with self.transaction() as session:
            require(load_actor(session, username), Right.OPERATE, "cancel instances from the operations page")
            return instances.cancel_instance(session, self.collaborators, instance_id, username, reason)
