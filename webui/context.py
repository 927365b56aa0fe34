"""The request's view of the world: the engine, the signed-in person and the people around them."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, cast

from flask import Flask, current_app, g, request, session

from engine.facade import Engine
from engine.org.directory import Directory
from engine.org.people import Person
from engine.org.views import DirectoryPerson

SESSION_USER = "username"
READ_ONLY_METHODS = ("GET", "HEAD")
ON_THEIR_OWN = ("static", "favicon", "health.healthz")  # files, and the check that must answer 503 itself


def engine() -> Engine:
    """The engine the app was built around (the same facade the CLI uses)."""
    return cast(Engine, current_app.extensions["opsflow_engine"])


def signed_in() -> str | None:
    """The signed-in username, or None for an anonymous visitor."""
    name = session.get(SESSION_USER)
    return name if isinstance(name, str) and name else None


def username() -> str:
    """The signed-in username; views run only after the sign-in guard let the request through."""
    name = signed_in()
    if name is None:
        raise RuntimeError("a view that needs a signed-in user ran for an anonymous visitor")
    return name


def me() -> Person:
    """Who acts in this request: the signed-in person (whose rights each use case asks)."""
    return Person(username())


def directory() -> Directory:
    """Everyone and every deployed process (the engine keeps them until one changes): once per request."""
    if "opsflow_directory" not in g:
        g.opsflow_directory = engine().org.directory()
    return cast(Directory, g.opsflow_directory)


def people() -> dict[str, DirectoryPerson]:
    """Every user by username (read-only)."""
    return directory().people


def display_name(name: str | None) -> str:
    """A person's display name (their username when they have none, '' for nobody)."""
    if not name:
        return ""
    person = people().get(name)
    shown = person.name if person else ""
    return shown if shown and shown != name else name


def processes() -> dict[str, dict[str, Any]]:
    """Every deployed process (latest version) by key (read-only)."""
    return directory().processes


def init_app(app: Flask) -> None:
    """A page that only reads runs its reads in one session (see ``Engine.reads_together``)."""
    app.before_request(_share_reads)
    app.teardown_request(_end_shared_reads)


def _share_reads() -> None:
    if request.method in READ_ONLY_METHODS and request.endpoint not in ON_THEIR_OWN:
        reads = ExitStack()
        reads.enter_context(engine().core.reads_together())
        g.opsflow_reads = reads


def _end_shared_reads(_error: BaseException | None) -> None:
    reads = g.pop("opsflow_reads", None)
    if reads is not None:
        reads.close()
