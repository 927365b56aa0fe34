"""A problem found in a definition: its message, the element it belongs to, and how to say it again.

``Problem`` is a ``str`` (the English message, as deploy errors always were), so every caller that
reads ``DeploymentRejected.problems`` as text keeps working; it also carries the id of the BPMN
(or DMN) element at fault, so that the modeler can draw it on the element, and the message's
template with its values, so that the web layer can say it in the analyst's language. Templates
are marked with ``N_`` for message extraction (``webui/babel.cfg``); the engine never translates.
"""

from __future__ import annotations

from typing import Any

from .views import TemplatedProblem


def N_(template: str) -> str:
    """Mark a message template for extraction; it is translated where it is shown."""
    return template


class Problem(str):
    """One problem: the text is the English message; ``element`` the id of the element at fault."""

    element: str | None
    file: str | None
    template: str
    params: dict[str, Any]
    severity: str

    def __new__(cls, template: str, element: str | None = None, file: str | None = None,
                severity: str = "error", **params: Any) -> Problem:
        if file is not None and "%(file)" in template:
            params = {"file": file, **params}  # the file a DMN or form problem is in is part of its message
        text = template % params if params else template
        problem = super().__new__(cls, text)
        problem.element = element
        problem.file = file
        problem.template = template
        problem.params = params
        problem.severity = severity
        return problem

    @classmethod
    def text(cls, message: str, element: str | None = None, file: str | None = None) -> Problem:
        """A message that has no template of its own (e.g. the BPMN library's), kept as it is."""
        return cls("%(message)s", element, file, message=message)

    def as_dict(self) -> TemplatedProblem:
        """The problem as data; ``template`` and ``params`` let a reader's language say it again."""
        return {"element": self.element, "file": self.file, "message": str(self), "severity": self.severity,
                "template": self.template, "params": self.params}


def located(problems: list[str], element: str | None = None) -> list[Problem]:
    """Problems as ``Problem``; plain text becomes one with ``element`` (or none)."""
    return [p if isinstance(p, Problem) else Problem.text(p, element) for p in problems]
