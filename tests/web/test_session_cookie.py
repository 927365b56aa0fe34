"""The session cookie is refreshed by the pages a person opens, not by a page's own background asks: a route
preview answered after a form's submission must not put back the cookie from before it (which lost the
submission's "done" message: webui/sessions.py)."""

from __future__ import annotations

import re

from flask import session
from flask.testing import FlaskClient

from engine.facade import Engine
from tests.web.conftest import make_app

COOKIE = "opsflow_session"
PAGE = {"Sec-Fetch-Mode": "navigate"}
SCRIPT = {"Sec-Fetch-Mode": "cors"}


def sets_session_cookie(response) -> bool:  # type: ignore[no-untyped-def]
    return any(value.startswith(f"{COOKIE}=") for value in response.headers.getlist("Set-Cookie"))


def signed_in(client: FlaskClient, username: str) -> FlaskClient:
    with client.session_transaction() as stored:
        stored["username"] = username
        stored.permanent = True  # as the sign-in page leaves it: eight hours from the last page opened
    return client


def test_pages_refresh_the_cookie_and_a_pages_background_ask_leaves_it_alone(web_engine: Engine) -> None:
    app = make_app(web_engine)

    def remember() -> str:
        session["remembered"] = "yes"
        return "ok"

    app.add_url_rule("/test-only/remember", "remember", remember, methods=["POST"])
    zhang = signed_in(app.test_client(), "zhang.min")
    page = zhang.get("/", headers=PAGE)
    assert page.status_code == 200 and sets_session_cookie(page)  # opening a page moves the expiry forward
    assert sets_session_cookie(zhang.get("/"))  # so does a client that does not say what it is asking for
    start_page = zhang.get("/processes/market_plan").get_data(as_text=True)
    url, csrf = re.search(r'data-preview-url="([^"]+)"', start_page), re.search(r'data-csrf="([^"]+)"', start_page)
    assert url and csrf
    asked = zhang.post(url[1], json={"data": {}}, headers={**SCRIPT, "X-CSRFToken": csrf[1]})
    assert asked.status_code == 200 and asked.json["steps"]
    assert not sets_session_cookie(asked)  # answered late, it cannot overwrite what a submission wrote
    changed = zhang.post("/test-only/remember", headers=SCRIPT)
    assert changed.status_code == 200 and sets_session_cookie(changed)  # an ask that changed the session says so
    with zhang.session_transaction() as stored:
        assert stored["remembered"] == "yes" and stored["username"] == "zhang.min"
