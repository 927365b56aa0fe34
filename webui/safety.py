"""Security headers on every answer, and checks on where a redirect may go."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import BadRequest

from engine.text_input import printable, text_problem

# Everything is served by the app itself: no CDN, no inline script or style.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
    "base-uri 'none'", "object-src 'none'",
])
# The modeler's pages (editor, version and diff diagrams) only: bpmn-js and dmn-js write a few style
# attributes into their markup (icons, the properties panel, overlays), which style-src 'self' refuses.
# Attributes only: style elements, scripts and everything else stay as strict as on every other page.
MODELER_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY + "; style-src-attr 'unsafe-inline'"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def local_target(target: str | None) -> str | None:
    """``target`` when it is a path on this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def add_headers(response: Response) -> Response:
    """Set the security headers (keeping any a view set itself); pages with user data are not cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def unsafe_parameters() -> dict[str, list[str]]:
    """Query and form parameters (names or values) holding characters no text field accepts."""
    problems: dict[str, list[str]] = {}
    for name, value in (request.view_args or {}).items():  # path values, e.g. a process key
        if isinstance(value, str) and text_problem(value):
            problems[name] = [str(text_problem(value))]
    sources = [request.args] + ([request.form] if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else [])
    for source in sources:
        for name, values in source.lists():
            for text in (name, *values):
                problem = text_problem(text)
                if problem:
                    problems.setdefault(printable(name), []).append(problem)
                    break
    return problems


class TextNotAccepted(BadRequest):
    """A query or form parameter holds characters that no text field accepts (``problems`` by name)."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in sorted(problems.items())))
        self.problems = problems


def refuse_unsafe_parameters() -> None:
    """Answer 400 before any view runs, so nothing is stored, searched or shown with such text.

    The API checks its own requests after authentication (``webui.api.inputs``).
    """
    if request.blueprint == "api":
        return
    problems = unsafe_parameters()
    if problems:
        raise TextNotAccepted(problems)


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
    app.before_request(refuse_unsafe_parameters)
