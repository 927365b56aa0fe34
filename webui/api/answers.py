"""The one place the API turns a use case's result into a JSON answer."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.results import as_json


def answer(value: Any) -> Response:
    """``value`` (a typed result, a list of them, or a JSON document) as a JSON response."""
    return jsonify(as_json(value))
