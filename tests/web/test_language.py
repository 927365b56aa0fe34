"""The UI in Chinese or English: from the browser's Accept-Language, or the switch, which sticks."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from engine.facade import Engine
from engine.models import User
from tests.web.conftest import ClientFor, sign_in_session, text


def test_accept_language_picks_chinese_or_english(app: Flask) -> None:
    client = app.test_client()
    assert "用户名" in text(client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}))
    assert "用户名" in text(client.get("/login", headers={"Accept-Language": "zh-TW"}))
    assert "Username" in text(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert "Username" in text(client.get("/login", headers={"Accept-Language": "fr-FR,de;q=0.5"}))
    assert "Username" in text(client.get("/login"))
    page = text(client.get("/login", headers={"Accept-Language": "fr,zh;q=0.8"}))
    assert 'lang="zh-Hans"' in page


def test_the_language_switch_sticks(app: Flask) -> None:
    client = sign_in_session(app.test_client(), "wang.lei")
    english = {"Accept-Language": "en-US"}
    response = client.post("/language", data={"lang": "zh", "next": "/requests"}, headers=english)
    assert response.status_code == 303 and response.headers["Location"] == "/requests"
    assert "opsflow_lang=zh" in response.headers["Set-Cookie"]
    assert "我的申请" in text(client.get("/requests", headers=english))
    assert "待办" in text(client.get("/", headers=english))
    client.post("/language", data={"lang": "en"}, headers={"Accept-Language": "zh-CN"})
    assert "My requests" in text(client.get("/requests", headers={"Accept-Language": "zh-CN"}))


def test_the_switch_survives_signing_out(app: Flask) -> None:
    client = sign_in_session(app.test_client(), "wang.lei")
    client.post("/language", data={"lang": "zh"})
    client.post("/logout")
    assert "用户名" in text(client.get("/login"))


def test_an_unknown_language_or_a_foreign_target_changes_nothing(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "Set-Cookie" not in response.headers or "opsflow_lang" not in response.headers["Set-Cookie"]


def test_form_labels_dates_and_amounts_follow_the_language(client_as: ClientFor) -> None:
    client = client_as("zhang.min")
    client.post("/language", data={"lang": "zh"})
    page = text(client.get("/processes/market_plan"))
    assert "方案标题" in page and "季度" in page and "年度如 2027；季度如 2027-Q1；月度如 2027-03" in page
    client.post("/language", data={"lang": "en"})
    page = text(client.get("/processes/market_plan"))
    assert "Plan title" in page and "Quarterly" in page and "annual: 2027; quarterly: 2027-Q1; monthly: 2027-03" in page


def test_the_switch_is_remembered_on_the_person_for_their_e_mails(app: Flask, web_engine: Engine) -> None:
    def chosen(username: str) -> str | None:
        with web_engine.core.reading() as session:
            return session.scalar(select(User.language).where(User.username == username))

    assert chosen("wang.lei") is None  # never chose: e-mails in both languages
    client = sign_in_session(app.test_client(), "wang.lei")
    client.post("/language", data={"lang": "en"})
    assert chosen("wang.lei") == "en"
    client.post("/language", data={"lang": "fr"})  # not a language the UI has: nothing changes
    assert chosen("wang.lei") == "en"
    app.test_client().post("/language", data={"lang": "zh"})  # an anonymous visitor: only the cookie
    assert chosen("wang.lei") == "en" and {chosen(u) for u in ("li.na", "zhou.jie")} == {None}
