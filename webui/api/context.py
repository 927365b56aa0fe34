"""What a request of the API works with: the app's engine and the authenticated actor."""

from __future__ import annotations

from flask import g

from engine.org.people import Actor, Person

from ..context import engine

__all__ = ["actor", "engine", "me", "username"]


def actor() -> Actor:
    """The user whose bearer token (or signed-in session) came with this request (set by ``auth``)."""
    authenticated: Actor = g.api_actor
    return authenticated


def username() -> str:
    return actor().username


def me() -> Person:
    """Who acts in this request: the token's (or session's) person (whose rights each use case asks), with the
    actor their authentication found (the use case does not look them up again)."""
    found = actor()
    return Person(found.username, found=found)
