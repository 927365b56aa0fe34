"""Starting, following and cancelling instances; working on tasks."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from ..errors import Conflict, ProcessError
from ..history.log import PendingEvent
from ..models import ProcessInstance
from ..org.people import load_actor
from ..org.rights import Right, holds, may_audit
from ..runtime import comments, inbox, instance_views, instances
from ..runtime.step_writer import Step, write_step
from ..runtime.tasks import FormReader, assign_task, claim_task, complete_task, show_task, unclaim_task
from ..scheduling import notifications
from .base import EngineBase

log = logging.getLogger(__name__)


class WorkUseCases(EngineBase):
    # -- instances ---------------------------------------------------------------------------
    def start(self, key: str, username: str, data: Any = None) -> dict[str, Any]:
        with self.transaction() as session:
            return instances.start_instance(session, self.collaborators, key, username, data)

    def cancel(self, instance_id: int, username: str, reason: str) -> dict[str, Any]:
        with self.transaction() as session:
            return instances.cancel_instance(session, self.collaborators, instance_id, username, reason)

    def instances(self, process_key: str | None = None, started_by: str | None = None,
                  status: str | None = None, limit: int = 200, visible_to: str | None = None,
                  before_id: int | None = None, involving: str | None = None) -> list[dict[str, Any]]:
        """Newest first; ``visible_to`` keeps what that user may see, ``before_id`` pages,
        ``involving`` keeps what others started and that user worked on."""
        with self.reading() as session:
            return instance_views.list_instances(session, process_key, started_by, limit, status, visible_to,
                                                 before_id, involving)

    def my_requests(self, username: str, limit: int = 50, before_id: int | None = None,
                    involved_before: int | None = None) -> dict[str, list[dict[str, Any]]]:
        """What the user started ("started") and where they take part ("involved"), a page of each."""
        with self.reading() as session:
            return instance_views.my_requests(session, username, limit, before_id, involved_before)

    def show(self, instance_id: int, username: str | None = None) -> dict[str, Any]:
        """An instance; with ``username``, only if that user may see it."""
        with self.reading() as session:
            return instance_views.show_instance(session, instance_id, username)

    def history(self, instance_id: int, username: str | None = None) -> list[dict[str, Any]]:
        with self.reading() as session:
            return instance_views.instance_history(session, instance_id, username)

    def forms(self, instance_id: int, username: str | None = None) -> dict[str, dict[str, Any]]:
        """The start and task forms of an instance's process version (to label its data)."""
        with self.reading() as session:
            return instance_views.instance_forms(session, self.collaborators, instance_id, username)

    # -- tasks -------------------------------------------------------------------------------
    def tasks(self, username: str, process: str | None = None, text: str | None = None, sort: str = "age",
              after: str | None = None, limit: int = inbox.MAX_INBOX_ROWS) -> list[dict[str, Any]]:
        """Open tasks the user holds or may claim, one page (``after``: ``inbox.cursor_of`` the last row)."""
        with self.reading() as session:
            return inbox.list_tasks(session, username, process, text, sort, after, limit)

    def inbox(self, username: str, process: str | None = None, text: str | None = None, sort: str = "age",
              mine_after: str | None = None, team_after: str | None = None,
              per_list: int = inbox.PAGE, totals: bool = True, count_up_to: int | None = None) -> dict[str, Any]:
        """A page of my tasks and one of my team's, where each continues (and with ``totals``, their totals,
        each counted up to ``count_up_to`` when given)."""
        with self.reading() as session:
            return inbox.inbox_page(session, username, process, text, sort, mine_after, team_after, per_list,
                                    totals, count_up_to)

    def navigation(self, username: str, count_up_to: int | None = None) -> dict[str, Any]:
        """What every page's navigation shows, in one read: task counts and unread notifications (each up to
        ``count_up_to`` when given: a long queue's count then costs no more than a short one's), the rights
        held, whether the audit workspace is open to the user."""
        with self.reading() as session:
            actor = load_actor(session, username)
            mine, team, unread = session.execute(select(  # one statement: each is a round trip on PostgreSQL
                inbox.counting_open(actor, "mine", up_to=count_up_to).scalar_subquery(),
                inbox.counting_open(actor, "team", up_to=count_up_to).scalar_subquery(),
                notifications.counting_unread(actor.id, count_up_to).scalar_subquery())).one()
            return {"mine": int(mine or 0), "team": int(team or 0), "unread": int(unread or 0),
                    "rights": sorted(right.value for right in Right if holds(actor, right)),
                    "audit": may_audit(actor)}

    def task_counts(self, username: str) -> dict[str, int]:
        """Open tasks the user holds ("mine") and unclaimed ones of their roles ("team"), uncapped."""
        with self.reading() as session:
            return inbox.task_counts(session, username)

    def task(self, task_id: int, username: str | None = None) -> dict[str, Any]:
        """A task with form and context; with ``username``, only if that user may see it."""
        with self.reading() as session:
            return show_task(session, self.collaborators, task_id, username)

    def claim(self, task_id: int, username: str) -> dict[str, Any]:
        with self.transaction() as session:
            return claim_task(session, self.collaborators, task_id, username)

    def unclaim(self, task_id: int, username: str) -> dict[str, Any]:
        with self.transaction() as session:
            return unclaim_task(session, self.collaborators, task_id, username)

    def assign(self, task_id: int, to_username: str, username: str) -> dict[str, Any]:
        with self.transaction() as session:
            return assign_task(session, self.collaborators, task_id, to_username, username)

    def complete(self, task_id: int, username: str, data: Any = None,
                 read_form: FormReader | None = None) -> dict[str, Any]:
        """Complete a task with ``data``, or with what ``read_form`` makes of the task's form (one transaction)."""
        try:
            with self.transaction() as session:
                return complete_task(session, self.collaborators, task_id, username, data, read_form)
        except ProcessError as exc:
            self._record_failure(exc, username)
            raise

    def add_comment(self, task_id: int, username: str, body: str) -> dict[str, Any]:
        with self.transaction() as session:
            return comments.add_comment(session, self.collaborators, task_id, username, body)

    def comments(self, task_id: int, username: str | None = None) -> list[dict[str, Any]]:
        with self.reading() as session:
            return comments.list_comments(session, task_id, username)

    def _record_failure(self, exc: ProcessError, username: str) -> None:
        """Put a model failure on the record; the instance itself stays as it was."""
        if exc.instance_id is None:
            return
        try:
            with self.transaction() as session:
                instance = session.get(ProcessInstance, exc.instance_id)
                if instance is not None:
                    event = PendingEvent("error", username, exc.task_name, payload={"message": exc.message})
                    write_step(session, self.collaborators, Step(instance, [event]), self.collaborators.clock())
        except Conflict:
            log.warning("could not record the failure of instance %s: it changed meanwhile", exc.instance_id)
