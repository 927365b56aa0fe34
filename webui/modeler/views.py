"""The analysts' modeler: processes and drafts, the editor, versions, diffs and migrations (pages).

Every route needs the model right (analysts, admins): everyone else gets 403. The editor's script saves,
deploys and discards its draft through the REST API (``/api/v1/process-definitions/<key>/draft``, signed
in by the session, with the page's CSRF token), and reads the API's errors; the one JSON route here is
the form preview, which draws a schema with the inbox's own renderer (the API has no such thing).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf

from engine.errors import NotAllowed, OpsflowError
from engine.modeler.views import Draft
from engine.org.rights import Right
from engine.text_input import JsonUnreadable, read_json

from ..context import engine, me, processes, username
from ..errors import come_back_to
from ..i18n import _, language
from ..request_keys import once_per_drawing
from ..safety import MODELER_CONTENT_SECURITY_POLICY
from .labels import page_texts, panel_labels
from .preview import preview_form
from .problems import say, with_problems_said

blueprint = Blueprint("modeler", __name__, url_prefix="/modeler")
MAX_IMPORT = 2 * 1024 * 1024


@blueprint.before_request
def require_model_right() -> None:
    """Analysts and admins only, before anything is read."""
    if not engine().org.may(me(), Right.MODEL):
        raise NotAllowed(f"{username()} may not use the modeler: that needs the model right (roles analyst, admin)")


def _modeler_page(html: str) -> Response:
    """The editor and diagram pages: bpmn-js sets a few style attributes, so the CSP allows those (no scripts)."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MODELER_CONTENT_SECURITY_POLICY
    return response


def _body() -> dict[str, Any]:
    try:
        body = read_json(request.get_data(as_text=True))
    except JsonUnreadable as exc:
        raise ValueError(str(exc)) from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """List the deployed processes and the drafts being edited."""
    drafts = {d["key"]: d for d in engine().modeler.drafts(me())}
    return render_template("modeler/index.html", processes=list(processes().values()), drafts=drafts,
                           new_only=[d for k, d in drafts.items() if k not in processes()])


@blueprint.post("/new")
@once_per_drawing
def new() -> ResponseReturnValue:
    """Start a new process from a one-lane diagram and open it."""
    come_back_to(url_for("modeler.index"))
    key = request.form.get("key", "").strip()
    engine().modeler.new_draft(me(), key, request.form.get("title", "").strip())
    return redirect(url_for("modeler.edit", key=key), code=303)


@blueprint.post("/import")
@once_per_drawing
def import_file() -> ResponseReturnValue:
    """Open a BPMN file from another modeler as a draft of the process it defines (validated, not deployed)."""
    come_back_to(url_for("modeler.index"))
    upload = request.files.get("file")
    content = upload.read(MAX_IMPORT + 1) if upload else b""
    key = _process_id(content)
    if not key:
        flash(_("That file holds no BPMN process with an id."), "error")
        return redirect(url_for("modeler.index"), code=303)
    current = _open_or_none(key)
    version = current["version"] if current else 0
    files = current["files"] if current else {}
    saved = engine().modeler.save_draft(me(), key, content.decode("utf-8", errors="replace"), files, version)
    errors = sum(1 for p in saved["problems"] if p["severity"] == "error")
    flash(_("Opened %(key)s as a draft: %(count)s error(s) to fix before it can be deployed.", key=key, count=errors),
          "success" if not errors else "error")
    return redirect(url_for("modeler.edit", key=key), code=303)


def _open_or_none(key: str) -> Draft | None:
    try:
        return engine().modeler.open_draft(me(), key)
    except OpsflowError:
        return None


def _process_id(content: bytes) -> str | None:
    """The key of the first process in a BPMN document (``process_key`` of its id: a dotted id is no key),
    read safely; None if it has none."""
    from engine.definitions.checks import elements
    from engine.definitions.parser import process_key
    from engine.definitions.xml_safety import UnsafeXml, parse_xml

    if not content or len(content) > MAX_IMPORT:
        return None
    try:
        root = parse_xml(content)
    except UnsafeXml:
        return None
    found = elements(root, "//bpmn:process[@isExecutable='true']") or elements(root, "//bpmn:process")
    return process_key(str(found[0].get("id"))) if found and found[0].get("id") else None


@blueprint.get("/<key>")
def edit(key: str) -> ResponseReturnValue:
    """The editor: diagram, properties, forms, decision tables, problems, save and deploy."""
    draft = with_problems_said(engine().modeler.open_draft(me(), key))
    data = {
        "key": key, "draft": draft, "language": language(), "csrf": generate_csrf(),
        "roles": _roles(), "labels": panel_labels(), "texts": page_texts(),
        "urls": {"draft": url_for("api.save_draft", key=key), "deploy": url_for("api.deploy_draft", key=key),
                 "preview": url_for("modeler.preview"), "versions": url_for("modeler.versions", key=key),
                 "index": url_for("modeler.index"), "tryDecision": url_for("api.try_decision"),
                 "problems": url_for("api.check_draft", key=key)},
    }
    return _modeler_page(render_template("modeler/edit.html", key=key, draft=draft,
                                         data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/")))


def _roles() -> list[dict[str, str]]:
    from ..i18n import pick

    return [{"key": r.key, "title": pick(r.title, r.title_zh)} for r in engine().org.roles()]


@blueprint.post("/preview-form")
def preview() -> ResponseReturnValue:
    """A form schema as the inbox draws it, in Chinese and English, with what is wrong with it."""
    try:
        body = _body()
    except ValueError as exc:
        return jsonify({"message": str(exc)}), 400
    name, schema = body.get("name"), body.get("schema")
    if not isinstance(name, str) or not isinstance(schema, str):
        return jsonify({"message": "send {name, schema}"}), 400
    return jsonify(preview_form(name, schema))


@blueprint.get("/<key>/versions")
def versions(key: str) -> ResponseReturnValue:
    """The versions of a process: who deployed each, when, why, and the instances on it."""
    listed = engine().modeler.versions(me(), key)
    return render_template("modeler/versions.html", key=key, versions=listed,
                           has_draft=key in {d["key"] for d in engine().modeler.drafts(me())})


@blueprint.get("/<key>/versions/<id:version>")
def show_version(key: str, version: int) -> ResponseReturnValue:
    """One version, read-only: its diagram, forms and decision tables."""
    shown = engine().modeler.version(me(), key, version)
    return _modeler_page(render_template("modeler/version.html", key=key, version=shown,
                                         diagram=json.dumps({"xml": shown["bpmn"], "overlays": []}).replace(
                                             "</", "<\\/")))


@blueprint.get("/<key>/diff")
def diff(key: str) -> ResponseReturnValue:
    """What changed between two versions, as a list and coloured on the diagrams."""
    listed = engine().modeler.versions(me(), key)
    newest = listed[0]["version"]
    new = request.args.get("to", type=int) or newest
    old = request.args.get("from", type=int) or max(1, new - 1)
    changes = engine().modeler.diff(me(), key, old, new)
    marks = {"to": [{"element": c["element"], "change": c["change"]} for c in changes["elements"]
                    if c["change"] != "removed"],
             "from": [{"element": c["element"], "change": c["change"]} for c in changes["elements"]
                      if c["change"] == "removed"]}
    for form in changes["forms"]:
        marks["to"] += [{"element": e, "change": "changed"} for e in form["used_by"]
                        if not any(m["element"] == e for m in marks["to"])]
    data = json.dumps({"from": changes["from_bpmn"], "to": changes["to_bpmn"], "marks": marks}).replace("</", "<\\/")
    return _modeler_page(render_template("modeler/diff.html", key=key, diff=changes, versions=listed, data=data))


@blueprint.get("/<key>/migrate")
def migration(key: str) -> ResponseReturnValue:
    """Dry run: which running instances can move to the chosen version, and why the others cannot."""
    listed = engine().modeler.versions(me(), key)
    to = request.args.get("to", type=int) or listed[0]["version"]
    checks = engine().modeler.migration_dry_run(me(), key, to)
    for check in checks:
        check["reasons"] = [say(r)["message"] for r in check["reasons_said"]]
    return render_template("modeler/migrate.html", key=key, to=to, versions=listed, checks=checks)


@blueprint.post("/<key>/migrate")
@once_per_drawing
def migrate(key: str) -> ResponseReturnValue:
    """Move the chosen instances (each in its own transaction), recorded with who and why."""
    to = int(request.form.get("to", "0") or 0)
    come_back_to(url_for("modeler.migration", key=key, to=to))
    chosen = {c["instance_id"] for c in engine().modeler.migration_dry_run(me(), key, to)}
    ids = [int(i) for i in request.form.getlist("instance") if i.isdigit() and int(i) in chosen]
    if not ids:
        flash(_("Choose at least one instance to move."), "error")
        return redirect(url_for("modeler.migration", key=key, to=to), code=303)
    results = engine().modeler.migrate_instances(me(), ids, to, request.form.get("reason", ""))
    moved = [r for r in results if r["moved"]]
    refused = [r for r in results if not r["moved"]]
    if moved:
        flash(_("Moved to version %(version)s: %(ids)s.", version=to,
                ids=", ".join(f"#{r['instance_id']}" for r in moved)), "success")
    for r in refused:
        reasons = [say(reason)["message"] for reason in r.get("reasons_said") or []] or r["reasons"]
        flash(_("#%(id)s was not moved: %(reasons)s", id=r["instance_id"], reasons="; ".join(reasons)), "error")
    return redirect(url_for("modeler.migration", key=key, to=to), code=303)

