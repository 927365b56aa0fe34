"""An administration form sent again after cut connections writes once (issue 24): the app served by waitress (as
``opsflow serve`` does), the API-token form drawn once and sent with its key, cut half-way through the body and
after the whole request; then sent again until it is answered, and many times at once. There is exactly one token
per key on SQLite and PostgreSQL, and every answer after the first goes back to the tokens (no secret shown)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from engine.facade import Engine
from engine.models import ApiToken
from tests import serving
from tests.web.conftest import PASSWORD, make_app

KEY = re.compile(r'<form[^>]*action="/account/tokens"[^>]*>.*?name="request_key" value="([0-9a-f]+)"', re.S)
SECRET = 'id="token-value"'


@pytest.fixture
def port(any_db_engine: Engine) -> Iterator[int]:
    with serving.served(make_app(any_db_engine)) as port:
        yield port


def _call(port: int, method: str, path: str, cookie: str = "", body: str = "") -> tuple[int, dict[str, str], str]:
    connection = HTTPConnection("127.0.0.1", port, timeout=serving.PATIENCE)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"} if cookie or body else {}
    try:
        connection.request(method, path, body.encode() or None, headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def _signed_in(port: int, username: str) -> str:
    """The session cookie of ``username`` signed in with their password."""
    status, headers, _ = _call(port, "POST", "/login", body=urlencode({"username": username, "password": PASSWORD}))
    assert status == 303, status
    return headers["Set-Cookie"].split(";", 1)[0]


def _raw(cookie: str, body: bytes, sent: int | None = None) -> bytes:
    """The request with ``body``, of which only the first ``sent`` bytes go out (default: all)."""
    return (f"POST /account/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() \
        + body[:sent]


def _until_answered(port: int, cookie: str, body: str) -> tuple[int, str, str]:
    """Send again while the first sending is under way (answered as a conflict: back to the inbox)."""
    give_up = time.monotonic() + serving.PATIENCE
    while True:
        status, headers, page = _call(port, "POST", "/account/tokens", cookie, body)
        if status != 303 or headers["Location"] != "/" or time.monotonic() > give_up:
            return status, headers.get("Location", ""), page
        time.sleep(0.05)


def _tokens(engine: Engine, name: str) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.label == name)) or 0)


def test_cut_sendings_of_the_token_form_make_exactly_one_token_per_key(any_db_engine: Engine, port: int) -> None:
    cookie = _signed_in(port, "li.na")
    for round_number in range(3):
        status, _, page = _call(port, "GET", "/account", cookie)
        drawn = KEY.search(page)
        assert status == 200 and drawn is not None
        name = f"cut {round_number} {uuid.uuid4().hex[:6]}"
        body = urlencode({"name": name, "request_key": drawn.group(1)})
        serving.cut(port, _raw(cookie, body.encode(), len(body) // 2))  # cut half-way through the body
        serving.cut(port, _raw(cookie, body.encode()))  # cut after sending it all, before the answer
        serving.cut(port, _raw(cookie, body.encode()))
        status, location, page = _until_answered(port, cookie, body)
        assert (status, location) in ((200, ""), (303, "/account"))  # the first answer, or a cut one's
        with ThreadPoolExecutor(max_workers=4) as pool:  # and many retries at once
            answers = list(pool.map(_until_answered, [port] * 8, [cookie] * 8, [body] * 8))
        assert {(status, location) for status, location, _ in answers} == {(303, "/account")}
        assert not any(SECRET in page for _, _, page in answers)
        assert _tokens(any_db_engine, name) == 1
