"""Signing in: argon2 password hashes, failed-login throttling and API tokens.

Throttling state lives on the user row, so it holds across web nodes: after
``MAX_FAILED_LOGINS`` failures in a row the account is locked for ``LOCK_SECONDS``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..errors import InvalidInput, NotAllowed, UserNotFound
from ..models import ApiToken, User
from ..text_input import text_problem
from .people import Actor, actor_where, load_actor

MAX_FAILED_LOGINS = 5
LOCK_SECONDS = 300
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "opf_"  # noqa: S105 - a public prefix that marks opsflow tokens, not a secret

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LoginFailed(NotAllowed):
    """Wrong username or password, or the account is locked for a while."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def set_password(session: Session, username: str, password: str) -> None:
    """:raise InvalidInput: a password shorter than ``MIN_PASSWORD_LENGTH``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if text_problem(password):
        raise InvalidInput(f"the password {text_problem(password)}")
    result = session.execute(
        update(User).where(User.username == username)
        .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise UserNotFound(username)


def authenticate(session: Session, username: str, password: str, now: datetime) -> Actor:
    """Check a password; count failures and lock the account after too many.

    :raise LoginFailed: with the same message whether the user or the password was wrong.
    """
    user = None if text_problem(username) else session.scalar(
        select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not user.password_hash:
        _verify(_DUMMY_HASH, password)
        raise LoginFailed("wrong username or password")
    if user.locked_until is not None and aware_utc(user.locked_until) > now:
        raise LoginFailed("too many failed sign-ins; try again in a few minutes")
    if not _verify(user.password_hash, password):
        failures = user.failed_logins + 1
        locked = now + timedelta(seconds=LOCK_SECONDS) if failures >= MAX_FAILED_LOGINS else None
        user.failed_logins = 0 if locked else failures
        user.locked_until = locked
        raise LoginFailed("wrong username or password")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return load_actor(session, username)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, username: str, now: datetime, label: str = "") -> str:
    """Create an API token and return it; it is shown once and stored only as a digest."""
    actor = load_actor(session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=actor.id, token_hash=_digest(token), label=label, created_at=now, revoked=False))
    return token


def actor_for_token(session: Session, token: str) -> Actor:
    """:raise LoginFailed: unknown or revoked token."""
    actor = actor_where(session, ApiToken.token_hash == _digest(token), ApiToken.revoked.is_(False),
                        join=(ApiToken, ApiToken.user_id == User.id))
    if actor is None:
        raise LoginFailed("invalid or revoked API token")
    return actor
