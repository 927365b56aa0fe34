"""A step's instructions, rendered in a sandbox so that process data cannot inject templates.

The instructions come from the deployed BPMN (written by the analyst) and may refer to the
task's data, e.g. ``{{ start.title }}``. They are plain text: the text around the template
tags is escaped before compiling, and the template is compiled in an immutable sandbox with
autoescaping, so data typed by users is always escaped and can neither reach Python internals
nor change the data. Instructions that do not render are shown as written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

_sandbox = ImmutableSandboxedEnvironment(autoescape=True)
_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)


def _escape_text_around_tags(source: str) -> str:
    parts = _TAG.split(source)
    return "".join(part if i % 2 else str(escape(part)) for i, part in enumerate(parts))


def render_instructions(text: str, data: Mapping[str, Any]) -> Markup:
    """The instructions as safe HTML (line breaks are kept by the stylesheet)."""
    if not text:
        return Markup("")
    if "{" not in text:
        return escape(text)
    try:
        template = _sandbox.from_string(_escape_text_around_tags(text))
        return Markup(template.render(dict(data)))  # noqa: S704 - autoescaped sandbox output
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
        log.warning("instructions did not render (%s); showing them as written", exc)
        return escape(text)
