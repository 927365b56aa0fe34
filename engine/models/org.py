"""Organisation and signing in: units (departments), roles, users, API tokens, sign-in attempts and throttles."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Role(Base):
    __tablename__ = "role"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    # "org": held by users; "relationship": resolved per instance from its data (employee, appraiser...)
    kind: Mapped[str] = mapped_column(String(16), default="org", server_default="org")


class OrgUnit(Base):
    """A unit of the organisation (a department, a section), in a tree: ``parent_key`` None is a top unit.

    Its head is a person (``head_id``); every person belongs to one unit (``User.unit_key``). Changes go
    through ``engine.org.units`` and are on the organisation's record (``engine.org.record``).
    """

    __tablename__ = "org_unit"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_key: Mapped[str | None] = mapped_column(ForeignKey("org_unit.key"), default=None, index=True)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    reports_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # "zh" or "en" once they chose one in the web (their e-mails are written in it); None: both
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    # The unit they belong to (None: an account of the system's own, e.g. admin). The two tables point at each
    # other (a unit's head, a person's unit): this key is added after both exist.
    unit_key: Mapped[str | None] = mapped_column(
        ForeignKey("org_unit.key", use_alter=True, name="fk_user_account_unit_key"), default=None, index=True)
    # The DN of their entry in the organisation's directory, set by the directory import (``engine.org.ldap.sync``):
    # they sign in only through the directory while it is on, and leave when the directory no longer has them.
    directory_dn: Mapped[str | None] = mapped_column(String(1000), default=None)


class OutOfOffice(Base):
    """Someone away (代理, out of office) from ``starts_on`` to ``ends_on`` (both included, China's dates):
    the tasks that would be theirs go to ``proxy_id`` meanwhile. One absence per person at a time."""

    __tablename__ = "out_of_office"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    proxy_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("role.key"), primary_key=True)


class ApiToken(Base):
    """A bearer token for the REST API; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")  # its name, given by its owner
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Written at most once an hour (engine.org.sign_in.TOKEN_USE_PRECISION): a request never pays a write for it.
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class SignInAttempt(Base):
    """One sign-in attempt and how it ended (``ok``, ``wrong`` or ``throttled``): what admins read to see
    which accounts are being guessed at, and from where."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (Index("ix_sign_in_attempt_at", "at"), Index("ix_sign_in_attempt_username", "username", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # as typed (printable, at most 64 characters)
    client: Mapped[str] = mapped_column(String(64))  # the client's address
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16))


class SignInThrottle(Base):
    """Failed sign-ins in a row for one account from one client, and until when that client must wait.

    Kept per account *and* client, so that whoever guesses a colleague's password slows down only
    themselves: the real user, on another client, signs in as usual.
    """

    __tablename__ = "sign_in_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class DirectoryRevision(Base):
    """One row: moved by database triggers whenever users, their roles, roles or process definitions
    change (migration 0013), so that what pages read on every request can be kept until it moves."""

    __tablename__ = "directory_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


class PasswordLink(Base):
    """A set-password link sent by e-mail (``engine.org.password_links``): only its token's SHA-256 is kept, made
    when the worker sends it; ``state`` is requested, sent, used or superseded."""

    __tablename__ = "password_link"
    __table_args__ = (Index("ix_password_link_user_state", "user_id", "state"),
                      Index("ix_password_link_token_hash", "token_hash", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    token_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
