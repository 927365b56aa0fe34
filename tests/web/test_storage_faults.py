"""A database that takes no writes (read-only, full): pages and the API say so with a 503 and Retry-After, in
the reader's language (sign-in too), ``/healthz`` answers 503 naming it, and nothing is changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from engine.facade import Engine
from engine.models import ProcessInstance
from engine.org.people import Person
from tests.api.helpers import make_app
from tests.journey import DEMO_PASSWORD, START
from tests.storage_faults import read_only_engine

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def read_only(demo: Engine, db_url: str) -> Iterator[Engine]:
    engine = read_only_engine(db_url)
    try:
        yield engine
    finally:
        engine.db.dispose()


def _client(engine: Engine) -> FlaskClient:
    return make_app(engine, WTF_CSRF_ENABLED=False).test_client()


def _instances(engine: Engine) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessInstance)) or 0)


def test_healthz_answers_503_when_the_database_takes_no_writes(demo: Engine, read_only: Engine) -> None:
    assert _client(demo).get("/healthz").status_code == 200
    response = _client(read_only).get("/healthz")
    assert response.status_code == 503
    assert response.get_json() | {"schema": None} == {"status": "unavailable", "database": "ok",
                                                     "writes": "read_only", "schema": None}
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(("headers", "said"), [(ZH, "只读"), (EN, "read-only")], ids=["zh", "en"])
def test_sign_in_says_the_database_is_read_only_in_the_readers_language(read_only: Engine, headers: dict[str, str],
                                                                       said: str) -> None:
    response = _client(read_only).post("/login", data={"username": "li.na", "password": DEMO_PASSWORD},
                                       headers=headers)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert said in response.get_data(as_text=True)


def test_an_api_start_answers_503_and_starts_nothing(demo: Engine, read_only: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "faults")
    before = _instances(demo)
    client = _client(read_only)
    for headers, said in ((ZH, "只读"), (EN, "read-only")):
        response = client.post("/api/v1/process-definitions/market_plan/start", json={"data": START},
                               headers={"Authorization": f"Bearer {token}", **headers})
        assert response.status_code == 503
        assert response.get_json()["error"] == "unavailable"
        assert said in response.get_json()["message"]
        assert int(response.headers["Retry-After"]) > 0
    assert _instances(demo) == before


def test_a_page_that_writes_answers_503(demo: Engine, read_only: Engine) -> None:
    client = _client(read_only)
    with client.session_transaction() as session:
        session["username"] = "li.na"
    response = client.post("/processes/market_plan", data=START, headers=EN)
    assert response.status_code == 503
    assert "read-only" in response.get_data(as_text=True)


def test_a_full_sqlite_database_answers_503_saying_it_is_full(sqlite_engine: Engine) -> None:
    with sqlite_engine.db.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    def full(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:  # no page more than it has now
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(sqlite_engine.db, "checkout", full)
    client = _client(sqlite_engine)
    with client.session_transaction() as session:
        session["username"] = "li.na"
    before = _instances(sqlite_engine)
    bulky = {**START, "brief": "y" * 3000}
    statuses = [client.post("/processes/market_plan", data=bulky, headers=ZH).status_code for _ in range(20)]
    assert set(statuses) == {503}  # no free page: not even the first start fits
    assert "已满" in client.post("/processes/market_plan", data=bulky, headers=ZH).get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["writes"] == "full"
    assert _instances(sqlite_engine) == before


def test_reading_still_works_on_a_read_only_database(demo: Engine, read_only: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "reads")  # never used: its first use would be written
    client = _client(read_only)
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with client.session_transaction() as session:
        session["username"] = "li.na"
    assert client.get("/", headers=EN).status_code == 200
