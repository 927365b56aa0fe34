"""My account: a signed-in person makes a named API token (shown once), sees its last use, revokes it."""

from __future__ import annotations

import re

from flask import Flask

from engine.facade import Engine
from engine.org.people import Person
from tests.web.conftest import ClientFor, text

TOKEN_FIELD = re.compile(r'id="token-value" class="token" value="(opf_[^"]+)"')


def test_a_token_made_in_the_web_is_shown_once_and_works_until_revoked(
        app: Flask, client_as: ClientFor, web_engine: Engine) -> None:
    client = client_as("wang.lei")
    page = text(client.post("/account/tokens", data={"name": "weekly export"}, headers={"Accept-Language": "en"}))
    match = TOKEN_FIELD.search(page)
    assert match and "shown only this once" in page
    token = match.group(1)
    api = app.test_client()
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = text(client.get("/account", headers={"Accept-Language": "en"}))
    assert "weekly export" in listing and token not in listing  # never shown again
    assert "Never" not in listing  # its last use (the call above) is shown
    token_id = web_engine.org.tokens(Person("wang.lei"))[0].id
    assert client_as("li.na").post(f"/account/tokens/{token_id}/revoke").status_code == 404  # not hers
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = client.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 303
    assert "is revoked" in text(client.get("/account", headers={"Accept-Language": "en"}))
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_needs_a_name_and_the_refusals_are_in_the_readers_language(
        client_as: ClientFor, web_engine: Engine) -> None:
    client = client_as("zhang.min")
    response = client.post("/account/tokens", data={"name": "  "}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 303
    assert "请为令牌命名" in text(client.get("/account", headers={"Accept-Language": "zh-CN"}))
    response = client.post("/account/tokens", data={"name": "x" * 201}, headers={"Accept-Language": "zh-CN"})
    assert "名称太长" in text(client.get(response.headers["Location"], headers={"Accept-Language": "zh-CN"}))
    assert web_engine.org.tokens(Person("zhang.min")) == []
    assert 'href="/account"' in text(client.get("/"))  # the way there: one's name in the header
