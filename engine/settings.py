"""Values every node must agree on, kept in the database (``shared_setting``).

The first node that needs a secret creates it; every other node reads the same one, so several
web nodes behind a proxy accept each other's session cookies without any configuration.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import SharedSetting


def shared_secret(session: Session, key: str, now: datetime) -> str:
    """The secret stored under ``key``, created (random, 256 bits) by whichever node asks first."""
    found = session.scalar(select(SharedSetting.value).where(SharedSetting.key == key))
    if found is not None:
        return found
    try:
        with session.begin_nested():  # another node may create it at the same moment: then read theirs
            session.add(SharedSetting(key=key, value=secrets.token_hex(32), created_at=now))
    except IntegrityError:
        pass
    return session.scalars(select(SharedSetting.value).where(SharedSetting.key == key)).one()
