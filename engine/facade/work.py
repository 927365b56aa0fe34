"""Employees' work: starting and following requests, the inbox, tasks and their comments, notifications."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select

from ..errors import InvalidInput, OpsflowError, ProcessError, SeparationOfDuties
from ..org.people import Caller, Person, acting
from ..org.rights import Right, holds, may_audit
from ..runtime import (
    attachments,
    bulk,
    comments,
    copies,
    handover,
    inbox,
    instance_views,
    instances,
    moves,
    returns,
    signers,
)
from ..runtime.attachments import AttachmentFile
from ..runtime.file_types import Limits, Upload
from ..runtime.request_keys import RequestKey
from ..runtime.tasks import assign_task, claim_task, show_task, unclaim_task
from ..runtime.views import (
    ApprovalRound,
    Assignment,
    Attachment,
    BulkApproval,
    BulkRefusal,
    Cancelled,
    Comment,
    Completion,
    CopyEntry,
    CopyResult,
    HistoryEvent,
    InboxPage,
    Instance,
    InstanceDetail,
    MyRequests,
    Navigation,
    OfferedMoves,
    ProcessDefinition,
    RestartData,
    Returned,
    ReturnTargets,
    Started,
    StepForm,
    Task,
    TaskCounts,
    TaskDetail,
    Transfer,
    Urged,
    Withdrawn,
)
from ..scheduling import notifications
from ..scheduling.views import Notification
from .core import Area, latest_processes

log = logging.getLogger(__name__)


class Work(Area):
    # -- requests ----------------------------------------------------------------------------
    def processes(self, by: Caller) -> list[ProcessDefinition]:
        """The latest version of each deployed process that ``by`` may start (the operator: all of them)."""
        with self.core.reading() as session:
            actor = acting(session, by)
            if actor.is_operator:  # the directory keeps them as latest_processes made them (org cannot name the type)
                return [cast(ProcessDefinition, shown) for shown in self.core.directory_of(session).processes.values()]
            return [shown for process, shown in latest_processes(session, self.collaborators)
                    if instances.may_start(self.collaborators, process, actor)]

    def start(self, by: Person, key: str, data: Any = None, request_key: RequestKey | None = None) -> Started:
        """Start the latest version of ``key`` with start ``data``, run to its first wait state."""
        with self.core.transaction(request_key) as session:
            return instances.start_instance(session, self.collaborators, acting(session, by), key, data)

    def cancel(self, by: Person, instance_id: int, reason: str) -> Cancelled:
        """Cancel a running instance with a reason (the cancel right)."""
        with self.core.transaction() as session:
            return instances.cancel_instance(session, self.collaborators, acting(session, by), instance_id, reason)

    def instances(self, by: Caller, process_key: str | None = None, started_by: str | None = None,
                  status: str | None = None, limit: int = 200, before_id: int | None = None) -> list[Instance]:
        """The instances ``by`` may see, newest first; ``before_id`` pages on."""
        with self.core.reading() as session:
            return instance_views.list_instances(session, acting(session, by), process_key, started_by, limit,
                                                 status, before_id)

    def my_requests(self, by: Person, limit: int = 50, before_id: int | None = None,
                    involved_before: int | None = None) -> MyRequests:
        """What ``by`` started ("started") and where they take part ("involved"), a page of each; the steps to urge."""
        with self.core.reading() as session:
            return instance_views.my_requests(session, acting(session, by), limit, self.collaborators.clock(),
                                              before_id, involved_before)

    def show(self, by: Caller, instance_id: int) -> InstanceDetail:
        """An instance with its status, open steps and data."""
        with self.core.reading() as session:
            return instance_views.show_instance(session, acting(session, by), instance_id)

    def history(self, by: Caller, instance_id: int) -> list[HistoryEvent]:
        """An instance's history events in order."""
        with self.core.reading() as session:
            return instance_views.instance_history(session, acting(session, by), instance_id)

    def forms(self, by: Caller, instance_id: int) -> dict[str, StepForm]:
        """The start and task forms of an instance's process version (to label its data)."""
        with self.core.reading() as session:
            return instance_views.instance_forms(session, self.collaborators, acting(session, by), instance_id)

    # -- the inbox ---------------------------------------------------------------------------
    def tasks(self, by: Person, process: str | None = None, text: str | None = None, sort: str = "age",
              after: str | None = None, limit: int = inbox.MAX_INBOX_ROWS) -> list[Task]:
        """Open tasks ``by`` holds or may claim, one page (``after``: ``inbox.cursor_of`` the last row)."""
        with self.core.reading() as session:
            return inbox.list_tasks(session, acting(session, by), process, text, sort, after, limit)

    def inbox(self, by: Person, process: str | None = None, text: str | None = None, sort: str = "age",
              mine_after: str | None = None, team_after: str | None = None,
              per_list: int = inbox.PAGE, totals: bool = True, count_up_to: int | None = None,
              marks: bool = False) -> InboxPage:
        """A page of my tasks and one of my team's, where each continues; ``inbox.inbox_page`` says the rest."""
        with self.core.reading() as session:
            return inbox.inbox_page(session, acting(session, by), process, text, sort, mine_after, team_after,
                                    per_list, totals, count_up_to, marks)

    def navigation(self, by: Person, count_up_to: int | None = None) -> Navigation:
        """What every page's navigation shows, in one read: task counts and unread notifications (each up to
        ``count_up_to`` when given: a long queue's count then costs no more than a short one's), the rights
        held, whether the audit workspace is open to the user."""
        with self.core.reading() as session:
            actor = acting(session, by)
            mine, team, unread = session.execute(select(  # one statement: each is a round trip on PostgreSQL
                inbox.counting_open(actor, "mine", up_to=count_up_to).scalar_subquery(),
                inbox.counting_open(actor, "team", up_to=count_up_to).scalar_subquery(),
                notifications.counting_unread(actor.id, count_up_to).scalar_subquery())).one()
            return Navigation(mine=int(mine or 0), team=int(team or 0), unread=int(unread or 0),
                              rights=tuple(sorted(right.value for right in Right if holds(actor, right))),
                              audit=may_audit(actor))

    def task_counts(self, by: Person) -> TaskCounts:
        """Open tasks ``by`` holds ("mine") and unclaimed ones of their roles ("team"), uncapped."""
        with self.core.reading() as session:
            return inbox.task_counts(session, acting(session, by))

    # -- one task ----------------------------------------------------------------------------
    def task(self, by: Caller, task_id: int) -> TaskDetail:
        """A task with its form, what the form starts with and the context from earlier steps."""
        with self.core.reading() as session:
            return show_task(session, self.collaborators, acting(session, by), task_id)

    def claim(self, by: Person, task_id: int) -> Assignment:
        """Take an open task of one's roles. A separation-of-duties refusal is put on the record."""
        with self.core.refusals_recorded(by), self.core.transaction() as session:
            return claim_task(session, self.collaborators, acting(session, by), task_id)

    def unclaim(self, by: Person, task_id: int) -> Assignment:
        """Give a task back to its role (one's own, or one held in one's reporting line)."""
        with self.core.transaction() as session:
            return unclaim_task(session, self.collaborators, acting(session, by), task_id)

    def assign(self, by: Person, task_id: int, to_username: str) -> Assignment:
        """Give a task to someone who reports to ``by`` (the dispatch right)."""
        with self.core.refusals_recorded(by), self.core.transaction() as session:
            return assign_task(session, self.collaborators, acting(session, by), task_id, to_username)

    def complete(self, by: Person, task_id: int, data: Any, request_key: RequestKey | None = None) -> Completion:
        """Complete a task with ``data`` (checked against its form) and run to the next wait state.

        A model failure (``ProcessError``) leaves the instance as it was and is put on its record, and so is a
        separation-of-duties refusal.
        """
        try:
            with self.core.refusals_recorded(by), self.core.transaction(request_key) as session:
                return signers.complete(session, self.collaborators, by, task_id, data)
        except ProcessError as exc:
            self.core.record_failure(exc, by.username)
            raise

    def bulk_approve(self, by: Person, task_ids: list[int], comment: str = "") -> BulkApproval:
        """Approve several tasks of one step with one comment (批量审批; steps with ``bulkApprove`` only), each in
        a transaction of its own: those refused (stale, not ``by``'s, another step) are reported, the rest done.

        :raise InvalidInput: no task, or too many.
        """
        approved: list[int] = []
        refused: list[BulkRefusal] = []
        step: tuple[str, str] | None = None
        for task_id in bulk.check_batch(task_ids):
            try:
                with self.core.transaction() as session:
                    _, step = bulk.approve_one(session, self.collaborators, acting(session, by), task_id, comment,
                                               step)
                approved.append(task_id)
            except OpsflowError as exc:
                if isinstance(exc, ProcessError):
                    self.core.record_failure(exc, by.username)
                elif isinstance(exc, SeparationOfDuties):
                    self.core.record_refusal(exc, by.username)
                refused.append({"id": task_id, "error": exc.code, "message": exc.message})
        return {"approved": approved, "refused": refused}

    # -- delegating (委派) and added signers (加签, 减签) ------------------------------------------------
    def approval_round(self, by: Caller, task_id: int) -> ApprovalRound:
        """Who holds a task, who acts on it now, its delegates and added signers."""
        with self.core.reading() as session:
            return handover.show_round(session, self.collaborators, acting(session, by), task_id)

    def delegate(self, by: Person, task_id: int, to_username: str, reason: str,
                 request_key: RequestKey | None = None) -> ApprovalRound:
        """Ask a colleague to do a task's work; it comes back to ``by`` (its holder) to confirm or send back."""
        with self.core.transaction(request_key) as session:
            return signers.delegate(session, self.collaborators, acting(session, by), task_id, to_username, reason)

    def add_signers(self, by: Person, task_id: int, usernames: list[str], position: str,
                    reason: str, request_key: RequestKey | None = None) -> ApprovalRound:
        """Add people who approve before ``by`` (the holder) decides, or after (``position``: before, after)."""
        with self.core.transaction(request_key) as session:
            return signers.add_signers(session, self.collaborators, acting(session, by), task_id, usernames,
                                       position, reason)

    def remove_signer(self, by: Person, task_id: int, username: str, reason: str = "",
                      request_key: RequestKey | None = None) -> ApprovalRound:
        """Remove an added signer who has not acted yet (the holder)."""
        with self.core.transaction(request_key) as session:
            return signers.remove_signer(session, self.collaborators, acting(session, by), task_id, username,
                                         reason)

    def sign(self, by: Person, task_id: int, decision: str, comment: str = "",
             request_key: RequestKey | None = None) -> ApprovalRound:
        """An added signer, on their turn, approves or returns (after the holder: or another of the step's
        decisions, which then ends the step)."""
        try:
            with self.core.transaction(request_key) as session:
                return signers.sign(session, self.collaborators, acting(session, by), task_id, decision, comment)
        except ProcessError as exc:
            self.core.record_failure(exc, by.username)
            raise

    def return_targets(self, by: Person, task_id: int) -> ReturnTargets:
        """The earlier steps ``by`` may return an open task's request to (驳回到任意已经过的步骤)."""
        with self.core.reading() as session:
            return returns.return_targets(session, self.collaborators, acting(session, by), task_id)

    def return_task(self, by: Person, task_id: int, to_step: str, reason: str,
                    request_key: RequestKey | None = None) -> Returned:
        """Return an open task's request to an earlier step it passed, with a reason; once that step is completed
        again the request comes straight back (unless the model says to walk on)."""
        try:
            with self.core.transaction(request_key) as session:
                return returns.return_task(session, self.collaborators, acting(session, by), task_id, to_step,
                                           reason)
        except ProcessError as exc:
            self.core.record_failure(exc, by.username)
            raise

    def add_comment(self, by: Person, task_id: int, body: str, files: Sequence[Upload] = (),
                    request_key: RequestKey | None = None) -> Comment:
        """Comment on a task (the advisory right), with files attached to the comment if any."""
        with self.core.transaction(request_key) as session:
            return comments.add_comment(session, self.collaborators, acting(session, by), task_id, body, files)

    # -- attachments (附件) ----------------------------------------------------------------------
    def attach(self, by: Person, task_id: int, files: Sequence[Upload], field: str | None = None,
               comment: str | None = None) -> list[Attachment]:
        """Attach files to a step: to its form's file ``field`` (the holder), with a ``comment`` (whoever may
        comment), or else to the request at that step (whoever may comment)."""
        with self.core.transaction() as session:
            actor = acting(session, by)
            if comment is not None:
                if field is not None:
                    raise InvalidInput("attach files either to a form field or to a comment, not both")
                return comments.comment_with_files(session, self.collaborators, actor, task_id, comment, files)[1]
            return attachments.attach(session, self.collaborators, actor, task_id, files, field)

    def attachment_limits(self) -> Limits:
        """How big a file may be and which types are accepted (configured: ``file_types.Limits.from_env``)."""
        return self.collaborators.attachment_limits

    def attachments(self, by: Caller, instance_id: int) -> list[Attachment]:
        """A request's attachments, oldest first (whoever may see it)."""
        with self.core.reading() as session:
            return attachments.list_attachments(session, acting(session, by), instance_id)

    def task_attachments(self, by: Caller, task_id: int) -> list[Attachment]:
        """The attachments of the request a task belongs to, oldest first (whoever may see the request)."""
        with self.core.reading() as session:
            actor = acting(session, by)
            return attachments.list_attachments(session, actor, attachments.task_instance(session, actor, task_id))

    def attachment(self, by: Caller, instance_id: int, ref: str) -> AttachmentFile:
        """One of a request's files, by id or SHA-256, with its bytes (whoever may see the request)."""
        with self.core.reading() as session:
            return attachments.open_attachment(session, acting(session, by), instance_id, ref)

    def task_attachment(self, by: Caller, task_id: int, ref: str) -> AttachmentFile:
        """A file of the request a task belongs to, by id or SHA-256 (whoever may see the request)."""
        with self.core.reading() as session:
            actor = acting(session, by)
            return attachments.open_attachment(session, actor, attachments.task_instance(session, actor, task_id),
                                               ref)

    def comments(self, by: Caller, task_id: int) -> list[Comment]:
        """A task's own comments, oldest first."""
        with self.core.reading() as session:
            return comments.list_comments(session, acting(session, by), task_id)

    def request_comments(self, by: Caller, instance_id: int) -> list[Comment]:
        """Every comment on a request, whichever step it was made on, oldest first."""
        with self.core.reading() as session:
            return comments.list_request_comments(session, acting(session, by), instance_id)

    # -- copies (抄送, CC) ---------------------------------------------------------------------
    def copy(self, by: Person, instance_id: int, to_usernames: list[str], note: str = "",
             request_key: RequestKey | None = None) -> CopyResult:
        """Copy a request to people (its starter, or whoever holds one of its open tasks): they are told and
        may read it."""
        with self.core.transaction(request_key) as session:
            return copies.copy_instance(session, self.collaborators, acting(session, by), instance_id,
                                        to_usernames, note)

    def copies(self, by: Person, unread_only: bool = False) -> list[CopyEntry]:
        """The requests copied to ``by``, newest first ("CC'd to me")."""
        with self.core.reading() as session:
            return copies.copies_of(session, acting(session, by), unread_only)

    def open_copy(self, by: Person, instance_id: int) -> int:
        """Mark a request copied to ``by`` read, as they open it."""
        with self.core.transaction() as session:
            return copies.open_copy(session, acting(session, by), instance_id, self.collaborators.clock())

    # -- transfer, urge, withdraw, start again (转办, 催办, 撤回, 重新发起) ------------------------------
    def transfer(self, by: Person, task_id: int, to_username: str, reason: str,
                 request_key: RequestKey | None = None) -> Transfer:
        """Move an open task to a colleague the process's transfer rule allows, with a reason (its holder, or a
        manager above them); the colleague holds it from then on and is told."""
        with self.core.transaction(request_key) as session:
            return moves.transfer_task(session, self.collaborators, acting(session, by), task_id, to_username,
                                       reason)

    def transfer_candidates(self, by: Person, task_id: int) -> list[str]:
        """Whom ``by`` may transfer a task to (usernames; none when they may not transfer it)."""
        with self.core.reading() as session:
            return moves.transfer_candidates(session, self.collaborators, acting(session, by), task_id)

    def urge(self, by: Person, task_id: int, note: str = "", request_key: RequestKey | None = None) -> Urged:
        """Remind an open task's holders (the request's starter, or a manager above the holder), once an hour."""
        with self.core.transaction(request_key) as session:
            return moves.urge_task(session, self.collaborators, acting(session, by), task_id, note)

    def withdraw(self, by: Person, instance_id: int, reason: str, request_key: RequestKey | None = None) -> Withdrawn:
        """Withdraw a request one started, while nobody has acted on it; it ends as withdrawn."""
        with self.core.transaction(request_key) as session:
            return moves.withdraw_instance(session, self.collaborators, acting(session, by), instance_id, reason)

    def restart_data(self, by: Person, instance_id: int) -> RestartData:
        """The process and start data to start a withdrawn, cancelled or vetoed request of one's own again."""
        with self.core.reading() as session:
            return moves.restart_data(session, self.collaborators, acting(session, by), instance_id)

    def offered_moves(self, by: Person, instance_id: int) -> OfferedMoves:
        """Which moves a request's page offers ``by``: the tasks they may urge, withdraw, start again."""
        with self.core.reading() as session:
            return moves.offered_moves(session, self.collaborators, acting(session, by), instance_id)

    # -- notifications -----------------------------------------------------------------------
    def notifications(self, by: Person, unread_only: bool = False) -> list[Notification]:
        """``by``'s notifications, newest first."""
        with self.core.reading() as session:
            return notifications.list_notifications(session, acting(session, by), unread_only)

    def unread_count(self, by: Person) -> int:
        with self.core.reading() as session:
            return notifications.unread_count(session, acting(session, by))

    def open_notification(self, by: Person, notification_id: int) -> Notification:
        """A notification of ``by``'s, marked read as it is opened."""
        with self.core.transaction() as session:
            return notifications.open_notification(session, acting(session, by), notification_id,
                                                   self.collaborators.clock())

    def mark_read(self, by: Person, notification_id: int | None = None) -> int:
        """Mark one (or all) of ``by``'s notifications read; how many changed."""
        with self.core.transaction() as session:
            return notifications.mark_read(session, acting(session, by), self.collaborators.clock(),
                                           notification_id)
