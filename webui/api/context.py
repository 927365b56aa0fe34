"""What a request of the API works with: the app's engine and the authenticated actor."""

from __future__ import annotations

from flask import g

from engine.org.people import Actor

from ..context import engine

__all__ = ["actor", "engine", "username"]


def actor() -> Actor:
    """The user whose bearer token came with this request (set by ``auth``)."""
    authenticated: Actor = g.api_actor
    return authenticated


def username() -> str:
    return actor().username
