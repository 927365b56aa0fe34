"""Wire extensions and blueprints into the app (filled in by the inbox work)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .api import blueprint as api_blueprint

    app.register_blueprint(api_blueprint)
