"""Someone deactivated (issue 20) can no longer sign in, and a session they had open ends at their next page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from engine.facade import Engine
from engine.org.people import Person
from tests.web.conftest import PASSWORD, make_app, text


def test_a_leaver_is_signed_out_and_cannot_sign_in_again(any_db_engine: Engine) -> None:
    app: Flask = make_app(any_db_engine)
    open_session = app.test_client()
    assert open_session.post("/login", data={"username": "wu.fang", "password": PASSWORD}).status_code == 303
    assert "吴芳" in text(open_session.get("/"))
    any_db_engine.org.deactivate(Person("admin"), "wu.fang")
    ended = open_session.get("/")
    assert ended.status_code == 303 and urlsplit(ended.headers["Location"]).path == "/login"
    refused = app.test_client().post("/login", data={"username": "wu.fang", "password": PASSWORD})
    assert refused.status_code == 200 and "Wrong username or password." in text(refused)
    any_db_engine.org.reactivate(Person("admin"), "wu.fang")
    assert app.test_client().post("/login", data={"username": "wu.fang", "password": PASSWORD}).status_code == 303
