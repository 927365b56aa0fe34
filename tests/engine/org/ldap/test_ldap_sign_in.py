"""Signing in through the organisation's directory (a real slapd, ``conftest``), on SQLite and PostgreSQL.

Whose password counts: someone the directory knows signs in with the directory's password only; someone imported
from it, only through it; an account it does not know (admin) with its local one, even while it does not answer.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from engine.errors import DirectoryUnavailable
from engine.facade import Engine
from engine.models import SignInAttempt, SignInThrottle
from engine.org.ldap.client import Verdict, check_password
from engine.org.sign_in import LoginFailed
from tests.journey import DEMO_PASSWORD, OPERATOR

from .conftest import ANN, METERING, PASSWORDS, Slapd, search_settings, unreachable_settings

CLIENT = "10.0.0.8"


def refused(engine: Engine, username: str, password: str) -> LoginFailed:
    with pytest.raises(LoginFailed) as failure:
        engine.org.login(username, password, CLIENT)
    return failure.value


def attempts(engine: Engine) -> tuple[int, int]:
    with engine.core.reading() as session:
        return (int(session.scalar(select(func.count()).select_from(SignInAttempt)) or 0),
                int(session.scalar(select(func.count()).select_from(SignInThrottle)) or 0))


def test_the_directory_password_signs_in_the_local_one_no_longer_and_admin_keeps_hers(
        demo: Engine, slapd: Slapd, directory) -> None:
    demo.collaborators.ldap = search_settings(slapd)
    assert demo.org.login("tang.li", PASSWORDS["tang.li"], CLIENT).username == "tang.li"
    assert refused(demo, "tang.li", DEMO_PASSWORD).retry_after is None  # the directory knows her: its password only
    assert demo.org.login("admin", DEMO_PASSWORD, CLIENT).username == "admin"  # not in the directory: local
    assert refused(demo, "admin", PASSWORDS["tang.li"]).retry_after is None
    assert refused(demo, "ann.li", PASSWORDS["ann.li"]).retry_after is None  # in the directory, not in opsflow
    assert refused(demo, "nobody.here", "whatever").retry_after is None
    demo.collaborators.ldap = None  # the directory switched off: the local password again
    assert demo.org.login("tang.li", DEMO_PASSWORD, CLIENT).username == "tang.li"


def test_wrong_directory_passwords_are_throttled_like_local_ones(demo: Engine, slapd: Slapd, directory) -> None:
    demo.collaborators.ldap = search_settings(slapd)
    for _ in range(3):
        assert refused(demo, "tang.li", "a-guess").retry_after is None
    assert refused(demo, "tang.li", "a-guess").retry_after == 5
    assert refused(demo, "tang.li", PASSWORDS["tang.li"]).retry_after is not None  # must wait, even when right
    assert refused(demo, "tang.li", "").retry_after is not None
    with demo.core.reading() as session:
        outcomes = list(session.scalars(select(SignInAttempt.outcome).where(SignInAttempt.username == "tang.li")
                                        .order_by(SignInAttempt.id)))
    assert outcomes == ["wrong"] * 4 + ["throttled"] * 2


def test_a_directory_that_does_not_answer_is_said_so_and_nothing_is_recorded(demo: Engine, slapd: Slapd,
                                                                            directory) -> None:
    demo.collaborators.ldap = search_settings(slapd)
    demo.org.sync_directory(OPERATOR)  # tang.li is now the directory's (linked to her entry)
    before = attempts(demo)
    demo.collaborators.ldap = unreachable_settings()
    with pytest.raises(DirectoryUnavailable, match="does not answer"):
        demo.org.login("tang.li", PASSWORDS["tang.li"], CLIENT)
    with pytest.raises(DirectoryUnavailable):
        demo.org.login("tang.li", DEMO_PASSWORD, CLIENT)  # her old local password is no way round it
    assert attempts(demo) == before
    assert demo.org.login("admin", DEMO_PASSWORD, CLIENT).username == "admin"  # a local account still signs in
    wrong_bind = dataclasses.replace(search_settings(slapd), bind_dn=f"cn=admin,{METERING}", bind_password="no")
    demo.collaborators.ldap = wrong_bind  # opsflow's own bind refused: a setting to fix, not a wrong password
    with pytest.raises(DirectoryUnavailable, match="refuses opsflow's own bind"):
        demo.org.login("tang.li", PASSWORDS["tang.li"], CLIENT)


def test_someone_imported_from_the_directory_signs_in_only_through_it(demo: Engine, slapd: Slapd,
                                                                      directory) -> None:
    demo.collaborators.ldap = search_settings(slapd)
    demo.org.sync_directory(OPERATOR)
    assert demo.org.login("ann.li", PASSWORDS["ann.li"], CLIENT).username == "ann.li"
    demo.org.set_password(OPERATOR, "ann.li", "a-local-password")
    assert refused(demo, "ann.li", "a-local-password").retry_after is None
    directory.delete(ANN)  # gone from the directory, still active in opsflow (until the next import)
    assert refused(demo, "ann.li", PASSWORDS["ann.li"]).retry_after is None
    assert refused(demo, "ann.li", "a-local-password").retry_after is None  # not even with a local password


def test_a_hostile_username_names_nobody(demo: Engine, slapd: Slapd, directory) -> None:
    settings = search_settings(slapd)
    assert check_password(settings, "ann.li", PASSWORDS["ann.li"]) is Verdict.RIGHT
    assert check_password(settings, "ann.li", "a-guess") is Verdict.WRONG
    assert check_password(settings, "ann.li", "") is Verdict.WRONG  # never an anonymous bind that "succeeds"
    for hostile in ("*)(uid=*", "ann.li)(uid=*", "*", "ann.li)(|(uid=*", "ann.li\\"):
        assert check_password(settings, hostile, PASSWORDS["ann.li"]) is Verdict.UNKNOWN, hostile
    template = dataclasses.replace(settings, user_base=None, user_dn_template=f"uid={{username}},{METERING}")
    assert check_password(template, "ann.li", PASSWORDS["ann.li"]) is Verdict.RIGHT
    assert check_password(template, "bo.wang", "a-guess") is Verdict.WRONG
    for hostile in ("ann.li,ou=metering", "*", "ann.li+cn=An Li", "=ann.li"):
        assert check_password(template, hostile, PASSWORDS["ann.li"]) is Verdict.UNKNOWN, hostile
    demo.collaborators.ldap = settings
    assert refused(demo, "*)(uid=*", PASSWORDS["ann.li"]).retry_after is None
    assert refused(demo, "ann.li)(uid=*", PASSWORDS["ann.li"]).retry_after is None


def test_the_directory_over_tls_checks_its_certificate(demo: Engine, slapd: Slapd, directory) -> None:
    trusted = dataclasses.replace(search_settings(slapd), ca_file=str(slapd.certificate))
    starttls = dataclasses.replace(trusted, url=slapd.url.replace("127.0.0.1", "localhost"), starttls=True)
    assert check_password(starttls, "ann.li", PASSWORDS["ann.li"]) is Verdict.RIGHT
    assert check_password(starttls, "ann.li", "a-guess") is Verdict.WRONG
    ldaps = dataclasses.replace(trusted, url=slapd.tls_url)
    assert check_password(ldaps, "ann.li", PASSWORDS["ann.li"]) is Verdict.RIGHT
    for untrusted in (dataclasses.replace(starttls, ca_file=None), dataclasses.replace(ldaps, ca_file=None)):
        with pytest.raises(DirectoryUnavailable):  # the system's CAs do not vouch for it: no password is sent
            check_password(untrusted, "ann.li", PASSWORDS["ann.li"])
    demo.collaborators.ldap = starttls
    assert demo.org.login("tang.li", PASSWORDS["tang.li"], CLIENT).username == "tang.li"
