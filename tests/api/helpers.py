"""Helpers for the REST API tests: clients that hold a user's bearer token."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.facade import Engine
from engine.org.people import Person
from webui import create_app

API = "/api/v1"
TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret-key", "SESSION_COOKIE_SECURE": False}


class ApiUser:
    """A test client that sends one user's bearer token with every request to /api/v1."""

    def __init__(self, client: FlaskClient, username: str, token: str) -> None:
        self.client = client
        self.username = username
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **query: Any) -> TestResponse:
        return self.client.get(API + path, query_string=query, headers=self.headers)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        if body is not None:
            kwargs["json"] = body
        return self.client.post(API + path, headers=self.headers, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, expect: int = 200, **query: Any) -> Any:
        """Send a request that must succeed with ``expect``; return its JSON."""
        response = self.post(path, body) if method == "POST" else self.get(path, **query)
        assert response.status_code == expect, (method, path, response.status_code, response.get_json())
        return response.get_json()

    def task_named(self, name: str, instance_id: int) -> dict[str, Any]:
        """The one task ``name`` of ``instance_id`` in this user's inbox."""
        found = [t for t in self.ok("GET", "/tasks")["items"] if t["name"] == name and t["instance_id"] == instance_id]
        assert len(found) == 1, f"expected one {name} task for {self.username} in {instance_id}, found {found}"
        return found[0]

    def complete(self, name: str, instance_id: int, data: dict[str, Any]) -> dict[str, Any]:
        task = self.task_named(name, instance_id)
        result: dict[str, Any] = self.ok("POST", f"/tasks/{task['id']}/complete", {"data": data})
        return result


class ApiUsers:
    """``users["li.na"]``: an ``ApiUser`` with a fresh token (created once per user)."""

    def __init__(self, client: FlaskClient, engine: Engine) -> None:
        self.client = client
        self.engine = engine
        self.known: dict[str, ApiUser] = {}

    def __getitem__(self, username: str) -> ApiUser:
        if username not in self.known:
            self.known[username] = ApiUser(self.client, username, self.engine.org.create_token(Person(username),
                                                                                               "tests"))
        return self.known[username]


def make_app(engine: Engine, **config: Any) -> Flask:
    return create_app(engine, {**TEST_CONFIG, **config})
