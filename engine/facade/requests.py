"""Requests sent with a key (the API's ``Idempotency-Key``, a web form's key per render): the answer given to
the first, for its retries. The write itself holds the key (the ``request_key`` of the ``engine.work`` use
cases that take one); see ``engine.runtime.request_keys``."""

from __future__ import annotations

from ..errors import Conflict
from ..runtime import request_keys
from ..runtime.request_keys import KeptAnswer, RequestKey
from .core import Area


class Requests(Area):
    def recall(self, request: RequestKey) -> KeptAnswer | None:
        """The answer given to the first request with this key (None: a new key, to be written with).

        :raise RequestKeyReused: the key came with another request. :raise Conflict: the first is under way.
        """
        with self.core.reading() as session:
            return request_keys.recall(session, request, self.collaborators.clock())

    def keep_answer(self, request: RequestKey, answer: KeptAnswer) -> None:
        """Keep the answer to the write that held ``request``'s key, for its retries."""
        with self.core.transaction() as session:
            request_keys.keep_answer(session, request, answer)

    def remember(self, request: RequestKey, answer: KeptAnswer) -> None:
        """Hold ``request``'s key with its answer, right after a write that did not hold it: for writes whose own
        state refuses a repeat (a claim, a cancel, a calendar day). If the process stops between the write and
        this, a retry meets that refusal, never a second write. Another sending holding the key already: kept."""
        try:
            with self.core.transaction() as session:
                request_keys.hold(session, request, self.collaborators.clock())
                session.flush()
                request_keys.keep_answer(session, request, answer)
        except Conflict:
            pass

    def forget_old(self) -> int:
        """Give up the keys whose 24 hours are over; how many (the worker does this hourly)."""
        with self.core.transaction() as session:
            return request_keys.forget_old(session, self.collaborators.clock())
