"""The actors of API tokens, kept per process while the directory revision stays where it was.

A request with a bearer token then costs one small read (the revision, ``engine.org.directory``) instead of a
join of the token, the user and their roles. Triggers move the revision on any change to people, roles and
units, and on a token revoked or deleted (migration 0037), whoever makes it: a leaver's token, or one revoked
on another node, is refused at the next request. Only digests are kept, never tokens.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from ..clock import aware_utc
from .directory import read_revision
from .sign_in import TOKEN_USE_PRECISION, TokenUse, actor_for_token, token_digest

MAX_KEPT = 10_000  # tokens kept per process; beyond, the cache starts afresh


class TokenCache:
    def __init__(self) -> None:
        self._revision: int | None = None
        self._kept: dict[str, TokenUse] = {}
        self._lock = threading.Lock()

    def actor_for_token(self, session: Session, token: str, now: datetime) -> TokenUse:
        """The actor of a valid token; its ``record_use`` says whether its last use is an hour old.

        :raise LoginFailed: unknown or revoked token, or its user is no longer active.
        """
        revision = read_revision(session)
        digest = token_digest(token)
        with self._lock:
            if revision != self._revision:
                self._kept.clear()
                self._revision = revision
            kept = self._kept.get(digest)
        if kept is None or revision is None:
            use = actor_for_token(session, token, now)  # raises for an unknown token: nothing kept
            with self._lock:
                if revision is not None and self._revision == revision:
                    if len(self._kept) >= MAX_KEPT:
                        self._kept.clear()
                    self._kept[digest] = replace(use, last_used=now if use.record_use else use.last_used)
            return use
        stale = kept.last_used is None or aware_utc(kept.last_used) <= now - TOKEN_USE_PRECISION
        if stale:
            with self._lock:
                self._kept[digest] = replace(kept, last_used=now)
        return replace(kept, record_use=stale)
