"""A leaver's API token answers 401 (issue 20): deactivating someone revokes their tokens."""

from __future__ import annotations

from engine.org.people import Person
from tests.api.helpers import API, make_app


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
