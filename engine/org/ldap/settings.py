"""How opsflow reaches the organisation's directory: read from ``OPSFLOW_LDAP_*``; none when the URL is not set.

A person's entry is found either by a DN template (``OPSFLOW_LDAP_USER_DN_TEMPLATE``, e.g.
``uid={username},ou=people,dc=example,dc=cn``) or by a search under ``OPSFLOW_LDAP_USER_BASE`` with
``OPSFLOW_LDAP_USER_FILTER`` and the username attribute, bound as ``OPSFLOW_LDAP_BIND_DN`` (anonymously when it is
not set). The import needs the search settings; it reads units (``organizationalUnit``) under
``OPSFLOW_LDAP_UNIT_BASE``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ...errors import InvalidInput

ATTRIBUTE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
TRUE_WORDS = ("1", "yes", "true", "on")
FALSE_WORDS = ("", "0", "no", "false", "off")


@dataclass(frozen=True)
class LdapSettings:
    url: str
    user_dn_template: str | None = None
    bind_dn: str | None = None
    bind_password: str | None = None
    user_base: str | None = None
    user_filter: str = "(objectClass=inetOrgPerson)"  # who is a person (sign-in adds the username to it)
    username_attribute: str = "uid"  # Active Directory: sAMAccountName
    unit_base: str | None = None
    starttls: bool = False
    ca_file: str | None = None  # the certificate authorities to trust for ldaps:// and STARTTLS (default: the system's)
    timeout: float = 5.0  # seconds to connect, and to wait for each answer
    sync_minutes: int | None = None  # the worker imports the directory this often (None: only by hand)
    role_groups: tuple[tuple[str, str], ...] = ()  # (group DN, role key): the roles the directory manages
    default_role: str = "staff"  # the role of someone new to opsflow whose groups give none

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> LdapSettings | None:
        """The settings, or None when ``OPSFLOW_LDAP_URL`` is not set. :raise InvalidInput: settings that do not
        hold together (no way to find a person, a filter without parentheses, a number that is not one)."""
        env = dict(os.environ if env is None else env)
        url = env.get("OPSFLOW_LDAP_URL", "").strip()
        if not url:
            return None

        def text(name: str) -> str | None:
            return env.get(f"OPSFLOW_LDAP_{name}", "").strip() or None

        settings = cls(url=url, user_dn_template=text("USER_DN_TEMPLATE"), bind_dn=text("BIND_DN"),
                       bind_password=env.get("OPSFLOW_LDAP_BIND_PASSWORD") or None, user_base=text("USER_BASE"),
                       user_filter=text("USER_FILTER") or cls.user_filter,
                       username_attribute=text("USERNAME_ATTRIBUTE") or cls.username_attribute,
                       unit_base=text("UNIT_BASE"), starttls=_flag(env, "OPSFLOW_LDAP_STARTTLS"),
                       ca_file=text("CA_FILE"), timeout=_number(env, "OPSFLOW_LDAP_TIMEOUT", 5.0),
                       sync_minutes=_minutes(env), role_groups=role_groups(text("ROLE_GROUPS") or ""),
                       default_role=text("DEFAULT_ROLE") or cls.default_role)
        settings.check()
        return settings

    def check(self) -> None:
        """:raise InvalidInput: see ``from_env``."""
        if not self.url.lower().startswith(("ldap://", "ldaps://")):
            raise InvalidInput(f"OPSFLOW_LDAP_URL must start with ldap:// or ldaps://, not {self.url!r}")
        if not self.user_dn_template and not self.user_base:
            raise InvalidInput("set OPSFLOW_LDAP_USER_DN_TEMPLATE or OPSFLOW_LDAP_USER_BASE: opsflow cannot find a "
                               "person in the directory otherwise")
        if self.user_dn_template and "{username}" not in self.user_dn_template:
            raise InvalidInput("OPSFLOW_LDAP_USER_DN_TEMPLATE must hold {username}")
        if not (self.user_filter.startswith("(") and self.user_filter.endswith(")")):
            raise InvalidInput(f"OPSFLOW_LDAP_USER_FILTER must be a filter in parentheses, not {self.user_filter!r}")
        if not ATTRIBUTE_PATTERN.match(self.username_attribute):
            raise InvalidInput(f"OPSFLOW_LDAP_USERNAME_ATTRIBUTE is not an attribute name: {self.username_attribute!r}")


def _flag(env: dict[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in TRUE_WORDS + FALSE_WORDS:
        raise InvalidInput(f"{name} is yes or no, not {value!r}")
    return value in TRUE_WORDS


def _number(env: dict[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    try:
        number = float(value) if value else default
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a number of seconds, not {value!r}") from exc
    if number <= 0:
        raise InvalidInput(f"{name} must be more than 0")
    return number


def _minutes(env: dict[str, str]) -> int | None:
    value = env.get("OPSFLOW_LDAP_SYNC_MINUTES", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise InvalidInput(f"OPSFLOW_LDAP_SYNC_MINUTES must be a whole number of minutes (1 or more), not {value!r}")
    return int(value)


def role_groups(text: str) -> tuple[tuple[str, str], ...]:
    """``GROUP_DN=role;GROUP_DN=role`` as pairs; the role is after the last ``=`` (a DN holds ``=`` too).

    :raise InvalidInput: an item without a role or a group.
    """
    pairs = []
    for item in (i.strip() for i in text.split(";")):
        if not item:
            continue
        group, _, role = item.rpartition("=")
        if not group.strip() or not role.strip() or "=" not in group:
            raise InvalidInput(f"OPSFLOW_LDAP_ROLE_GROUPS: {item!r} is not GROUP_DN=role")
        pairs.append((group.strip(), role.strip()))
    return tuple(pairs)
