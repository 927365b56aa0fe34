"""Problems found in a definition, said in the reader's language (the engine gives the English template)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from flask_babel import gettext

from engine.definitions.problems import Problem as DefinitionProblem
from engine.definitions.views import Problem


def say(problem: Mapping[str, Any]) -> Problem:
    """``{"element", "file", "severity", "message"}`` with the message in the request's language."""
    template, params = problem.get("template"), problem.get("params") or {}
    message = str(problem.get("message", ""))
    if template:
        # A translation that does not fit its values keeps the English message.
        with suppress(KeyError, TypeError, ValueError):
            message = str(gettext(template)) % params if params else str(gettext(template))
    return {"element": problem.get("element"), "file": problem.get("file"),
            "severity": problem.get("severity", "error"), "message": message}


def say_all(problems: list[Any]) -> list[Problem]:
    return [say(p) for p in problems]


def with_problems_said(view: Mapping[str, Any]) -> dict[str, Any]:
    """A draft (or validation answer) whose ``problems`` are said in the request's language."""
    return {**view, "problems": say_all(view.get("problems", []))}


def deployment_errors(problems: list[str]) -> list[Problem]:
    """``DeploymentRejected.problems`` as a list of problems on their elements, in the request's language."""
    return say_all([p.as_dict() if isinstance(p, DefinitionProblem) else DefinitionProblem.text(p).as_dict()
                    for p in problems])
