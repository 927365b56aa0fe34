"""Signing in and out, throttling, CSRF, cookies and security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import OPERATOR
from tests.web.conftest import PASSWORD, ClientFor, World, csrf_token, make_app, sign_in_session, text


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, next_url: str = "") -> TestResponse:
    return client.post("/login", data={"username": username, "password": password, "next": next_url})


def test_signing_in_keeps_the_username_in_the_session_and_goes_where_the_visitor_wanted(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/requests")
    assert urlsplit(first.headers["Location"]).path == "/login"
    assert "next=/requests" in first.headers["Location"]
    response = sign_in(client, "li.na", next_url="/requests")
    assert response.status_code == 303 and response.headers["Location"] == "/requests"
    with client.session_transaction() as session:
        assert session["username"] == "li.na"
    assert "李娜" in text(client.get("/"))


def test_sign_in_never_redirects_to_another_site(app: Flask) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = sign_in(app.test_client(), "li.na", next_url=target)
        assert response.headers["Location"] == "/", target


def test_a_wrong_password_shows_the_form_again_with_the_username_kept(app: Flask) -> None:
    client = app.test_client()
    response = sign_in(client, "li.na", "not-the-password")
    assert response.status_code == 200
    assert "Wrong username or password." in text(response)
    assert 'value="li.na"' in text(response)
    with client.session_transaction() as session:
        assert "username" not in session


def test_wrong_passwords_slow_down_that_client_for_that_account_only(any_db_engine: Engine) -> None:
    """Guessing at a colleague's password makes the guesser wait, never the colleague (another client)."""
    app = make_app(any_db_engine)
    guesser = app.test_client()
    for _ in range(3):  # typos happen: the first failures cost nothing
        assert "Wrong username or password." in text(sign_in(guesser, "chen.yu", "guess-again"))
    slowed = sign_in(guesser, "chen.yu", "guess-again")
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "5"
    assert "wait 5 seconds" in text(slowed)
    refused = sign_in(guesser, "chen.yu", PASSWORD)  # even the right password waits, from that client
    assert refused.status_code == 429
    with guesser.session_transaction() as session:
        assert "username" not in session
    director = app.test_client()  # the director, on their own computer, is not affected
    response = director.post("/login", data={"username": "chen.yu", "password": PASSWORD},
                             environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 303
    assert sign_in(guesser, "li.na").status_code == 303  # nor are other accounts from the guesser's client


def test_signing_out_ends_the_session(app: Flask) -> None:
    client = sign_in_session(app.test_client(), "li.na")
    response = client.post("/logout")
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert urlsplit(client.get("/").headers["Location"]).path == "/login"


def test_a_removed_user_is_signed_out(app: Flask) -> None:
    client = sign_in_session(app.test_client(), "ghost.user")
    response = client.get("/")
    assert urlsplit(response.headers["Location"]).path == "/login"
    with client.session_transaction() as session:
        assert "username" not in session


def test_a_post_without_the_csrf_token_is_refused(csrf_app: Flask, web_engine: Engine, world: World) -> None:
    client = csrf_app.test_client()
    assert client.post("/login", data={"username": "wang.lei", "password": PASSWORD}).status_code == 400
    token = csrf_token(client)
    assert client.post("/login", data={"username": "wang.lei", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303
    refused = client.post(f"/tasks/{world.research}/claim")
    assert refused.status_code == 400
    assert "The form has expired" in text(refused)
    assert web_engine.work.task(OPERATOR, world.research)["assignee"] is None
    assert client.post("/logout").status_code == 400
    token = csrf_token(client, "/")
    assert client.post(f"/tasks/{world.research}/claim", data={"csrf_token": token}).status_code == 303
    assert web_engine.work.task(OPERATOR, world.research)["assignee"] == "wang.lei"


def test_the_api_is_exempt_from_csrf(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/api/v1/tasks/1/claim")
    assert response.status_code == 401  # the API's own bearer-token check answers, not CSRF


def test_security_headers_are_on_every_page(app: Flask) -> None:
    for path in ("/login", "/static/opsflow.css"):
        with app.test_client().get(path) as response:
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert "frame-ancestors 'none'" in csp
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
    assert app.test_client().get("/login").headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client_as: ClientFor) -> None:
    page = text(client_as("zhang.min").get("/processes/market_plan"))
    assert "<script>" not in page and "<script src=" in page
    assert " style=" not in page and "<style" not in page


@pytest.mark.parametrize(("secure", "expected"), [(None, False), ("1", True)])
def test_session_cookies_are_http_only_lax_and_secure_on_request(
    web_engine: Engine, monkeypatch: pytest.MonkeyPatch, secure: str | None, expected: bool,
) -> None:
    if secure is None:
        monkeypatch.delenv("OPSFLOW_SECURE_COOKIES", raising=False)
    else:
        monkeypatch.setenv("OPSFLOW_SECURE_COOKIES", secure)
    app = make_app(web_engine)
    cookie = sign_in(app.test_client(), "li.na").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is expected


def test_nul_and_control_characters_in_queries_or_forms_are_a_400_on_both_databases(any_db_engine: Engine) -> None:
    app = make_app(any_db_engine)
    assert sign_in(app.test_client(), "wang.lei\x00", PASSWORD).status_code == 400
    client = sign_in_session(app.test_client(), "wang.lei")
    assert client.get("/?q=a%00b").status_code == 400
    assert client.get("/?process=%01").status_code == 400
    assert "Search" in text(client.get("/?q=plain"))
    plan = int(any_db_engine.work.start(Person("li.na"), "market_plan", {"title": "Fair", "period_type": "annual",
                                                            "period": "2027"}).id)
    task = any_db_engine.work.tasks(Person("wang.lei"))[0]["id"]
    refused = client.post(f"/tasks/{task}/comments", data={"body": "a\x00b"})
    assert refused.status_code == 400 and "characters that are not allowed" in text(refused)
    assert any_db_engine.work.comments(Person("wang.lei"), task) == []
    assert any_db_engine.work.show(OPERATOR, plan)["status"] == "running"
