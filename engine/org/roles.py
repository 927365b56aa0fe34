"""Roles of the organisation: adding one (a key with an English and a Chinese title), on the organisation's record.

A role added here is an organisation role (granted to people); relationship roles (resolved per instance from its
data) come only with opsflow's own ``data/roles.json``. Like the other changes of the organisation, the function
checks its input whole, runs in the caller's transaction and returns the change for the use case to record.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import Role
from ..text_input import text_problem
from .record import ROLE, ROLE_ADDED, OrgChange

ROLE_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_TITLE = 200


def _title(value: str, which: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"a role needs its {which} title")
    if len(text) > MAX_TITLE:
        raise InvalidInput(f"a role's {which} title is limited to {MAX_TITLE} characters")
    if text_problem(text):
        raise InvalidInput(f"the {which} title {text_problem(text)}")
    return text


def add_role(session: Session, key: str, title: str, title_zh: str) -> list[OrgChange]:
    """A new organisation role ``key`` titled ``title`` (English) and ``title_zh`` (Chinese).

    :raise InvalidInput: a bad or taken key, a missing or too long title.
    """
    if not ROLE_KEY_PATTERN.match(key or ""):
        raise InvalidInput(f"invalid role key {key!r}: use 2-64 lower-case letters, digits or '_', starting with a "
                           "letter")
    if session.get(Role, key) is not None:
        raise InvalidInput(f"role {key!r} already exists")
    english, chinese = _title(title, "English"), _title(title_zh, "Chinese")
    session.add(Role(key=key, title=english, title_zh=chinese, kind="org"))
    session.flush()
    return [OrgChange(ROLE_ADDED, ROLE, key, None, None, {"title": english, "title_zh": chinese})]
