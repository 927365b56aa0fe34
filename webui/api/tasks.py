"""Human tasks: the inbox, one task with its form, claim, unclaim, assign, complete, bulk approval and comments."""

from __future__ import annotations

from flask import Response

from engine.errors import InvalidInput, UserNotFound
from engine.runtime.inbox import MAX_INBOX_ROWS, PAGE, SORTS, cursor_of

from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .inputs import body_object, choice_arg, id_segment, int_arg, text_arg
from .request_keys import idempotent, request_key

TASK = "/tasks" + id_segment("task_id")


@blueprint.get("/tasks")
def list_tasks() -> Response:
    """List open tasks the user holds or may claim, a page at a time (``limit``; ``after`` = the ``next`` given).

    Filter by ``process`` and text ``q``; ``sort`` by age or due.
    """
    sort = choice_arg("sort", SORTS, "age")
    limit = int_arg("limit", PAGE, 1, MAX_INBOX_ROWS)
    try:
        rows = context.engine().work.tasks(context.me(), process=text_arg("process"), text=text_arg("q"),
                                      sort=sort, after=text_arg("after"), limit=limit + 1)
    except InvalidInput as exc:  # the only one: a cursor this list did not give
        raise RequestInvalid(exc.message, {"after": [exc.message]}) from exc
    following = cursor_of(rows[limit - 1], sort) if len(rows) > limit else None
    return answer({"items": rows[:limit], "next": following})


@blueprint.get(TASK)
def show_task(task_id: int) -> Response:
    """Show a task with its form (JSON Schema), instructions and context. :raise 403 404:"""
    return answer(context.engine().work.task(context.me(), task_id))


@blueprint.post(f"{TASK}/claim")
def claim(task_id: int) -> Response:
    """Take a task of one's roles. :raise 409: claimed by someone else or no longer open."""
    body_object({}, empty_ok=True)
    return answer(context.engine().work.claim(context.me(), task_id))


@blueprint.post(f"{TASK}/unclaim")
def unclaim(task_id: int) -> Response:
    """Give a task back to the team (one's own, or one held in one's reporting line)."""
    body_object({}, empty_ok=True)
    return answer(context.engine().work.unclaim(context.me(), task_id))


@blueprint.post(f"{TASK}/assign")
def assign(task_id: int) -> Response:
    """Give a task to ``{"user": USERNAME}``, someone who reports to the caller (the dispatch right)."""
    target = str(body_object({"user": str}, required=["user"])["user"])
    try:
        return answer(context.engine().work.assign(context.me(), task_id, target))
    except UserNotFound as exc:
        if exc.username != target:
            raise
        raise RequestInvalid(exc.message, {"user": ["is not an active user"]}) from exc
    except InvalidInput as exc:  # the only one assign raises: the user lacks the task's role
        raise RequestInvalid(exc.message, {"user": [exc.message]}) from exc


@blueprint.post(f"{TASK}/complete")
@idempotent
def complete(task_id: int) -> Response:
    """Complete a task with ``{"data": {...}}`` and run the process to its next wait state.

    :raise 400: every field that fails the form. :raise 409: already completed or someone else's.
    """
    data = body_object({"data": dict}, required=["data"])["data"]
    return answer(context.engine().work.complete(context.me(), task_id, data, request_key=request_key()))


@blueprint.post("/tasks/bulk-approve")
def bulk_approve() -> Response:
    """Approve ``{"task_ids": [...], "comment": TEXT}``, tasks of one step that allows it (批量审批), each in its
    own transaction: 200 with those approved and those refused (stale, not mine, another step...)."""
    body = body_object({"task_ids": list, "comment": str}, required=["task_ids"])
    ids = body["task_ids"]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise RequestInvalid("invalid body", {"task_ids": ["must be an array of task ids"]})
    try:
        return answer(context.engine().work.bulk_approve(context.me(), ids, str(body.get("comment", ""))))
    except InvalidInput as exc:
        raise RequestInvalid(exc.message, {"task_ids": [exc.message]}) from exc


@blueprint.get(f"{TASK}/comments")
def list_comments(task_id: int) -> Response:
    """List the comments on a task, oldest first."""
    return answer({"items": context.engine().work.comments(context.me(), task_id)})


@blueprint.post(f"{TASK}/comments")
@idempotent
def add_comment(task_id: int) -> tuple[Response, int]:
    """Comment on a task with ``{"body": TEXT}`` (the advisory right); answer 201 with the comment."""
    text = str(body_object({"body": str}, required=["body"])["body"])
    try:
        comment = context.engine().work.add_comment(context.me(), task_id, text, request_key=request_key())
    except InvalidInput as exc:  # empty or too long: both about the body
        raise RequestInvalid(exc.message, {"body": [exc.message]}) from exc
    return answer(comment), 201
