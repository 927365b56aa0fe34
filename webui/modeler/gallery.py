"""The modeler's gallery: new processes started from a process pack (``packs/``), not from a blank canvas.

The gallery lists the packs (zh/en titles, summary) with the chosen pack's README and diagram beside it;
copying makes a draft of a new process under the key the analyst names (``engine.modeler.new_draft_from_pack``)
and opens it in the editor, ready to change and deploy like any draft.
"""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import Conflict

from ..context import engine, me
from ..errors import come_back_to
from ..i18n import _
from ..request_keys import once_per_drawing
from .views import _modeler_page, blueprint


@blueprint.get("/packs")
def gallery() -> ResponseReturnValue:
    """The packs, and the chosen one's README and diagram beside the form that copies it."""
    packs = engine().definitions.packs(me())
    chosen = request.args.get("pack") or (packs[0].key if packs else "")
    detail = engine().definitions.pack(me(), chosen) if packs else None
    diagram = json.dumps({"xml": detail.bpmn if detail else "", "overlays": []}).replace("</", "<\\/")
    return _modeler_page(render_template("modeler/gallery.html", packs=packs, detail=detail, diagram=diagram))


@blueprint.post("/packs/<pack>/copy")
@once_per_drawing
def copy_pack(pack: str) -> ResponseReturnValue:
    """Copy the pack's process into a new draft under the key given, and open it."""
    back = url_for("modeler.gallery", pack=pack)
    come_back_to(back)
    key = request.form.get("key", "").strip()
    try:
        engine().modeler.new_draft_from_pack(me(), pack, key, request.form.get("title", "").strip(),
                                             request.form.get("process") or None)
    except Conflict:
        flash(_("A process or draft with the key %(key)s exists already: choose another key.", key=key), "error")
        return redirect(back, code=303)
    flash(_("Copied from the pack into a new draft %(key)s: change it, then deploy it.", key=key), "success")
    return redirect(url_for("modeler.edit", key=key), code=303)
