"""The one place the API turns a use case's result into a JSON answer (``engine.results.as_json``)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.results import as_json


def answer(value: Any) -> Response:
    """``value`` (a result, a list of them, or an envelope such as ``{"items": [...]}``) as a JSON answer."""
    return jsonify(as_json(value))
