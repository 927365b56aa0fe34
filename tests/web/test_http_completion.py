"""An HTTP task completion, API and HTML form: one engine transaction, one commit, few statements.

Pinned like the engine's own count (tests/engine/runtime/test_statement_count.py), on SQLite and PostgreSQL: the
web layer must neither read the form in a transaction of its own nor commit for the sign-in check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import DEMO_PASSWORD, OPERATOR, RESEARCH, only_task, start_plan
from webui import create_app

MAX_STATEMENTS = 10
PASSWORD = DEMO_PASSWORD


class Counter:
    """Engine transactions (writing and reading), SQL statements and commits while it is on."""

    def __init__(self, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writing = self.reading = 0
        self.statements: list[str] = []
        self.commits = 0
        self.on = False
        transaction, reading = engine.core.transaction, engine.core.reading

        @contextmanager
        def counted_transaction(*args: Any, **kwargs: Any) -> Iterator[Any]:
            self.writing += self.on
            with transaction(*args, **kwargs) as session:
                yield session

        @contextmanager
        def counted_reading() -> Iterator[Any]:
            self.reading += self.on
            with reading() as session:
                yield session

        monkeypatch.setattr(engine.core, "transaction", counted_transaction)
        monkeypatch.setattr(engine.core, "reading", counted_reading)
        event.listen(engine.db, "before_cursor_execute", self._statement)
        event.listen(engine.db, "commit", self._commit)

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.on:
            self.statements.append(" ".join(statement.split())[:150])

    def _commit(self, conn: Any) -> None:
        self.commits += self.on


def research_task(engine: Engine) -> int:
    plan = start_plan(engine)
    return int(only_task(engine, "wang.lei", "research", plan)["id"])


def test_an_api_completion_writes_in_one_transaction_and_commits_once(demo, monkeypatch):
    task_id = research_task(demo)
    client = create_app(demo, {"TESTING": True, "SECRET_KEY": "x"}).test_client()
    headers = {"Authorization": f"Bearer {demo.org.create_token(Person('wang.lei'))}"}
    client.get("/api/v1/tasks", headers=headers)  # warm the definition cache, as a running server has it
    counter = Counter(demo, monkeypatch)
    counter.on = True
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": RESEARCH}, headers=headers)
    counter.on = False
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["next_tasks"] == ["draft_plan"]
    listing = "\n".join(counter.statements)
    assert (counter.writing, counter.reading) == (1, 1), "the token check reads; the completion is the one write"
    assert counter.commits == 1, listing
    assert len(counter.statements) <= MAX_STATEMENTS, listing


def test_an_html_form_completion_runs_one_engine_transaction_and_commits_once(demo, monkeypatch):
    task_id = research_task(demo)
    client = create_app(demo, {"TESTING": True, "SECRET_KEY": "x"}).test_client()
    page = client.post("/login", data={"username": "wang.lei", "password": PASSWORD,
                                       "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    assert page.status_code == 303
    form_page = client.get(f"/tasks/{task_id}").get_data(as_text=True)  # also warms the definition cache
    fields = {name: RESEARCH[name] for name in RESEARCH}
    counter = Counter(demo, monkeypatch)
    counter.on = True
    form = form_page[form_page.index(f'action="/tasks/{task_id}/complete"'):]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]+)"', form[:form.index("</form>")]))
    response = client.post(f"/tasks/{task_id}/complete", data={**fields, **hidden})  # as a browser sends it
    counter.on = False
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    listing = "\n".join(counter.statements)
    assert (counter.writing, counter.reading) == (1, 0), listing
    assert counter.commits == 1, listing
    assert len(counter.statements) <= MAX_STATEMENTS, listing
    assert demo.work.show(OPERATOR, only_task(demo, "zhang.min",
                                              "draft_plan")["instance_id"])["data"]["research"] == RESEARCH


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)
