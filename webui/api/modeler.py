"""The analysts' modeler over REST: deploy a bundle, versions, their BPMN, diffs, drafts and migrations.

Every route needs the model right (analysts, admins); deploying the deploy right, migrating the migrate
right. A deploy (of a bundle or a draft) goes through the one deploy check, as ``opsflow deploy`` does;
its problems come back as ``{"errors": [{"element", "file", "severity", "message"}]}``. The editor
(``/modeler/<key>``) saves, deploys and discards its draft here, signed in by the browser session.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for

from engine.definitions.bundle import DefinitionBundle
from engine.modeler.drafts import check_files
from engine.modeler.views import Files
from engine.org.people import Person

from ..modeler.problems import with_problems_said
from . import blueprint, context
from .errors import RequestInvalid
from .inputs import body_object, int_arg

DEFINITIONS = "/process-definitions"
MAX_VERSION = 1_000_000


def _text_map(body: dict[str, Any], key: str) -> dict[str, str]:
    value = body.get(key) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise RequestInvalid(f"invalid request body: {key}", {key: ["must map file names to their text"]})
    return dict(value)


def _files(body: dict[str, Any]) -> Files:
    files = body.get("files") or {}
    checked: Files = {}
    for name, file in files.items():
        if not isinstance(file, dict) or not isinstance(file.get("content"), str) or not isinstance(
                file.get("kind"), str) or set(file) - {"kind", "content"}:
            raise RequestInvalid("invalid request body: files", {f"files.{name}": [
                'must be {"kind": "form" or "dmn", "content": TEXT}']})
        checked[name] = {"kind": file["kind"], "content": file["content"]}
    return checked


@blueprint.post(DEFINITIONS)
def deploy_bundle() -> tuple[Response, int, dict[str, str]] | tuple[Response, int]:
    """Deploy ``{"bpmn_name", "bpmn", "forms": {name: text}, "dmn": {name: text}, "note"}``.

    Answers 201 with the new version (200 when the content is unchanged: no new version).
    :raise 400: ``errors`` lists every problem on its element; nothing is stored. :raise 403:
    """
    body = body_object({"bpmn_name": str, "bpmn": str, "forms": dict, "dmn": dict, "note": str},
                       required=("bpmn", "note"))
    forms, dmn = _text_map(body, "forms"), _text_map(body, "dmn")
    files: Files = {**{n: {"kind": "form", "content": c} for n, c in forms.items()},
                    **{n: {"kind": "dmn", "content": c} for n, c in dmn.items()}}
    check_files(body["bpmn"], files)
    bundle = DefinitionBundle(body.get("bpmn_name") or "process.bpmn", body["bpmn"].encode("utf-8"),
                              {n: c.encode("utf-8") for n, c in dmn.items()},
                              {n: c.encode("utf-8") for n, c in forms.items()})
    [deployed] = context.engine().definitions.deploy(context.me(), [bundle], body["note"])  # one process a document
    result = deployed.deployment()
    if result["status"] == "unchanged":
        return jsonify(result), 200
    location = url_for("api.show_version", key=result["key"], version=result["version"])
    return jsonify(result), 201, {"Location": location}


@blueprint.get(f"{DEFINITIONS}/<key>/versions")
def list_versions(key: str) -> Response:
    """The versions of a process, newest first: author, note, date, instances running and ended."""
    return jsonify({"items": context.engine().modeler.versions(context.me(), key)})


@blueprint.get(f"{DEFINITIONS}/<key>/versions/<int:version>")
def show_version(key: str, version: int) -> Response:
    """One version as deployed: its BPMN, forms and DMN tables."""
    return jsonify(context.engine().modeler.version(context.me(), key, version))


@blueprint.get(f"{DEFINITIONS}/<key>/versions/<int:version>/bpmn")
def version_bpmn(key: str, version: int) -> Response:
    """The BPMN document of one version (``application/xml``)."""
    shown = context.engine().modeler.version(context.me(), key, version)
    return Response(shown["bpmn"], mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{key}-v{version}.bpmn"'})


@blueprint.get(f"{DEFINITIONS}/<key>/diff")
def diff(key: str) -> Response:
    """What changed from version ``from`` to version ``to``: elements, forms and decision rules."""
    old = int_arg("from", 0, 1, MAX_VERSION)
    new = int_arg("to", 0, 1, MAX_VERSION)
    if not (old and new):
        raise RequestInvalid("from and to are required", {"from": ["is required"], "to": ["is required"]})
    return jsonify(context.engine().modeler.diff(context.me(), key, old, new))


@blueprint.get("/drafts")
def list_drafts() -> Response:
    """The drafts being edited, with how many errors each has."""
    return jsonify({"items": context.engine().modeler.drafts(context.me())})


@blueprint.post("/drafts")
def new_draft() -> tuple[Response, int, dict[str, str]]:
    """Start a new process ``{"key", "title"}`` as a draft (201). :raise 409: the key is taken."""
    body = body_object({"key": str, "title": str}, required=("key",))
    draft = context.engine().modeler.new_draft(context.me(), body["key"], body.get("title", ""))
    return jsonify(with_problems_said(draft)), 201, {"Location": url_for("api.show_draft", key=body["key"])}


@blueprint.get(f"{DEFINITIONS}/<key>/draft")
def show_draft(key: str) -> Response:
    """The draft of a process, or (``version`` 0, not saved) one made from its latest version."""
    return jsonify(with_problems_said(context.engine().modeler.open_draft(context.me(), key)))


@blueprint.put(f"{DEFINITIONS}/<key>/draft")
def save_draft(key: str) -> Response:
    """Save ``{"bpmn", "files", "version"}`` over the version it was opened at; answers the problems found.

    :raise 409: someone saved the draft since ``version``.
    """
    body = body_object({"bpmn": str, "files": dict, "version": int}, required=("bpmn", "version"))
    saved = context.engine().modeler.save_draft(context.me(), key, body["bpmn"], _files(body), body["version"])
    return jsonify(with_problems_said(saved))


@blueprint.post(f"{DEFINITIONS}/<key>/draft/problems")
def check_draft(key: str) -> Response:
    """The problems of ``{"bpmn", "files"}`` as the draft of ``key``, as a save would find them; nothing is
    stored (the editor's live check: its badge and its problem list)."""
    body = body_object({"bpmn": str, "files": dict}, required=("bpmn",))
    checked = context.engine().modeler.check_draft(context.me(), key, body["bpmn"], _files(body))
    return jsonify(with_problems_said(checked))


@blueprint.delete(f"{DEFINITIONS}/<key>/draft")
def discard_draft(key: str) -> tuple[str, int]:
    """Discard the draft as saved at ``?version=N``. :raise 409: it changed since."""
    context.engine().modeler.discard_draft(context.me(), key, int_arg("version", 0, 0, MAX_VERSION))
    return "", 204


@blueprint.post(f"{DEFINITIONS}/<key>/draft/deploy")
def deploy_draft(key: str) -> tuple[Response, int]:
    """Deploy the draft as saved at ``version`` with a change ``note``: 201 with the new version.

    :raise 400: ``errors`` lists every problem. :raise 409: the draft was saved again since.
    """
    body = body_object({"version": int, "note": str}, required=("version", "note"))
    result = context.engine().modeler.deploy_draft(context.me(), key, body["version"], body["note"])
    return jsonify(result), 201 if result["status"] == "deployed" else 200


@blueprint.post("/decision-tables/try")
def try_decision() -> Response:
    """Evaluate ``{"dmn", "decision", "inputs"}`` as a business rule task would: the rules that match and the
    result. Nothing is stored. :raise 400: an unreadable table, unknown decision or failing cell."""
    body = body_object({"dmn": str, "decision": str, "inputs": dict}, required=("dmn", "decision", "inputs"))
    return jsonify(context.engine().modeler.try_decision(context.me(), body["dmn"], body["decision"],
                                                         body["inputs"]))


@blueprint.get(f"{DEFINITIONS}/<key>/migrations")
def migration_dry_run(key: str) -> Response:
    """Dry run: per running instance on an older version, whether it can move to ``?to=N`` and why not."""
    to = int_arg("to", 0, 1, MAX_VERSION)
    if not to:
        raise RequestInvalid("to is required", {"to": ["is required"]})
    return jsonify({"items": context.engine().modeler.migration_dry_run(context.me(), key, to)})


@blueprint.post(f"{DEFINITIONS}/<key>/migrations")
def migrate(key: str) -> Response:
    """Move ``{"instances": [id...], "to": N, "reason"}``, each in its own transaction: moved, or why not."""
    body = body_object({"instances": list, "to": int, "reason": str}, required=("instances", "to", "reason"))
    ids = body["instances"]
    if not ids or len(ids) > 500 or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids):
        raise RequestInvalid("invalid request body: instances", {"instances": ["must list 1 to 500 instance ids"]})
    engine, username = context.engine(), context.username()
    mine = {c["instance_id"] for c in engine.modeler.migration_dry_run(Person(username), key, body["to"])}
    strangers = [i for i in ids if i not in mine]
    if strangers:
        raise RequestInvalid("invalid request body: instances", {"instances": [
            f"not running on an older version of {key}: {', '.join(map(str, strangers[:20]))}"]})
    return jsonify({"items": engine.modeler.migrate_instances(Person(username), ids, body["to"], body["reason"])})
