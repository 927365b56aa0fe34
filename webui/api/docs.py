"""The API explorer: Swagger UI on the OpenAPI document, at /api/v1/docs, served without a token.

The page and the document are public; every call made from it still needs a token, pasted into its
"Authorize" dialog (a signed-in person makes one on their account page).
"""

from __future__ import annotations

from flask import render_template, url_for

from ..i18n import language
from . import blueprint
from .auth import public


@blueprint.get("/docs")
@public
def docs() -> str:
    """Serve the API explorer (an HTML page; the bundle is webui/static/build/api-docs.js)."""
    return render_template("api/docs.html", spec=url_for("api.openapi_json"), lang=language())
