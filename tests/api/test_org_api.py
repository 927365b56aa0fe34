"""The organisation over the API (issue 20): a leaver's token answers 401 (deactivating someone revokes their
tokens); who someone was on a day is answered from the organisation's record."""

from __future__ import annotations

import pytest

from engine.facade import Engine
from engine.org.people import Person
from engine.org.record import china_today
from engine.org.staffing import PersonSpec
from tests.api.helpers import API, ApiUsers, make_app


@pytest.fixture
def users(demo: Engine) -> ApiUsers:
    return ApiUsers(make_app(demo).test_client(), demo)


def test_a_deactivated_persons_token_answers_401(engine):
    token = engine.org.create_token(Person("wu.fang"), "phone")
    client = make_app(engine).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/tasks", headers=headers).status_code == 200
    engine.org.deactivate(Person("admin"), "wu.fang")
    answer = client.get(f"{API}/tasks", headers=headers)
    assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized"
    engine.org.reactivate(Person("admin"), "wu.fang")
    assert client.get(f"{API}/tasks", headers=headers).status_code == 401  # revoked, not merely refused


def test_who_was_someones_manager_on_a_day_is_answered_from_the_record(users, demo):
    today = china_today(demo.collaborators.clock())
    demo.org.set_person(Person("admin"), "zhou.jie", PersonSpec(reports_to="zhang.min"))
    auditor = users["he.ping"]
    now = auditor.ok("GET", "/people/zhou.jie/as-of", date=today.isoformat())
    assert (now["reports_to"], now["member"], now["roles"]) == ("zhang.min", True, ["staff"])
    bad = auditor.get("/people/zhou.jie/as-of", date="yesterday")
    assert bad.status_code == 400 and list(bad.get_json()["fields"]) == ["date"]
    assert users["zhou.jie"].get("/people/zhou.jie/as-of", date=today.isoformat()).status_code == 403
