"""Set-password links (设置密码链接): an administrator has one e-mailed to a joiner (or to someone who forgot their
password); whoever opens it before it expires sets a password once.

The token never rests in the database: the worker makes it when it sends the e-mail and keeps only its
SHA-256, so a copy of the database opens no account. A link lasts ``LINK_LIFETIME``; it ends when used, and a
newer link for the same person ends the older ones. Asking, sending and using are on the organisation's record
(``engine.org.record``: ``org_password_link_sent``, ``org_password_set``, and ``org_password_reset`` for a
password an administrator reset by hand), never the password or the token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..errors import InvalidInput
from ..models import PasswordLink, User
from . import sign_in, staffing
from .record import PASSWORD_LINK_SENT, PASSWORD_SET, USER, OrgChange

LINK_LIFETIME = timedelta(hours=72)
JOB_KIND = "password_link"
REQUESTED, SENT, USED, SUPERSEDED = "requested", "sent", "used", "superseded"


class LinkNotValid(InvalidInput):
    """A link that is unknown, used, replaced by a newer one or expired (the same answer for each)."""

    def __init__(self) -> None:
        super().__init__("this set-password link is not valid any more: it was used, replaced by a newer one or "
                         "has expired; ask an administrator for a new one")


@dataclass(frozen=True, slots=True)
class LinkRequested:
    username: str
    email: str


@dataclass(frozen=True, slots=True)
class LinkOwner:
    username: str
    display_name: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_link(session: Session, username: str, requested_by: str, link_base: str, now: datetime,
                 ) -> tuple[LinkRequested, int, list[OrgChange]]:
    """A new link for ``username`` (older unused links end), to be sent by the worker (a ``JOB_KIND`` job with
    the returned id, which the caller schedules). ``link_base`` is the address the link starts with
    (``https://opsflow.example/``).

    :raise UserNotFound: :raise InvalidInput: someone who has left, has no e-mail address, or no address to
        link to.
    """
    user = staffing.load_user(session, username)
    if not user.active:
        raise InvalidInput(f"{username} has left: reactivate them before sending a set-password link")
    if not user.email:
        raise InvalidInput(f"{username} has no e-mail address: add one first, or reset the password and tell "
                           "them")
    if not link_base.startswith(("http://", "https://")):
        raise InvalidInput("no address for the link: set OPSFLOW_BASE_URL (e.g. https://opsflow.example/)")
    session.execute(update(PasswordLink).where(PasswordLink.user_id == user.id,
                                               PasswordLink.state.in_((REQUESTED, SENT)))
                    .values(state=SUPERSEDED).execution_options(synchronize_session=False))
    link = PasswordLink(user_id=user.id, state=REQUESTED, requested_by=requested_by, requested_at=now)
    session.add(link)
    session.flush()
    change = OrgChange(PASSWORD_LINK_SENT, USER, username, "password", None, None, {"to": user.email})
    return LinkRequested(username, user.email), link.id, [change]


def make_token(session: Session, link_id: int, now: datetime) -> tuple[str, User, datetime] | None:
    """When the worker sends link ``link_id``: its new token (returned once, its hash kept), its person and
    when it expires; None when the link was replaced meanwhile or its person has left."""
    link = session.get(PasswordLink, link_id)
    if link is None or link.state != REQUESTED:
        return None
    user = session.get(User, link.user_id)
    if user is None or not user.active or not user.email:
        return None
    token = secrets.token_urlsafe(32)
    link.token_hash, link.state, link.expires_at = _hash(token), SENT, now + LINK_LIFETIME
    return token, user, link.expires_at


def _open_link(session: Session, token: str, now: datetime) -> tuple[PasswordLink, User]:
    if not token or len(token) > 200:
        raise LinkNotValid()
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == _hash(token)))
    if link is None or link.state != SENT or link.expires_at is None or aware_utc(link.expires_at) <= now:
        raise LinkNotValid()
    user = session.get(User, link.user_id)
    if user is None or not user.active:
        raise LinkNotValid()
    return link, user


def link_owner(session: Session, token: str, now: datetime) -> LinkOwner:
    """Whose password a link sets, while it is valid. :raise LinkNotValid:"""
    link, user = _open_link(session, token, now)
    assert link.expires_at is not None
    return LinkOwner(user.username, user.display_name or user.username, aware_utc(link.expires_at))


def use_link(session: Session, token: str, password: str, now: datetime) -> tuple[str, list[OrgChange]]:
    """Set the password of the link's person (once). :raise LinkNotValid: :raise InvalidInput: a weak password."""
    link, user = _open_link(session, token, now)
    sign_in.set_password(session, user.username, password)
    claimed = session.execute(update(PasswordLink).where(PasswordLink.id == link.id, PasswordLink.state == SENT)
                              .values(state=USED, used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # someone used it a moment before
        raise LinkNotValid()
    return user.username, [OrgChange(PASSWORD_SET, USER, user.username, "password", None, None, {"by_link": True})]
