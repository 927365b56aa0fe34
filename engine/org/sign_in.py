"""Signing in: argon2 password hashes, throttled guessing, and API tokens (made, listed, revoked).

Wrong passwords slow down the client that sends them, per account (``engine.org.throttle``);
nothing locks an account for everyone. A token is shown once when it is made and stored only as
its SHA-256 digest; its last use is written at most once per ``TOKEN_USE_PRECISION``, so that an
API request reads the token in a read-only transaction and writes nothing for it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..clock import aware_utc, utc_iso
from ..errors import DirectoryUnavailable, InvalidInput, NotAllowed, NotFound, UserNotFound
from ..models import ApiToken, User, UserRole
from ..text_input import text_problem
from . import throttle
from .ldap.client import Verdict
from .people import Actor, load_actor
from .views import TokenEntry, TokenRevoked

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "opf_"  # noqa: S105 - a public prefix that marks opsflow tokens, not a secret
TOKEN_USE_PRECISION = timedelta(hours=1)
MAX_TOKEN_NAME = 200
MAX_TOKENS_LISTED = 200

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LoginFailed(NotAllowed):
    """Wrong username or password, or this client must wait (``retry_after`` seconds) before trying again."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# The letters of a new password: none that reads as another (l/1, O/0).
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - letters, not a secret
RANDOM_PASSWORD_LENGTH = 14


def random_password() -> str:
    """A new password for someone to be told once (about 80 bits)."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(RANDOM_PASSWORD_LENGTH))


def set_password(session: Session, username: str, password: str) -> None:
    """Set a password; every client's wait for the account ends.

    :raise InvalidInput: a password shorter than ``MIN_PASSWORD_LENGTH``.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if text_problem(password):
        raise InvalidInput(f"the password {text_problem(password)}")
    result = session.execute(
        update(User).where(User.username == username).values(password_hash=hash_password(password))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise UserNotFound(username)
    throttle.forget_account(session, username)


def _waiting(wait: throttle.Throttled) -> LoginFailed:
    return LoginFailed(f"too many failed sign-ins from this client; try again in {wait.retry_after} seconds",
                       wait.retry_after)


# Checks a username and password against the organisation's directory (``engine.org.ldap.client.check_password``
# with the settings): None when the directory is off.
DirectoryCheck = Callable[[str, str], Verdict]


def authenticate(session: Session, username: str, password: str, now: datetime, client: str = "",
                 directory: DirectoryCheck | None = None) -> Actor:
    """Check a password sent from ``client`` (its address); log the attempt, and slow that client down
    after repeated failures for this account.

    With the organisation's directory on (``directory``), an active user's password is checked there first:
    someone the directory knows signs in with the directory's password only; someone imported from it
    (``User.directory_dn``) only through it, even when it no longer knows them; an account the directory does not
    know (e.g. ``admin``) with its local password, also while the directory does not answer.

    :raise LoginFailed: the same message whether the user or the password was wrong; a client that must
        wait is told for how long (and its password is not even checked).
    :raise DirectoryUnavailable: the directory does not answer for someone only it may let in (nothing is logged).
    """
    wait = throttle.check(session, username, client, now)
    if wait is not None:
        raise _waiting(wait)
    user = None if text_problem(username) else session.scalar(
        select(User).where(User.username == username, User.active.is_(True)))
    holds = _directory_says(user, username, password, directory)
    if holds is None:
        holds = user is not None and bool(user.password_hash) and _verify(str(user.password_hash), password)
        if user is None or not user.password_hash:
            _verify(_DUMMY_HASH, password)
        elif holds and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    if user is None or not holds:
        wait = throttle.failed(session, username, client, now)
        raise _waiting(wait) if wait is not None else LoginFailed("wrong username or password")
    throttle.succeeded(session, username, client, now)
    return load_actor(session, username)


def _directory_says(user: User | None, username: str, password: str, directory: DirectoryCheck | None) -> bool | None:
    """Whether the directory lets ``user`` in; None when their local password decides (the directory is off, does
    not know them, or does not answer about an account that is not the directory's)."""
    if directory is None or user is None:
        return None
    try:
        verdict = directory(username, password)
    except DirectoryUnavailable:
        if user.directory_dn is not None or not user.password_hash:
            raise
        return None
    if verdict is Verdict.UNKNOWN:
        return False if user.directory_dn is not None else None
    return verdict is Verdict.RIGHT


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """What is stored of a token (and kept of it in memory): its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()




def create_token(session: Session, actor: Actor, now: datetime, label: str = "") -> str:
    """Create an API token named ``label`` and return it; it is shown once and stored only as a digest.

    :raise InvalidInput: a name that is too long or holds characters no text accepts.
    """
    name = label.strip()
    if len(name) > MAX_TOKEN_NAME:
        raise InvalidInput(f"a token name is limited to {MAX_TOKEN_NAME} characters")
    if text_problem(name):
        raise InvalidInput(f"the token name {text_problem(name)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=actor.id, token_hash=token_digest(token), label=name, created_at=now, revoked=False))
    return token


def list_tokens(session: Session, actor: Actor) -> list[TokenEntry]:
    """A user's tokens (never the token itself), newest first, revoked ones included."""
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == actor.id)
                           .order_by(ApiToken.id.desc()).limit(MAX_TOKENS_LISTED)).all()
    return [TokenEntry(t.id, t.label, utc_iso(t.created_at), t.revoked,
                       utc_iso(t.last_used_at) if t.last_used_at else None) for t in rows]


def revoke_token(session: Session, actor: Actor, token_id: int) -> TokenRevoked:
    """Revoke one of the user's own tokens (someone else's is not found). Revoking twice changes nothing."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == actor.id))
    if token is None:
        raise NotFound(f"no API token with id {token_id}")
    changed = not token.revoked
    token.revoked = True
    return TokenRevoked(token.id, token.label, changed)


@dataclass(frozen=True)
class TokenUse:
    """Who a token acts for, and whether its last use should be written now (at most once an hour)."""

    actor: Actor
    token_id: int
    record_use: bool
    last_used: datetime | None = None  # as read (kept by ``engine.org.token_cache``)


def actor_for_token(session: Session, token: str, now: datetime) -> TokenUse:
    """The actor of a valid token, in one query that only reads.

    :raise LoginFailed: unknown or revoked token.
    """
    rows = session.execute(
        select(User, UserRole.role_key, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id).outerjoin(UserRole, UserRole.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked.is_(False), User.active.is_(True))
    ).all()
    if not rows:
        raise LoginFailed("invalid or revoked API token")
    user, _role, token_id, last_used = rows[0]
    actor = Actor(user.id, user.username, user.display_name, frozenset(r for _, r, _, _ in rows if r),
                  user.reports_to_id, unit=user.unit_key)
    stale = last_used is None or aware_utc(last_used) <= now - TOKEN_USE_PRECISION
    return TokenUse(actor, token_id, stale, last_used)


def record_token_use(session: Session, token_id: int, now: datetime) -> None:
    """Write a token's last use, unless another request already did within the hour."""
    session.execute(
        update(ApiToken).where(ApiToken.id == token_id,
                               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOKEN_USE_PRECISION))
        .values(last_used_at=now).execution_options(synchronize_session=False)
    )
