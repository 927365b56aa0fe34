"""Fixtures for the REST API tests: the app around the shared engine, and users with tokens."""

from __future__ import annotations

import pytest
from flask import Flask

from engine.facade import Engine
from tests.api.helpers import ApiUsers, make_app


@pytest.fixture
def app(engine: Engine) -> Flask:
    """The web app around the engine on SQLite and on PostgreSQL."""
    return make_app(engine)


@pytest.fixture
def sqlite_app(sqlite_engine: Engine) -> Flask:
    return make_app(sqlite_engine)


@pytest.fixture
def users(app: Flask, engine: Engine) -> ApiUsers:
    return ApiUsers(app.test_client(), engine)


@pytest.fixture
def sqlite_users(sqlite_app: Flask, sqlite_engine: Engine) -> ApiUsers:
    return ApiUsers(sqlite_app.test_client(), sqlite_engine)
