"""The API signed in by the browser's session (the modeler's editor calls it from its page): GETs as they
are, every other request only with the page's CSRF token (else 403); a bearer token needs none."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Engine
from engine.org.people import Person
from tests.api.helpers import API
from tests.modeler_steps import budget_files, with_budget_check

DRAFT = f"{API}/process-definitions/market_plan/draft"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A browser signed in as ``username`` (its session cookie; the password check has its own tests)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["username"] = username
    return client


def page_token(client: FlaskClient) -> str:
    """The CSRF token a page of the web app gives this browser's session."""
    match = CSRF_FIELD.search(client.get("/").get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def budget_draft(client: FlaskClient, version: int = 0) -> dict[str, object]:
    opened = client.get(DRAFT).get_json()  # a GET needs no CSRF token
    return {"bpmn": with_budget_check(opened["bpmn"]), "files": budget_files(opened["files"]), "version": version}


def test_the_editor_saves_and_deploys_with_its_session_and_the_pages_csrf_token(sqlite_app, sqlite_engine):
    gao = signed_in(sqlite_app, "gao.yan")
    csrf = {"X-CSRFToken": page_token(gao)}
    saved = gao.put(DRAFT, json=budget_draft(gao), headers={**csrf, "Accept-Language": "zh-CN"})
    assert saved.status_code == 200, saved.get_json()
    assert (saved.get_json()["version"], saved.get_json()["updated_by"], saved.get_json()["problems"]) == (
        1, "gao.yan", [])
    deployed = gao.post(f"{DRAFT}/deploy", json={"version": 1, "note": "Budget check"}, headers=csrf)
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json() == {"key": "market_plan", "version": 2, "status": "deployed"}
    [latest, _] = sqlite_engine.modeler.versions(Person("gao.yan"), "market_plan")
    assert (latest["version"], latest["deployed_by"], latest["note"]) == (2, "gao.yan", "Budget check")


def test_a_refused_deploy_answers_the_apis_error_body_in_the_readers_language(sqlite_app):
    gao = signed_in(sqlite_app, "gao.yan")
    csrf = {"X-CSRFToken": page_token(gao)}
    draft = budget_draft(gao)
    draft["bpmn"] = with_budget_check(str(gao.get(DRAFT).get_json()["bpmn"]), role="")
    assert gao.put(DRAFT, json=draft, headers=csrf).status_code == 200
    refused = gao.post(f"{DRAFT}/deploy", json={"version": 1, "note": "try"}, headers={**csrf, "Accept-Language": "zh"})
    body = refused.get_json()
    assert refused.status_code == 400 and set(body) == {"error", "message", "fields", "errors"}
    assert {"element": "lane_ops", "file": None, "severity": "error",
            "message": "泳道 'lane_ops' 没有指定角色：其名称必须是办理其中任务的角色"} in body["errors"]


def test_without_the_pages_csrf_token_a_session_request_is_refused_403_and_nothing_changes(
        sqlite_app: Flask, sqlite_engine: Engine) -> None:
    gao = signed_in(sqlite_app, "gao.yan")
    page_token(gao)  # the session has a token; the requests below do not send it
    someone_elses = page_token(signed_in(sqlite_app, "admin"))
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": someone_elses}):
        refused = gao.put(DRAFT, json=budget_draft(gao), headers=headers)
        assert refused.status_code == 403, headers
        assert refused.get_json()["error"] == "forbidden" and "X-CSRFToken" in refused.get_json()["message"]
    # What another site's form can send with the cookie: no header, a guessed form field.
    cross_site = gao.post(f"{DRAFT}/deploy", data={"version": "1", "note": "x", "csrf_token": "guess"})
    assert cross_site.status_code == 403
    assert gao.delete(DRAFT, query_string={"version": 0}).status_code == 403
    assert gao.post(f"{API}/drafts", json={"key": "sneaky", "title": "Sneaky"}).status_code == 403
    assert sqlite_engine.modeler.drafts(Person("gao.yan")) == []


def test_a_bearer_token_needs_no_csrf_token_and_wins_over_a_session(sqlite_app, sqlite_engine):
    token = sqlite_engine.org.create_token(Person("gao.yan"), "editor script")
    li_na = signed_in(sqlite_app, "li.na")  # signed in as someone without the model right
    saved = li_na.put(DRAFT, json=budget_draft(signed_in(sqlite_app, "gao.yan")),
                      headers={"Authorization": f"Bearer {token}"})
    assert saved.status_code == 200 and saved.get_json()["updated_by"] == "gao.yan"
    assert li_na.put(DRAFT, json={}, headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_the_session_is_who_acts_and_its_rights_are_asked(sqlite_app):
    li_na = signed_in(sqlite_app, "li.na")
    assert li_na.get(f"{API}/tasks").status_code == 200
    refused = li_na.get(f"{API}/drafts")
    assert refused.status_code == 403 and "model right" in refused.get_json()["message"]
    assert sqlite_app.test_client().get(f"{API}/drafts").status_code == 401  # no session, no token
    gone = signed_in(sqlite_app, "nobody.here")
    assert gone.get(f"{API}/tasks").status_code == 401
