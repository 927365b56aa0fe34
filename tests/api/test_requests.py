"""What the API answers to requests it cannot take: bad bodies, bad queries, wrong methods, failures."""

from __future__ import annotations

import pytest

from engine.errors import ProcessError
from engine.org.people import Person
from tests.api.helpers import API, make_app
from tests.journey import OPERATOR, RESEARCH, START


@pytest.fixture
def research_task(sqlite_users):
    sqlite_users["li.na"].ok("POST", "/process-definitions/market_plan/start", {"data": START}, expect=201)
    return sqlite_users["wang.lei"].ok("GET", "/tasks")["items"][0]


def test_a_body_that_is_not_a_json_object_is_refused(sqlite_users, research_task):
    wang_lei = sqlite_users["wang.lei"]
    path = f"/tasks/{research_task['id']}/complete"
    cases = [
        ({"data": b'{"data": {', "content_type": "application/json"}, "not valid JSON"),
        ({"data": b'{"data": {}}', "content_type": "text/plain"}, "Content-Type: application/json"),
        ({"data": '{"data": {}}'.encode("utf-16"), "content_type": "application/json"}, "not UTF-8"),
        ({"json": [RESEARCH]}, "must be a JSON object"),
        ({}, "Content-Type: application/json"),
    ]
    for kwargs, message in cases:
        response = wang_lei.post(path, **kwargs)
        assert response.status_code == 400, kwargs
        assert response.get_json()["error"] == "invalid"
        assert message in response.get_json()["message"], response.get_json()


def test_every_wrong_key_of_a_body_is_named(sqlite_users, research_task):
    wang_lei = sqlite_users["wang.lei"]
    response = wang_lei.post(f"/tasks/{research_task['id']}/complete", {"date": RESEARCH})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"date", "data"}
    assert wang_lei.post(f"/tasks/{research_task['id']}/complete", {"data": "findings"}).get_json()["fields"] == {
        "data": ["must be a JSON object"]}
    assert wang_lei.post(f"/tasks/{research_task['id']}/claim", {"force": True}).status_code == 400
    assert wang_lei.post(f"/tasks/{research_task['id']}/claim", {}).status_code == 200

    bad_form = wang_lei.post(f"/tasks/{research_task['id']}/complete", {"data": {"findings": 3, "extra": 1}})
    assert bad_form.status_code == 400
    assert set(bad_form.get_json()["fields"]) >= {"findings", "extra", "target_customers"}


def test_a_body_over_the_size_limit_is_refused(sqlite_engine):
    app = make_app(sqlite_engine, MAX_CONTENT_LENGTH=1024)
    token = sqlite_engine.org.create_token(Person("li.na"))
    response = app.test_client().post(f"{API}/process-definitions/market_plan/start",
                                      json={"data": {**START, "brief": "x" * 2000}},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_bad_query_parameters_are_named(sqlite_users):
    li_na = sqlite_users["li.na"]
    for path, query, field in (("/tasks", {"sort": "name"}, "sort"), ("/process-instances", {"mine": "maybe"}, "mine"),
                               ("/process-instances", {"limit": "0"}, "limit"),
                               ("/process-instances", {"limit": "many"}, "limit")):
        response = li_na.get(path, **query)
        assert response.status_code == 400, query
        assert list(response.get_json()["fields"]) == [field]


def test_unknown_routes_and_methods_answer_json(sqlite_users):
    li_na = sqlite_users["li.na"]
    for path in ("", "/", "/tasks/abc", "/tasks/99999999999999999999", "/tasks/1/approve"):
        response = li_na.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found"
    wrong = li_na.client.delete(f"{API}/tasks/1", headers=li_na.headers)
    assert wrong.status_code == 405
    assert wrong.get_json()["error"] == "method_not_allowed"
    assert wrong.headers["Allow"] == "GET"
    assert li_na.get("/tasks/1/complete").headers["Allow"] == "POST"


def test_assign_names_the_user_field(sqlite_users, research_task):
    li_na = sqlite_users["li.na"]
    path = f"/tasks/{research_task['id']}/assign"
    assert li_na.post(path, {"user": "nobody"}).get_json()["fields"] == {"user": ["is not an active user"]}
    lacking = li_na.post(path, {"user": "zhang.min"})
    assert lacking.status_code == 400
    assert "research_supervisor" in lacking.get_json()["fields"]["user"][0]
    assert li_na.post(path, {}).get_json()["fields"] == {"user": ["is required"]}
    assigned = li_na.ok("POST", path, {"user": "wang.lei"})
    assert assigned == {"id": research_task["id"], "assignee": "wang.lei", "changed": True}
    assert sqlite_users["wang.lei"].ok("GET", "/tasks")["items"][0]["mine"] is True
    assert li_na.ok("POST", f"/tasks/{research_task['id']}/unclaim")["assignee"] is None


def test_comments_are_listed_with_their_authors(sqlite_users, research_task):
    path = f"/tasks/{research_task['id']}/comments"
    li_na = sqlite_users["li.na"]
    added = li_na.ok("POST", path, {"body": "Look at the new estates first"}, expect=201)
    assert (added["author"], added["author_name"], added["body"]) == ("li.na", "李娜", "Look at the new estates first")
    assert sqlite_users["wang.lei"].ok("GET", path)["items"] == [added]
    assert li_na.post(path, {"body": "   "}).get_json()["fields"] == {"body": ["a comment cannot be empty"]}
    assert li_na.post(path, {"body": 42}).get_json()["fields"] == {"body": ["must be a string"]}
    assert sqlite_users["liu.yang"].post(path, {"body": "Hello"}).status_code == 403


def test_a_failing_process_model_is_422_and_a_crash_is_500(sqlite_engine, monkeypatch):
    app = make_app(sqlite_engine, TESTING=False)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {sqlite_engine.org.create_token(Person('wang.lei'))}"}

    def fail(*args, **kwargs):
        raise ProcessError("no condition of gateway 'review_decision' held")

    monkeypatch.setattr(sqlite_engine.work, "complete", fail)
    response = client.post(f"{API}/tasks/1/complete", json={"data": RESEARCH}, headers=headers)
    assert response.status_code == 422
    assert response.get_json() == {"error": "process_error", "fields": {},
                                   "message": "no condition of gateway 'review_decision' held"}

    def crash(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(sqlite_engine.work, "tasks", crash)
    response = client.get(f"{API}/tasks", headers=headers)
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_error"
    assert "fire" not in response.get_json()["message"]


def test_every_route_but_the_document_and_its_explorer_needs_a_token(sqlite_app):
    client = sqlite_app.test_client()
    rules = [r for r in sqlite_app.url_map.iter_rules() if r.rule.startswith(API)]
    assert len(rules) > 10
    for rule in rules:
        path = rule.rule.replace("<int:task_id>", "1").replace("<int:instance_id>", "1").replace("<key>", "market_plan")
        path = path.replace("<path:rest>", "anything")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, json={})
            expected = 200 if rule.endpoint in ("api.openapi_json", "api.docs") else 401
            assert response.status_code == expected, (method, path)


def test_the_api_takes_no_cookies_and_needs_no_csrf_token(sqlite_app, sqlite_engine):
    client = sqlite_app.test_client()
    headers = {"Authorization": f"Bearer {sqlite_engine.org.create_token(Person('li.na'))}"}
    started = client.post(f"{API}/process-definitions/market_plan/start", json={"data": START}, headers=headers)
    assert started.status_code == 201  # CSRF protection of the HTML forms does not apply to the API
    listed = client.get(f"{API}/tasks", headers={**headers, "Accept-Language": "zh-CN"})
    for response in (started, listed):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"


def test_text_no_field_accepts_is_a_400_naming_the_key_on_both_databases(users):
    li_na, wang_lei = users["li.na"], users["wang.lei"]
    li_na.ok("POST", "/process-definitions/market_plan/start", {"data": START}, expect=201)
    task = wang_lei.ok("GET", "/tasks")["items"][0]["id"]
    raw = {"content_type": "application/json"}
    cases = [
        (f"/tasks/{task}/comments", b'{"body": "a\\udc00"}', {"body"}),
        (f"/tasks/{task}/assign", b'{"user": "a\\u0000"}', {"user"}),
        (f"/tasks/{task}/complete", b'{"data": {"findings": "\\ud800"}}', {"data.findings"}),
        ("/process-definitions/market_plan/start",
         b'{"data": {"title": "x", "period_type": "annual", "period": "2027", "brief": "a\\ud800"}}', {"data.brief"}),
    ]
    for path, body, fields in cases:
        response = wang_lei.post(path, data=body, **raw) if "start" not in path else li_na.post(path, data=body, **raw)
        assert response.status_code == 400, (path, response.get_json())
        assert set(response.get_json()["fields"]) == fields
    assert wang_lei.get("/process-instances", status="a\x00").status_code == 400
    assert len(li_na.ok("GET", "/process-instances")["items"]) == 1
    assert wang_lei.ok("GET", f"/tasks/{task}/comments")["items"] == []


def test_bodies_json_cannot_hold_in_memory_are_a_400(sqlite_users, research_task):
    wang_lei = sqlite_users["wang.lei"]
    path = f"/tasks/{research_task['id']}/complete"
    for body, message in [
        (b'{"data": {"trends": ' + b"9" * 5_000 + b"}}", "cannot be read"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"data": ' + b'{"a": ' * 200 + b"1" + b"}" * 201, "nested more than"),
    ]:
        response = wang_lei.post(path, data=body, content_type="application/json")
        assert response.status_code == 400 and message in response.get_json()["message"], response.get_json()


def test_a_huge_value_is_not_echoed_back(sqlite_users, research_task):
    response = sqlite_users["wang.lei"].post(f"/tasks/{research_task['id']}/complete",
                                              {"data": {**RESEARCH, "trends": "x" * 900_000}})
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"trends": ["is longer than 10000 characters"]}
    assert len(response.get_data()) < 2_000
    many = sqlite_users["wang.lei"].post(f"/tasks/{research_task['id']}/complete",
                                          {f"key{i}": 1 for i in range(50_000)})
    assert many.status_code == 400 and len(many.get_data()) < 20_000


def test_options_names_the_methods_of_the_route_itself(sqlite_users, research_task):
    client, headers = sqlite_users["wang.lei"].client, sqlite_users["wang.lei"].headers
    tasks = client.options(f"{API}/tasks", headers=headers)
    assert tasks.status_code == 204 and tasks.headers["Allow"] == "GET, HEAD, OPTIONS"
    complete = client.options(f"{API}/tasks/{research_task['id']}/complete", headers=headers)
    assert complete.headers["Allow"] == "OPTIONS, POST"
    assert client.options(f"{API}/no-such-thing", headers=headers).status_code == 404


@pytest.mark.parametrize("status", ["bogus", "", " running"])
def test_a_status_filter_that_no_instance_can_have_is_a_400_even_empty(sqlite_users, status):
    response = sqlite_users["li.na"].get("/process-instances", status=status)
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"status": ["must be one of: running, completed, cancelled, failed"]}
    assert sqlite_users["li.na"].get("/process-instances", status="running").status_code == 200


def test_path_values_nan_and_unmatched_api_paths_get_json_answers_on_both_databases(users):
    li_na = users["li.na"]
    nul_key = li_na.post("/process-definitions/%00/start", {"data": {}})
    assert nul_key.status_code == 400 and "key" in nul_key.get_json()["fields"]
    nan = li_na.post("/process-definitions/market_plan/start",
                     data=b'{"data": {"title": "T", "period_type": "annual", "period": "2027", "budget": NaN}}',
                     content_type="application/json")
    assert nan.status_code == 400 and "NaN is not a JSON number" in nan.get_json()["message"]
    assert li_na.ok("GET", "/process-instances")["items"] == []
    newline = li_na.get("/tasks/%0a")
    assert newline.status_code == 404 and newline.is_json and newline.get_json()["error"] == "not_found"


def test_a_body_with_a_key_given_twice_is_a_400_naming_the_key_and_changes_nothing(sqlite_users, sqlite_engine):
    user = sqlite_users["li.na"]
    raw = '{"data": {"title": "Spring launch", "period_type": "annual", "period": "2027", "period": "2028"}}'
    response = user.client.post(f"{API}/process-definitions/market_plan/start", data=raw,
                                content_type="application/json", headers=user.headers)
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"period": ["is given more than once"]}
    assert sqlite_engine.work.instances(OPERATOR, "market_plan") == []
