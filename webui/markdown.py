"""Markdown that people wrote for people (a pack's README) shown as a page: CommonMark with tables, raw HTML
off, so a README cannot put markup or scripts on the page (markdown-it-py escapes it and refuses
``javascript:`` links)."""

from __future__ import annotations

from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str, first_heading: int = 3) -> Markup:
    """``text`` as safe HTML (Jinja filter ``markdown``); its ``#`` heading becomes ``<h{first_heading}>`` and
    the others follow, so a README sits under the page's own headings (one ``<h1>`` a page)."""
    tokens = _RENDERER.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + first_heading - 1)}"
    html = _RENDERER.renderer.render(tokens, _RENDERER.options, {})
    return Markup(html)  # noqa: S704 - markdown-it escapes every raw HTML in the source


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
