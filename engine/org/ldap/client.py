"""Talking to the directory through ``ldap3``: checking a person's password by binding as them, and reading entries.

Every username goes into a DN escaped as RFC 4514 says (``escape_rdn``) and into a filter escaped as RFC 4515 says
(``escape_filter_chars``), so that a username such as ``*)(uid=*`` names nobody. An empty password is refused before
any bind: LDAP takes a simple bind without a password as an anonymous one, which would "succeed".

:raise DirectoryUnavailable: (every function) the directory does not answer, refuses the TLS handshake, or refuses
    opsflow's own bind (``OPSFLOW_LDAP_BIND_DN``).
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from ...errors import DirectoryUnavailable
from .settings import LdapSettings

# LDAP result codes (RFC 4511)
SUCCESS = 0
SIZE_LIMIT_EXCEEDED = 4
NO_SUCH_OBJECT = 32
INVALID_CREDENTIALS = 49
BUSY = 51
UNAVAILABLE = 52
OTHER = 80
NOT_ANSWERING = (BUSY, UNAVAILABLE, OTHER)
PAGE_SIZE = 500


class Verdict(enum.Enum):
    """What the directory says of a username and password."""

    RIGHT = "right"  # the directory knows them, and the password is theirs
    WRONG = "wrong"  # the directory knows them, and the password is not theirs (or their account is locked there)
    UNKNOWN = "unknown"  # the directory does not know the username


@dataclass(frozen=True)
class Entry:
    dn: str
    attributes: dict[str, list[str]]  # attribute names in lower case

    def first(self, *names: str) -> str:
        """The first value of the first of ``names`` the entry has ("" for none)."""
        for name in names:
            values = [v for v in self.attributes.get(name.lower(), []) if v.strip()]
            if values:
                return values[0].strip()
        return ""


def normal_dn(dn: str) -> str:
    """A DN as compared: attribute types and values in lower case, no spaces around the separators."""
    try:
        parts = parse_dn(dn)
    except LDAPException:
        return dn.strip().lower()
    return ",".join(f"{kind.strip().lower()}={value.strip().lower()}" for kind, value, _ in parts)


def parent_dn(dn: str) -> str:
    """The DN of the entry ``dn`` sits under ("" for a top entry)."""
    parts = parse_dn(dn, escape=True)
    return ",".join(f"{kind}={value}" for kind, value, _ in parts[1:])


def first_rdn(dn: str) -> tuple[str, str]:
    """The type and value of a DN's first part (``ou=supply,dc=...`` → ``("ou", "supply")``)."""
    kind, value, _ = parse_dn(dn)[0]
    return kind.lower(), value


def _unavailable(settings: LdapSettings, what: str) -> DirectoryUnavailable:
    return DirectoryUnavailable(f"the organisation's directory ({settings.url}) {what}")


@contextmanager
def connection(settings: LdapSettings, user: str | None = None, password: str | None = None) -> Iterator[Connection]:
    """An open connection (STARTTLS done when set), not yet bound; closed at the end."""
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file)
    server = Server(settings.url, connect_timeout=settings.timeout, tls=tls, get_info=NONE)
    conn = Connection(server, user=user, password=password, receive_timeout=max(1, round(settings.timeout)),
                      read_only=True, raise_exceptions=False)
    try:
        try:
            conn.open()
        except LDAPException as exc:
            _close_socket(conn)
            raise _unavailable(settings, f"does not answer: {exc}") from exc
        if settings.starttls:
            _start_tls(conn, settings)
        yield conn
    finally:
        with suppress(LDAPException):
            conn.unbind()


def _start_tls(conn: Connection, settings: LdapSettings) -> None:
    """:raise DirectoryUnavailable: the directory refuses STARTTLS, or its certificate is not trusted."""
    try:
        started = conn.start_tls()
    except LDAPException as exc:
        raise _unavailable(settings, f"cannot be reached over TLS (STARTTLS): {exc}") from exc
    if not started:
        raise _unavailable(settings, f"refused STARTTLS: {conn.result.get('description')}")


def _close_socket(conn: Connection) -> None:
    """Close the socket a failed open leaves behind (ldap3 keeps it, unclosed, when the connect fails)."""
    sock = getattr(conn, "socket", None)
    if sock is not None:
        with suppress(OSError):
            sock.close()


def _bind(conn: Connection, settings: LdapSettings) -> int:
    """Bind; the result code. :raise DirectoryUnavailable: the connection broke or the directory is busy."""
    try:
        conn.bind()
    except LDAPException as exc:
        raise _unavailable(settings, f"does not answer: {exc}") from exc
    code = int(conn.result.get("result", OTHER))
    if code in NOT_ANSWERING:
        raise _unavailable(settings, f"cannot answer now: {conn.result.get('description')}")
    return code


@contextmanager
def service_connection(settings: LdapSettings) -> Iterator[Connection]:
    """A connection bound as ``OPSFLOW_LDAP_BIND_DN`` (anonymously when it is not set), to find and read entries."""
    with connection(settings, settings.bind_dn, settings.bind_password) as conn:
        code = _bind(conn, settings)
        if code != SUCCESS:
            raise _unavailable(settings, f"refuses opsflow's own bind (OPSFLOW_LDAP_BIND_DN): "
                                         f"{conn.result.get('description')}")
        yield conn


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in items if v is not None]


def _entries(conn: Connection) -> list[Entry]:
    return [Entry(str(r["dn"]), {str(k).lower(): _values(v) for k, v in dict(r.get("attributes") or {}).items()})
            for r in conn.response or [] if r.get("type") == "searchResEntry"]


def _search(conn: Connection, settings: LdapSettings, base: str, search_filter: str, scope: str,
            attributes: list[str], size_limit: int = 0) -> tuple[int, list[Entry]]:
    try:
        conn.search(base, search_filter, scope, attributes=attributes, size_limit=size_limit)
    except LDAPException as exc:
        raise _unavailable(settings, f"does not answer: {exc}") from exc
    code = int(conn.result.get("result", OTHER))
    if code in NOT_ANSWERING:
        raise _unavailable(settings, f"cannot answer now: {conn.result.get('description')}")
    return code, _entries(conn)


def person_dn(conn: Connection, settings: LdapSettings, username: str) -> str | None:
    """The DN of ``username``'s entry, or None when the directory has none (or more than one: ambiguous).

    With a DN template the entry is read to see that it exists; a directory that will not let opsflow read it
    counts as not knowing it.
    """
    if settings.user_dn_template:
        dn = settings.user_dn_template.replace("{username}", escape_rdn(username))
        code, found = _search(conn, settings, dn, "(objectClass=*)", BASE, ["1.1"])
        return dn if code == SUCCESS and found else None
    assert settings.user_base is not None  # LdapSettings.check asks for a template or a base
    search_filter = f"(&{settings.user_filter}({settings.username_attribute}={escape_filter_chars(username)}))"
    code, found = _search(conn, settings, settings.user_base, search_filter, SUBTREE, ["1.1"], size_limit=2)
    if code not in (SUCCESS, SIZE_LIMIT_EXCEEDED, NO_SUCH_OBJECT) or len(found) != 1:
        return None
    return found[0].dn


def check_password(settings: LdapSettings, username: str, password: str) -> Verdict:
    """Whether ``password`` is ``username``'s in the directory: found (``person_dn``), then bound as."""
    with service_connection(settings) as conn:
        dn = person_dn(conn, settings, username)
    if dn is None:
        return Verdict.UNKNOWN
    if not password:
        return Verdict.WRONG  # never an unauthenticated bind (RFC 4513 5.1.2)
    with connection(settings, dn, password) as conn:
        return Verdict.RIGHT if _bind(conn, settings) == SUCCESS else Verdict.WRONG


def search(conn: Connection, settings: LdapSettings, base: str, search_filter: str,
           attributes: list[str]) -> list[Entry]:
    """Every entry under ``base`` (itself included) that ``search_filter`` matches, a page at a time.

    :raise DirectoryUnavailable: also when the base does not exist (a setting is wrong).
    """
    entries: list[Entry] = []
    cookie: Any = None
    while True:
        try:
            conn.search(base, search_filter, SUBTREE, attributes=attributes, paged_size=PAGE_SIZE,
                        paged_cookie=cookie)
        except LDAPException as exc:
            raise _unavailable(settings, f"does not answer: {exc}") from exc
        code = int(conn.result.get("result", OTHER))
        if code != SUCCESS:
            raise _unavailable(settings, f"refused the search under {base!r}: {conn.result.get('description')}")
        entries += _entries(conn)
        controls = conn.result.get("controls") or {}
        cookie = controls.get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie")
        if not cookie:
            return entries


def read(conn: Connection, settings: LdapSettings, dn: str, attributes: list[str]) -> Entry | None:
    """One entry, or None when it does not exist."""
    code, found = _search(conn, settings, dn, "(objectClass=*)", BASE, attributes)
    return found[0] if code == SUCCESS and found else None
