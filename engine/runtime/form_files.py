"""A form's file fields (``"format": "attachment"``): their value is the SHA-256 of a file attached to that
field of the same request (``engine.runtime.attachments``), checked when the form is submitted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import FormInvalid
from ..models import Attachment

ATTACHMENT_FORMAT = "attachment"


def attachment_fields(schema: dict[str, Any] | None) -> list[str]:
    """The top-level fields of a form that take a file."""
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    return [name for name, prop in props.items() if isinstance(prop, dict) and prop.get("format") == ATTACHMENT_FORMAT]


def check_form_files(session: Session, instance_id: int, schema: dict[str, Any], data: dict[str, Any]) -> None:
    """Each filled-in file field names a file attached to that field of this request.

    :raise FormInvalid: naming each field whose value is no such file. No statement when none is filled in.
    """
    filled = {name: data[name] for name in attachment_fields(schema) if data.get(name)}
    if not filled:
        return
    known = set(session.execute(select(Attachment.field, Attachment.sha256).where(
        Attachment.instance_id == instance_id, Attachment.field.in_(sorted(filled)))).tuples())
    wrong = {name: ["is not a file attached to this field"] for name, value in filled.items()
             if (name, value) not in known}
    if wrong:
        raise FormInvalid(wrong)
