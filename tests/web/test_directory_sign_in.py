"""Signing in while the organisation's directory (LDAP) does not answer: the sign-in form says so (503), in zh and
en; it is not a wrong password, and nobody is signed in. (Through a real directory: tests/engine/org/ldap.)"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from engine.facade import Engine
from engine.models import User
from tests.engine.org.ldap.conftest import unreachable_settings
from tests.web.conftest import PASSWORD, text


def test_the_sign_in_form_says_the_directory_does_not_answer(app: Flask, web_engine: Engine) -> None:
    with web_engine.core.transaction() as session:  # li.na came from the directory: only it may let her in
        session.execute(update(User).where(User.username == "li.na").values(directory_dn="uid=li.na,dc=example,dc=cn"))
    web_engine.collaborators.ldap = unreachable_settings()
    for language, said in (("en", "directory does not answer, so your password cannot be checked"), ("zh", "组织目录")):
        client = app.test_client()
        response = client.post("/login", data={"username": "li.na", "password": PASSWORD},
                               headers={"Accept-Language": language})
        assert response.status_code == 503 and said in text(response)
        assert 'value="li.na"' in text(response)
        with client.session_transaction() as session:
            assert "username" not in session
    admin = app.test_client().post("/login", data={"username": "admin", "password": PASSWORD})
    assert admin.status_code == 303  # an account of opsflow's own still signs in
