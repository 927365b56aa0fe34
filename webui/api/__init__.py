"""REST API under /api/v1, authenticated with bearer tokens (``opsflow token create``)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
