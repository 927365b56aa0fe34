"""The signed-in session's cookie: refreshed by the pages a person opens, never by a page's own background asks.

The session is permanent (eight hours from the last page opened), so Flask would set its cookie again on every
response. A page's script that asks something while the person works (the route preview of an open task, asked
after load and again as fields change) would then answer with the cookie as it was when it asked: arriving after
the form's submission, it overwrote the cookie that carried the submission's "done" message, and the inbox showed
none. Browsers say which requests are a page's own asks (``Sec-Fetch-Mode`` other than ``navigate``); those set the
cookie only when they changed the session themselves."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

NAVIGATION = "navigate"


def is_background_ask() -> bool:
    """Whether the request is a page script's fetch rather than a page the person opened or a form they sent."""
    mode = request.headers.get("Sec-Fetch-Mode")
    return mode is not None and mode != NAVIGATION


class PageRefreshedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, whose expiry only the person's own navigations move forward."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if is_background_ask():
            return session.modified
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = PageRefreshedSessions()
