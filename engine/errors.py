"""Domain errors. The CLI and the web layer each turn them into answers in one place."""

from __future__ import annotations


class OpsflowError(Exception):
    """Base of every error a use case raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(OpsflowError):
    code = "not_found"


class UserNotFound(NotFound):
    def __init__(self, username: str) -> None:
        super().__init__(f"unknown user: {username!r}")
        self.username = username


class TaskNotFound(NotFound):
    def __init__(self, task_id: object) -> None:
        super().__init__(f"no task with id {task_id}")


class InstanceNotFound(NotFound):
    def __init__(self, instance_id: object) -> None:
        super().__init__(f"no process instance with id {instance_id}")


class ProcessNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"no deployed process with key {key!r}")


class NotAllowed(OpsflowError):
    code = "forbidden"


class SeparationOfDuties(NotAllowed):
    """Separation of duties (不相容职责分离): whoever completed one step of an instance may not do another step
    that the process keeps apart from it (``notCompletedBy``); the task stays open for someone else.

    Carries the person and both steps' titles, so that every channel can say it in its reader's language.
    """

    def __init__(self, username: str, display_name: str, task_id: int, step: tuple[str, str, str],
                 other: tuple[str, str, str]) -> None:
        # step and other: (id, English title, Chinese title)
        super().__init__(f"separation of duties: {username} completed {other[1]!r} ({other[0]}) on this request, so "
                         f"someone else must do {step[1]!r} ({step[0]}, task {task_id})")
        self.username, self.display_name, self.task_id = username, display_name, task_id
        self.step, self.other = step, other


class OwnSeparationRule(NotAllowed):
    """The person a separation rule keeps away from a task may not override that rule themselves."""


class Conflict(OpsflowError):
    """The thing changed under the caller: completed, claimed or stepped by someone else."""

    code = "conflict"


class InvalidInput(OpsflowError):
    """Input that is wrong as a whole (bad JSON, unknown role, empty reason...)."""

    code = "invalid"


class FormInvalid(OpsflowError):
    """Submitted data does not satisfy the form; ``fields`` maps each field to its errors."""

    code = "invalid"

    def __init__(self, fields: dict[str, list[str]]) -> None:
        lines = "; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in sorted(fields.items()))
        super().__init__(f"invalid data: {lines}")
        self.fields = fields


class DeploymentRejected(OpsflowError):
    """A BPMN/DMN file failed validation; nothing was stored."""

    code = "invalid"

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class ProcessError(OpsflowError):
    """The process model failed while running (e.g. no gateway condition held)."""

    code = "process_error"

    def __init__(self, message: str, instance_id: int | None = None, task_name: str | None = None) -> None:
        super().__init__(message)
        self.instance_id = instance_id
        self.task_name = task_name


class HistoryTampered(OpsflowError):
    """The history, or the evidence of it kept outside the database, does not check out."""

    code = "history_tampered"


class TooSoon(OpsflowError):
    """A move that may be made only so often (urging a task: once an hour) was made again too soon;
    ``retry_at`` (ISO 8601, UTC) says when it may be made again, ``retry_after`` in how many seconds."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_at: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_at = retry_at
        self.retry_after = retry_after


class DirectoryUnavailable(OpsflowError):
    """The organisation's directory (LDAP) does not answer, or refuses opsflow itself: nothing was checked or
    changed (it is not a wrong password)."""

    code = "unavailable"


class Unavailable(OpsflowError):
    """The database takes no writes now: it is read-only (a standby, ``default_transaction_read_only``, a
    read-only file) or its disk is full. Nothing was changed; the same request may succeed later, so callers
    are told to come back in ``retry_after`` seconds (HTTP 503 with ``Retry-After``)."""

    code = "unavailable"
    READ_ONLY = "read_only"
    FULL = "full"

    def __init__(self, reason: str, retry_after: int = 30) -> None:
        said = "read-only" if reason == self.READ_ONLY else "full"
        super().__init__(f"the database is {said} and takes no changes now; nothing was changed, try again later")
        self.reason = reason
        self.retry_after = retry_after
