"""Attachments (附件): attach files to a step (a form field, a comment, or the step), list and download them."""

from __future__ import annotations

from flask import Response, request

from engine.errors import InvalidInput

from .. import files
from . import blueprint, context
from .answers import answer
from .errors import RequestInvalid
from .tasks import TASK

REF = "/<ref>"  # an attachment's id or its SHA-256 (hex)


@blueprint.post(f"{TASK}/attachments")
def add_attachments(task_id: int) -> tuple[Response, int]:
    """Attach the files sent as ``file`` (multipart/form-data, one or more) to the form's ``field`` (the task's
    holder), with a ``comment`` (whoever may comment), or else to the step; answer 201 with what was stored.
    :raise 400: a file refused (nothing stored). :raise 403 404 409 413:"""
    if not request.mimetype.startswith("multipart/form-data"):
        raise RequestInvalid("send the files as multipart/form-data, each under 'file'")
    sent = files.uploads("file")
    field = request.form.get("field") or None
    comment = request.form.get("comment")
    if not sent:
        raise RequestInvalid("no file sent: send one or more under 'file'", {"file": ["is required"]})
    try:
        added = context.engine().work.attach(context.me(), task_id, sent, field, comment)
    except InvalidInput as exc:
        key = "field" if "field" in exc.message and field else "comment" if "comment" in exc.message else "file"
        raise RequestInvalid(exc.message, {key: [exc.message]}) from exc
    return answer({"items": added}), 201


@blueprint.get(f"{TASK}/attachments")
def list_attachments(task_id: int) -> Response:
    """The files of the request the task belongs to, oldest first (whoever may see it). :raise 403 404:"""
    return answer({"items": context.engine().work.task_attachments(context.me(), task_id)})


@blueprint.get(f"{TASK}/attachments{REF}")
def download_attachment(task_id: int, ref: str) -> Response:
    """Download a file of the request the task belongs to, by id or SHA-256 (whoever may see the request), as an
    attachment. :raise 403 404:"""
    return files.download(context.engine().work.task_attachment(context.me(), task_id, ref))
