"""What deploys and the deploy check hand out, as the REST API documents it (``webui/api/schemas.py``).

``Problem`` is a problem as the API sends it: its message said in the reader's language by the web layer
(``webui.modeler.problems.say``); the engine hands out ``TemplatedProblem``, the same with the English
message's template and values, so that it can be said again. (``engine.definitions.problems.Problem`` is
the problem itself, a ``str``; this is its JSON shape.)
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class Problem(TypedDict):
    """One problem of a definition: the BPMN (or DMN) element, the file (forms, DMN), the message."""

    element: str | None
    file: str | None
    severity: str
    message: str


class TemplatedProblem(Problem):
    """A ``Problem`` with the English message's template and values (``message`` is the English text)."""

    template: str
    params: dict[str, Any]


class Deployment(TypedDict):
    """What one deploy made of a process: its version, new ("deployed") or the latest ("unchanged")."""

    key: str
    version: int
    status: Literal["deployed", "unchanged"]
