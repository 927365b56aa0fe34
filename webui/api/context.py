"""What a request of the API works with: the app's engine and the authenticated actor."""

from __future__ import annotations

from flask import current_app, g

from engine.facade import Engine
from engine.org import Actor


def engine() -> Engine:
    """The engine the app was built around (``create_app``)."""
    built: Engine = current_app.extensions["opsflow_engine"]
    return built


def actor() -> Actor:
    """The user whose bearer token came with this request (set by ``auth``)."""
    authenticated: Actor = g.api_actor
    return authenticated


def username() -> str:
    return actor().username
