"""The web inbox and REST API: a thin Flask layer over the engine facade.

``create_app`` builds the app around an ``engine.facade.Engine`` (the same one the CLI
uses); views translate requests into engine use cases and domain errors into answers.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.facade import Engine, build_engine


def _secret_key(engine: Engine) -> str:
    """OPSFLOW_SECRET_KEY, or the key kept in the database: every node signs cookies with the same one."""
    return os.environ.get("OPSFLOW_SECRET_KEY") or engine.setup.shared_secret()


def _proxy_count() -> int:
    """``OPSFLOW_PROXY_COUNT``: how many reverse proxies stand in front of the app (default none)."""
    raw = os.environ.get("OPSFLOW_PROXY_COUNT", "0").strip() or "0"
    if not raw.isdigit():
        raise ValueError(f"OPSFLOW_PROXY_COUNT must be a number of proxies, not {raw!r}")
    return int(raw)


def create_app(engine: Engine | None = None, config: dict[str, Any] | None = None) -> Flask:
    """Build the web app around ``engine`` (default: one built from the environment)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies need https; `make run` serves plain http://127.0.0.1:5000, so opt in.
        SESSION_COOKIE_SECURE=os.environ.get("OPSFLOW_SECURE_COOKIES") == "1",
        SESSION_COOKIE_NAME="opsflow_session",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        BABEL_DEFAULT_TIMEZONE=os.environ.get("OPSFLOW_TIMEZONE", "Asia/Shanghai"),
        # an open task's "what happens next": after (asked by the page's script), inline or off (webui/tasks)
        OPSFLOW_ROUTE_PREVIEW=os.environ.get("OPSFLOW_ROUTE_PREVIEW", "after"),
    )
    if config:
        app.config.update(config)
    built = engine or build_engine()
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(built)
    app.extensions["opsflow_engine"] = built
    proxies = _proxy_count()
    if proxies:  # trust X-Forwarded-For/-Proto only from that many reverse proxies in front of the app
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from . import setup  # imported here, late: the blueprints import the app's helpers

    setup.init_app(app)
    return app
