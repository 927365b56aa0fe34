"""The directory's settings (``OPSFLOW_LDAP_*``): off without a URL; settings that do not hold together are refused
with the setting named."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.org.ldap.settings import LdapSettings

URL = {"OPSFLOW_LDAP_URL": "ldap://directory.example.cn"}


def test_off_unless_a_url_is_set() -> None:
    assert LdapSettings.from_env({}) is None
    assert LdapSettings.from_env({"OPSFLOW_LDAP_USER_BASE": "dc=example,dc=cn"}) is None


def test_the_settings_are_read_whole() -> None:
    settings = LdapSettings.from_env({**URL, "OPSFLOW_LDAP_USER_DN_TEMPLATE": "uid={username},ou=people,dc=x",
                                      "OPSFLOW_LDAP_STARTTLS": "yes", "OPSFLOW_LDAP_SYNC_MINUTES": "15",
                                      "OPSFLOW_LDAP_ROLE_GROUPS": "cn=staff,ou=groups,dc=x=staff; cn=a,dc=x=analyst"})
    assert settings is not None and settings.starttls and settings.sync_minutes == 15
    assert settings.role_groups == (("cn=staff,ou=groups,dc=x", "staff"), ("cn=a,dc=x", "analyst"))
    assert (settings.user_filter, settings.username_attribute, settings.default_role) == \
        ("(objectClass=inetOrgPerson)", "uid", "staff")


@pytest.mark.parametrize(("more", "named"), [
    ({}, "OPSFLOW_LDAP_USER_DN_TEMPLATE or OPSFLOW_LDAP_USER_BASE"),
    ({"OPSFLOW_LDAP_USER_DN_TEMPLATE": "uid=x,dc=x"}, "must hold {username}"),
    ({"OPSFLOW_LDAP_USER_BASE": "dc=x", "OPSFLOW_LDAP_USER_FILTER": "objectClass=person"}, "OPSFLOW_LDAP_USER_FILTER"),
    ({"OPSFLOW_LDAP_USER_BASE": "dc=x", "OPSFLOW_LDAP_USERNAME_ATTRIBUTE": "uid)(x"}, "USERNAME_ATTRIBUTE"),
    ({"OPSFLOW_LDAP_USER_BASE": "dc=x", "OPSFLOW_LDAP_STARTTLS": "maybe"}, "OPSFLOW_LDAP_STARTTLS"),
    ({"OPSFLOW_LDAP_USER_BASE": "dc=x", "OPSFLOW_LDAP_SYNC_MINUTES": "0"}, "OPSFLOW_LDAP_SYNC_MINUTES"),
    ({"OPSFLOW_LDAP_USER_BASE": "dc=x", "OPSFLOW_LDAP_TIMEOUT": "soon"}, "OPSFLOW_LDAP_TIMEOUT"),
    ({"OPSFLOW_LDAP_USER_BASE": "dc=x", "OPSFLOW_LDAP_ROLE_GROUPS": "staff"}, "OPSFLOW_LDAP_ROLE_GROUPS"),
])
def test_settings_that_do_not_hold_together_are_refused(more: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidInput, match=named.replace("{", r"\{").replace("}", r"\}")):
        LdapSettings.from_env({**URL, **more})
    with pytest.raises(InvalidInput, match="ldap:// or ldaps://"):
        LdapSettings.from_env({"OPSFLOW_LDAP_URL": "http://x", "OPSFLOW_LDAP_USER_BASE": "dc=x"})
