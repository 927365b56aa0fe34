"""Files in and out, for the pages and the API alike: uploads read from a multipart request (allowed to be as
big as an attachment may be, on the routes that take files), downloads with a safe Content-Disposition."""

from __future__ import annotations

import io
from collections.abc import Mapping

from flask import Flask, Response, request, send_file
from werkzeug.exceptions import RequestEntityTooLarge

from engine.runtime.attachments import AttachmentFile
from engine.runtime.file_types import Upload
from engine.runtime.views import Attachment, StepForm

from .context import engine
from .i18n import _, pick, schema_text

# The routes that take files (their own limit); every other request keeps the app's MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = frozenset({"api.add_attachments", "tasks.complete", "tasks.comment"})
FORM_OVERHEAD = 1024 * 1024  # the form's other fields and the multipart framing


def allow_files() -> None:
    """Before the form is read (by CSRF, first): a route that takes files may receive one of the largest size."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        limit = engine().work.attachment_limits().max_bytes + FORM_OVERHEAD
        if request.content_length is not None and request.content_length > limit:
            raise too_large()  # said in words, before anything reads the body
        request.max_content_length = limit


def uploads(name: str) -> list[Upload]:
    """The files sent under ``name`` (a file input left empty sends none).

    :raise RequestEntityTooLarge: with the limit in words.
    """
    try:
        files = request.files.getlist(name)
    except RequestEntityTooLarge as exc:
        raise too_large() from exc
    return [Upload(f.filename or "", f.read()) for f in files if f.filename or f.content_length]


def too_large() -> RequestEntityTooLarge:
    limit = engine().work.attachment_limits().max_bytes / (1024 * 1024)
    return RequestEntityTooLarge(f"files are limited to {limit:.1f} MB")


def download(found: AttachmentFile) -> Response:
    """The file as a download, never shown in the page: attachment disposition (the name kept, RFC 5987 for
    Chinese names), its checked type, no sniffing (the app's headers), private to the reader."""
    response = send_file(io.BytesIO(found.content), mimetype=found.content_type, as_attachment=True,
                         download_name=found.name, etag=found.sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def where_attached(attachment: Attachment, forms: Mapping[str, StepForm]) -> str:
    """Where a file was attached, for the list: the form field's title (on its step's form), or with a comment."""
    form = forms.get(attachment["step"])
    if attachment["field"]:
        prop = form.schema.get("properties", {}).get(attachment["field"], {}) if form is not None else {}
        field = schema_text(prop) if isinstance(prop, dict) else ""
        step = pick(form.title, form.title_zh) if form is not None else attachment["step"]
        return _("%(field)s, on %(step)s", field=field or attachment["field"], step=step)
    return _("with a comment") if attachment["comment_id"] else ""


def size_text(size: int) -> str:
    """A file's size as people read it: 980 B, 12 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def init_app(app: Flask) -> None:
    app.before_request(allow_files)
    app.jinja_env.filters["filesize"] = size_text
    app.jinja_env.globals["where_attached"] = where_attached
