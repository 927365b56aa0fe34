"""What several web nodes share: the cookie-signing key from the database, the health check, calendar days."""

from __future__ import annotations

import re
from datetime import date

import pytest

from engine.facade import build_engine
from tests.web.conftest import PASSWORD, csrf_token, make_app, sign_in_session, text
from webui import create_app


@pytest.fixture
def no_secret_in_env(monkeypatch):
    monkeypatch.delenv("OPSFLOW_SECRET_KEY", raising=False)


def test_two_nodes_on_one_database_accept_each_others_sessions(any_db_engine, db_url, no_secret_in_env):
    other = build_engine(db_url)  # a second node: its own engine and app, the same database
    try:
        first, second = create_app(any_db_engine), create_app(other)
        assert first.secret_key == second.secret_key and len(str(first.secret_key)) == 64
        client = first.test_client()
        signed = client.post("/login", data={"username": "li.na", "password": PASSWORD,
                                             "csrf_token": csrf_token(client)})
        assert signed.status_code == 303
        cookie = client.get_cookie("opsflow_session")
        assert cookie is not None
        visitor = second.test_client()
        visitor.set_cookie("opsflow_session", cookie.value)
        page = visitor.get("/")
        assert page.status_code == 200 and "李娜" in text(page)  # signed in on the other node
    finally:
        other.db.dispose()


def test_the_key_from_the_environment_wins(any_db_engine, monkeypatch):
    monkeypatch.setenv("OPSFLOW_SECRET_KEY", "k" * 40)
    assert create_app(any_db_engine).secret_key == "k" * 40


def test_healthz_says_whether_the_database_answers(web_engine, tmp_path):
    answer = make_app(web_engine).test_client().get("/healthz")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and re.fullmatch(r"\d{4}", body["schema"])
    broken = build_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite")  # nothing can open this file
    try:
        down = make_app(broken).test_client().get("/healthz")
    finally:
        broken.db.dispose()
    assert down.status_code == 503 and down.get_json() == {"status": "unavailable", "database": "unreachable"}


def test_an_admin_enters_a_holiday_on_the_calendar_page_and_it_counts(app, web_engine):
    admin = sign_in_session(app.test_client(), "admin")
    page = text(admin.get("/calendar/2027"))
    assert "no data for 2027" in page or "没有 2027" in page
    done = admin.post("/calendar/days", data={"day": "2027-02-08", "kind": "holiday", "name": "Spring Festival",
                                              "year": "2027"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/calendar/2027")
    row = re.search(r'<tr data-day="2027-02-08">(.*?)</tr>', text(admin.get("/calendar/2027")), re.S)
    assert row and "Spring Festival" in row.group(1)
    assert web_engine.collaborators.calendar.working(date(2027, 2, 8)) is False
    refused = admin.post("/calendar/days", data={"day": "2027-02-30", "kind": "holiday", "name": "x", "year": "2027"},
                         follow_redirects=True)
    assert refused.status_code == 200 and "2027-02-30" in text(refused)
    assert "2027-02-30" not in {d.date for d in web_engine.calendar.year(2027)}
    removed = admin.post("/calendar/days/2027-02-08/remove")
    assert removed.status_code == 303
    assert web_engine.collaborators.calendar.working(date(2027, 2, 8)) is True


def test_the_calendar_page_names_weekdays_and_the_packages_holidays_in_the_readers_language(app):
    admin = sign_in_session(app.test_client(), "admin")
    for language, weekday, holiday in (("zh-CN", "周四", "国庆节"), ("en", "Thu", "National Day")):
        page = text(admin.get("/calendar/2026", headers={"Accept-Language": language}))
        row = re.search(r'<tr data-day="2026-10-01">(.*?)</tr>', page, re.S)
        assert row and f"<td>{weekday}</td>" in row.group(1) and holiday in row.group(1), (language, row)
