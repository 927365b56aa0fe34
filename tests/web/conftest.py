"""Fixtures of the web tests: a demo database (copied from a template, so each test is fast),
apps around it, and clients signed in as a given person."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import utc_now
from engine.facade import Engine, build_engine
from engine.models import Job
from engine.org.people import Person
from tests.journey import DEMO_PASSWORD, START, only_task
from tests.templates import DemoTemplates, demo_engine, fold_wal, open_copy
from webui import create_app

PASSWORD = DEMO_PASSWORD
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ClientFor = Callable[[str], FlaskClient]


@dataclass(frozen=True)
class World:
    """Ids in the template database: two plans started by li.na, each waiting for research."""

    plan: int  # its research task is open and unclaimed
    research: int
    held_plan: int  # its research task is claimed by wang.lei
    held_research: int
    token: int  # an API token of li.na's
    incident: int  # a job that failed for good, on plan


def _build_template(folder: Path, templates: DemoTemplates) -> World:
    path = folder / "template.sqlite"
    templates.copy_sqlite(PASSWORD, path)  # the demo organisation, as init(demo=True, demo_password=PASSWORD) made it
    engine = open_copy(f"sqlite:///{path}")
    try:
        plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
        held_plan = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": "Autumn push"}).id)
        research = only_task(engine, "wang.lei", "research", plan)["id"]
        held_research = only_task(engine, "wang.lei", "research", held_plan)["id"]
        engine.work.claim(Person("wang.lei"), held_research)
        engine.org.create_token(Person("li.na"), "route table")
        token = engine.org.tokens(Person("li.na"))[0].id
        incident = _an_incident(engine, plan)
    finally:
        engine.db.dispose()  # closes the connections, so SQLite folds its WAL into the file
    fold_wal(path)
    return World(plan, research, held_plan, held_research, token, incident)


def _an_incident(engine: Engine, instance_id: int) -> int:
    """A job of ``instance_id`` that failed after its last attempt (what the operations page shows)."""
    with engine.core.transaction() as session:
        job = Job(kind="timer", state="incident", due_at=utc_now(), instance_id=instance_id, payload_json="{}",
                  attempts=5, max_attempts=5, last_error="WorkflowException: no timer is waiting",
                  created_at=utc_now())
        session.add(job)
        session.flush()
        return job.id


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> tuple[Path, World]:
    folder = tmp_path_factory.mktemp("web-template")
    return folder / "template.sqlite", _build_template(folder, demo_templates)


@pytest.fixture
def world(template_db: tuple[Path, World]) -> World:
    return template_db[1]


@pytest.fixture
def web_engine(template_db: tuple[Path, World], tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh copy of the template database (SQLite)."""
    path = tmp_path / "opsflow.sqlite"
    shutil.copy(template_db[0], path)
    engine = build_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.db.dispose()


@pytest.fixture
def any_db_engine(request: pytest.FixtureRequest, db_url: str) -> Iterator[Engine]:
    """An engine with the demo organisation (who can sign in) on SQLite and on PostgreSQL (a copy of the
    template: see ``db_url``)."""
    yield from demo_engine(request, db_url, PASSWORD)


def make_app(engine: Engine, csrf: bool = False) -> Flask:
    return create_app(engine=engine, config={
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": csrf,
    })


@pytest.fixture
def app(web_engine: Engine) -> Flask:
    """The web app without CSRF checks (they have their own tests)."""
    return make_app(web_engine)


@pytest.fixture
def csrf_app(web_engine: Engine) -> Flask:
    return make_app(web_engine, csrf=True)


def sign_in_session(client: FlaskClient, username: str) -> FlaskClient:
    """Put ``username`` in the client's session directly (no password check: fast)."""
    with client.session_transaction() as session:
        session["username"] = username
    return client


@pytest.fixture
def client_as(app: Flask) -> ClientFor:
    """A new client signed in as the given user."""
    return lambda username: sign_in_session(app.test_client(), username)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form on ``path``."""
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def text(response) -> str:
    return str(response.get_data(as_text=True))
