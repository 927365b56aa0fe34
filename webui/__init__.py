"""The web inbox and REST API: a thin Flask layer over the engine facade.

``create_app`` builds the app around an ``engine.facade.Engine`` (the same one the CLI
uses); views translate requests into engine use cases and domain errors into answers.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from engine.facade import Engine, build_engine


def _secret_key(instance_path: Path) -> str:
    """OPSFLOW_SECRET_KEY, or a random key kept in the instance folder (created once)."""
    configured = os.environ.get("OPSFLOW_SECRET_KEY")
    if configured:
        return configured
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


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
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.extensions["opsflow_engine"] = engine or build_engine()

    from . import setup  # imported here, late: the blueprints import the app's helpers

    setup.init_app(app)
    return app
