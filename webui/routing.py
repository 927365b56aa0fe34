"""The one guard on ids in HTML paths: ``<id:task_id>`` takes digits, and an id no row can have
(``/tasks/2147483648``, ``/tasks/0``) is answered "not found" before any view runs.

Checked after the route matched, not by the converter refusing the value: a refused value makes
Werkzeug answer 405 when another method has a rule at the same path (GET and POST of
``/tasks/<id>/complete``). The REST API does the same after authentication
(``webui.api.inputs.check_ids``), against the same ``MAX_ID``.

Also here: ``link_by_id``, the links of a list's rows built from one ``url_for`` per rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from engine.text_input import id_in_range


class RecordId(IntegerConverter):
    """The id of a row: digits, kept in range by ``refuse_ids_out_of_range``."""


def refuse_ids_out_of_range() -> None:
    """Answer 404 for a path id no row can have, rather than overflow the database's integer."""
    if request.url_rule is None or request.path.startswith("/api/"):
        return
    for name, converter in request.url_rule._converters.items():  # Werkzeug has no public accessor
        value = (request.view_args or {}).get(name)
        if isinstance(converter, RecordId) and isinstance(value, int) and not id_in_range(value):
            raise NotFound()


def init_app(app: Flask) -> None:
    """Register ``<id:...>``; must run before the blueprints' rules are added to the app."""
    app.url_map.converters["id"] = RecordId


# An id no row has, built into a link once and then replaced by each row's id.
_PLACEHOLDER = 987_654_321_012


def link_by_id(endpoint: str, name: str) -> Callable[[int], str]:
    """``url_for(endpoint, name=id)`` for many ids: the rule is built once, the id put in its place."""
    values: dict[str, Any] = {name: _PLACEHOLDER}
    head, _, tail = url_for(endpoint, **values).rpartition(str(_PLACEHOLDER))
    return lambda row_id: f"{head}{row_id}{tail}"
