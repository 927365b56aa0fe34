"""The organisation's routes in the OpenAPI document (issue 20): their answers' schemas and their operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .schemas import BOOLEAN, STRING, Schema, nullable, obj, ref

PERSON_ON_DATE = obj({
    "username": STRING, "on": {"type": "string", "format": "date"},
    "member": {"type": "boolean", "description": "false: not yet joined that day (the rest is then empty)"},
    "name": STRING, "roles": {"type": "array", "items": STRING},
    "reports_to": {"type": ["string", "null"], "description": "their manager that day (username)"},
    "unit": nullable(STRING), "active": BOOLEAN,
    "recorded": {"type": "boolean", "description": "false: nothing about them is on the record yet, so the answer "
                 "is the organisation as it is now"},
}, "Who someone was on a day, as the organisation's record says.")
ORG_COMPONENTS: dict[str, Schema] = {"PersonOnDate": PERSON_ON_DATE}


def org_paths(operation: Callable[..., dict[str, Any]], param: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The organisation's routes, built with openapi.py's ``_operation`` and ``_param``."""
    return {"/people/{person}/as-of": {"get": operation(
        "getPersonAsOf", "Who someone was on a day: roles, manager (reports_to) and unit, from the organisation's "
        "record (auditors, admins and org admins)", "org", (200, ref("PersonOnDate"), "Who they were"),
        [400, 403, 404],
        [param("person", "path", {"type": "string"}, "the person's username"),
         {**param("date", "query", {"type": "string", "format": "date"}, "the day (YYYY-MM-DD, China's date)"),
          "required": True}])}}
