"""The OpenAPI 3.1 document of the API, served at /api/v1/openapi.json without a token.

A test checks it against the routes the app really has, both ways.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.runtime.inbox import MAX_INBOX_ROWS, PAGE, SORTS
from engine.runtime.instance_views import INSTANCE_STATUSES
from engine.text_input import MAX_ID

from . import blueprint
from .audit_schemas import AUDIT_COMPONENTS, audit_paths
from .auth import public
from .errors import __doc__ as ERRORS_DOC
from .instances import DEFAULT_LIMIT, MAX_LIMIT
from .org_schemas import ORG_COMPONENTS, org_paths
from .request_keys import IDEMPOTENT
from .schemas import COMPONENTS, TEXT_RULE, Schema, items_of, paged_items_of, ref
from .simulation_schemas import SIMULATION_COMPONENTS, simulation_paths

ERROR_TEXT = {
    400: "Invalid request or data; `fields` names every wrong field", 401: "No valid bearer token",
    403: "The user lacks the role or right", 404: "No such resource (or route)",
    409: "Conflict: already completed, or claimed by someone else", 413: "Body over the size limit",
    422: "Valid data, but the process model could not run with it; nothing changed (or `idempotency_key_reused`: "
         "the `Idempotency-Key` came before with another request)",
    429: "Too soon: the move may be made again later (`Retry-After`: in how many seconds)",
}


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _param(name: str, where: str, schema: Schema, description: str) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, "description": description}


def _operation(operation_id: str, summary: str, tag: str, ok: tuple[int, Schema, str], errors: list[int],
               params: list[dict[str, Any]] | None = None, body: str | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {str(ok[0]): _json(ok[1], ok[2])}
    if ok[0] == 201:
        responses["201"]["headers"] = {"Location": {
            "description": "the new resource's URL", "schema": {"type": "string", "format": "uri-reference"}}}
    for status in [401, *errors]:
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    responses["default"] = {"$ref": "#/components/responses/Unexpected"}
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag],
                                 "responses": responses}
    if params:
        operation["parameters"] = params
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    return operation


REQUEST_KEY = _param("Idempotency-Key", "header", {"type": "string", "minLength": 1, "maxLength": 255},
                     "Send the request again with the same key (1 to 255 printable ASCII characters) after a cut "
                     "connection: for 24 hours the same request gets the first answer again "
                     "(`Idempotent-Replayed: true`) and is never done twice; another request with the key is "
                     "refused (422); while the first is under way, 409 (`idempotency_answer_lost` when it was done "
                     "but the server stopped before answering: look up what it did).")


def _with_request_keys(paths: dict[str, Any]) -> None:
    for path, item in paths.items():
        post = item.get("post")
        if post is not None and path.endswith(IDEMPOTENT):
            post["parameters"] = [*post.get("parameters", []), REQUEST_KEY]
            post["responses"].setdefault("422", {"$ref": "#/components/responses/E422"})
            post["responses"].setdefault("409", {"$ref": "#/components/responses/E409"})


def _file_operation(operation_id: str, summary: str, tag: str, media: str, description: str, errors: list[int],
                    params: list[dict[str, Any]]) -> dict[str, Any]:
    """An operation that answers a file rather than JSON."""
    operation = _operation(operation_id, summary, tag, (200, {"type": "string"}, description), errors, params)
    operation["responses"]["200"] = {"description": description,
                                     "content": {media: {"schema": {"type": "string", "format": "binary"}}}}
    return operation


def _upload_operation() -> dict[str, Any]:
    operation = _operation(
        "addAttachments", "Attach files (multipart/form-data) to a form field (the holder), with a comment, or to "
        "the step (whoever may comment); a file refused (too big, wrong type, a path for a name, empty) is 400 and "
        "nothing is stored", "tasks", (201, items_of(ref("Attachment")), "The files stored"),
        [*CHANGE_ERRORS], [TASK_ID])
    operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {
        "schema": ref("AttachRequest"), "encoding": {"file": {"contentType": "application/octet-stream"}}}}}
    return operation


ID_RULE = f"; an id outside 1..{MAX_ID} is answered 404, like an unknown one"
TASK_ID = _param("task_id", "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "task id" + ID_RULE)
INSTANCE_ID = _param("instance_id", "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                     "instance id" + ID_RULE)
TASK_ERRORS = [403, 404]
CHANGE_ERRORS = [400, 403, 404, 409, 413]


KEY = _param("key", "path", {"type": "string"}, "process key, e.g. market_plan")
VERSION = _param("version", "path", {"type": "integer", "minimum": 1}, "version number")


def _modeler_paths() -> dict[str, Any]:
    """The analysts' routes (model right: analysts and admins; deploying and migrating have their own rights)."""
    base, draft = "/process-definitions/{key}", "/process-definitions/{key}/draft"
    xml = {"description": "The BPMN document", "content": {"application/xml": {"schema": {"type": "string"}}}}
    version_bpmn = _operation("getVersionBpmn", "The BPMN file of one version", "modeler",
                              (200, {"type": "string"}, "The BPMN document"), [403, 404], [KEY, VERSION])
    version_bpmn["responses"]["200"] = xml
    discard = _operation("discardDraft", "Discard the draft as saved at `version` (204)", "modeler",
                         (204, {"type": "null"}, "Discarded"), [400, 403, 404, 409],
                         [KEY, _param("version", "query", {"type": "integer", "minimum": 0}, "the draft version")])
    discard["responses"]["204"] = {"description": "Discarded; no body"}
    deploy = _operation(
        "deployBundle", "Deploy a bundle (BPMN + forms + DMN) with a change note: 201 with the new version "
        "(200, status unchanged, when nothing changed); 400 lists `errors` on their elements", "modeler",
        (201, ref("Deployment"), "The new version"), [400, 403, 413], body="DeployRequest")
    deploy_draft = _operation("deployDraft", "Deploy the draft as saved at `version` with a change note", "modeler",
                              (201, ref("Deployment"), "The new version"), [400, 403, 404, 409], [KEY],
                              "DeployDraftRequest")
    for operation in (deploy, deploy_draft):
        operation["responses"]["200"] = _json(ref("Deployment"), "Nothing changed: no new version")
    return {
        "/process-definitions": {"post": deploy},
        "/decision-tables/try": {"post": _operation(
            "tryDecision", "Evaluate a decision table with inputs, as a business rule task would; nothing is stored",
            "modeler", (200, ref("DecisionTrial"), "The rules that matched and the result"), [400, 403],
            body="TryDecisionRequest")},
        f"{base}/versions": {"get": _operation("listVersions", "The versions, newest first", "modeler",
                                               (200, items_of(ref("Version")), "The versions"), [403, 404], [KEY])},
        f"{base}/versions/{{version}}": {"get": _operation(
            "getVersion", "One version with its files, read-only", "modeler", (200, ref("VersionDetail"), "It"),
            [403, 404], [KEY, VERSION])},
        f"{base}/versions/{{version}}/bpmn": {"get": version_bpmn},
        f"{base}/diff": {"get": _operation(
            "diffVersions", "What changed between two versions: elements, forms and decision rules", "modeler",
            (200, ref("Diff"), "The changes"), [400, 403, 404],
            [KEY, _param("from", "query", {"type": "integer", "minimum": 1}, "the older version"),
             _param("to", "query", {"type": "integer", "minimum": 1}, "the newer version")])},
        "/drafts": {
            "get": _operation("listDrafts", "The drafts being edited", "modeler",
                              (200, items_of(ref("DraftSummary")), "The drafts"), [403]),
            "post": _operation("newDraft", "Start a new process as a draft", "modeler", (201, ref("Draft"), "It"),
                               [400, 403, 409], body="NewDraftRequest")},
        draft: {
            "get": _operation("getDraft", "The draft (version 0 when not saved: made from the latest version)",
                              "modeler", (200, ref("Draft"), "The draft and its problems"), [403, 404], [KEY]),
            "put": _operation("saveDraft", "Validate and save the draft over the version it was opened at",
                              "modeler", (200, ref("Draft"), "Saved, with every problem found"), [400, 403, 409, 413],
                              [KEY], "SaveDraftRequest"),
            "delete": discard},
        f"{draft}/deploy": {"post": deploy_draft},
        f"{draft}/problems": {"post": _operation(
            "checkDraft", "The problems a save would find (the editor's live check); nothing is stored", "modeler",
            (200, ref("DraftProblems"), "Every problem, on its element"), [400, 403, 413], [KEY], "CheckDraftRequest")},
        f"{base}/migrations": {
            "get": _operation("migrationDryRun", "Dry run: can each running instance on an older version move?",
                              "modeler", (200, items_of(ref("MigrationCheck")), "Per instance"), [400, 403, 404],
                              [KEY, _param("to", "query", {"type": "integer", "minimum": 1}, "the target version")]),
            "post": _operation("migrateInstances", "Move instances, each in its own transaction, with a reason",
                               "modeler", (200, items_of(ref("MigrationResult")), "Per instance: moved or why not"),
                               [400, 403, 404], [KEY], "MigrateRequest")},
    }


def _paths() -> dict[str, Any]:
    task, instance = "/tasks/{task_id}", "/process-instances/{instance_id}"
    assignment = (200, ref("Assignment"), "Who holds the task now")
    round_ = (200, ref("ApprovalRound"), "Who holds the task and who acts on it now")
    return {
        "/process-definitions": {"get": _operation(
            "listProcessDefinitions", "Processes the user may start, with their start forms", "definitions",
            (200, items_of(ref("ProcessDefinition")), "The processes"), [])},
        "/process-definitions/{key}/start": {"post": _operation(
            "startInstance", "Start an instance; answers 201 with a Location header", "definitions",
            (201, ref("InstanceDetail"), "The new instance"), [400, 403, 404, 409, 413, 422],
            [_param("key", "path", {"type": "string"}, "process key, e.g. market_plan")], "StartRequest")},
        "/tasks": {"get": _operation(
            "listTasks", "Open tasks the user holds, and unclaimed ones of the user's roles, a page at a time",
            "tasks", (200, paged_items_of(ref("Task")), "The inbox, and where it continues"), [400],
            [_param("process", "query", {"type": "string"}, "only this process key"),
             _param("q", "query", {"type": "string"}, "text in the instance or task title (% and _ match themselves)"),
             _param("sort", "query", {"type": "string", "enum": list(SORTS), "default": "age"},
                    "age: oldest first; due: earliest due date first"),
             _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_INBOX_ROWS,
                                       "default": PAGE}, "at most this many"),
             _param("after", "query", {"type": "string"}, "the next page: the `next` of the page before")])},
        task: {"get": _operation("getTask", "A task with its form and context", "tasks",
                                 (200, ref("TaskDetail"), "The task"), TASK_ERRORS, [TASK_ID])},
        f"{task}/claim": {"post": _operation("claimTask", "Claim a task (no body, or {})", "tasks", assignment,
                                             CHANGE_ERRORS, [TASK_ID])},
        f"{task}/unclaim": {"post": _operation("unclaimTask", "Release a task (no body, or {})", "tasks",
                                               assignment, CHANGE_ERRORS, [TASK_ID])},
        f"{task}/assign": {"post": _operation("assignTask", "Assign a task to someone reporting to the caller",
                                              "tasks", assignment, CHANGE_ERRORS, [TASK_ID], "AssignRequest")},
        f"{task}/complete": {"post": _operation(
            "completeTask", "Complete a task with form data", "tasks",
            (200, ref("Completion"), "The task is completed; what is open now"), [*CHANGE_ERRORS, 422],
            [TASK_ID], "CompleteRequest")},
        f"{task}/transfer": {"post": _operation(
            "transferTask", "Transfer an open task (转办) to a colleague the process's transfer rule allows, with a "
            "reason (its holder, or a manager above them); the colleague holds it from then on and is told", "tasks",
            (200, ref("Transfer"), "Who holds it now"), CHANGE_ERRORS, [TASK_ID], "TransferRequest")},
        f"{task}/urge": {"post": _operation(
            "urgeTask", "Remind an open task's holders (催办; the request's starter, or a manager above the holder): "
            "at most once an hour per task", "tasks", (200, ref("Urged"), "Whom it reminded"),
            [*CHANGE_ERRORS, 429], [TASK_ID], "UrgeRequest")},
        f"{task}/signers": {"get": _operation(
            "getApprovalRound", "Who holds the task, who acts on it now, its delegates and added signers", "tasks",
            (200, ref("ApprovalRound"), "The round"), TASK_ERRORS, [TASK_ID])},
        f"{task}/delegate": {"post": _operation(
            "delegateTask", "Delegate the task (委派, its holder): the delegate fills its form, then it comes back "
            "to the holder, who completes it (\"prepared by\" the delegate) or delegates it again", "tasks",
            round_, [*CHANGE_ERRORS], [TASK_ID], "DelegateRequest")},
        f"{task}/add-signers": {"post": _operation(
            "addSigners", "Add signers (加签, its holder), before the holder or after the holder's approving "
            "decision; they sign one after another (POST /tasks/{id}/sign)", "tasks", round_, [*CHANGE_ERRORS],
            [TASK_ID], "AddSignersRequest")},
        f"{task}/remove-signer": {"post": _operation(
            "removeSigner", "Remove an added signer who has not acted (减签, its holder); on their turn it passes "
            "on", "tasks", round_, [*CHANGE_ERRORS], [TASK_ID], "RemoveSignerRequest")},
        f"{task}/sign": {"post": _operation(
            "signTask", "Sign as an added signer, on one's turn: approve, or return with a comment", "tasks",
            round_, [*CHANGE_ERRORS], [TASK_ID], "SignRequest")},
        f"{task}/return-targets": {"get": _operation(
            "listReturnTargets", "The earlier steps an open task may return its request to (驳回)", "tasks",
            (200, ref("ReturnTargets"), "The steps, in flow order"), [403, 404, 409], [TASK_ID])},
        f"{task}/return": {"post": _operation(
            "returnTask", "Return the request to an earlier step it passed, with a reason; completed again, that "
            "step comes straight back here unless the model says to walk on", "tasks",
            (200, ref("Returned"), "The request is back at that step"), [*CHANGE_ERRORS, 422], [TASK_ID],
            "ReturnRequest")},
        f"{task}/attachments": {
            "get": _operation("listAttachments", "The files of the request the task belongs to, oldest first",
                              "tasks", (200, items_of(ref("Attachment")), "The files"), TASK_ERRORS, [TASK_ID]),
            "post": _upload_operation(),
        },
        f"{task}/attachments/{{ref}}": {"get": _file_operation(
            "downloadAttachment", "Download a file of the request (whoever may see it), as an attachment", "tasks",
            "*/*", "The file, with its checked type, Content-Disposition: attachment (RFC 5987 name) and nosniff",
            TASK_ERRORS, [TASK_ID, _param("ref", "path", {"type": "string"},
                                          "the attachment's id, or the hex SHA-256 of its bytes")])},
        "/tasks/bulk-approve": {"post": _operation(
            "bulkApproveTasks", "Approve several tasks of one step with one comment (批量审批; only steps whose "
            "model sets bulkApprove), each in its own transaction: the stale or refused ones are reported, the rest "
            "done", "tasks", (200, ref("BulkApproval"), "What was approved, and what was refused and why"), [400],
            [], "BulkApproveRequest")},
        f"{task}/comments": {
            "get": _operation("listComments", "Comments made on this task, oldest first (the request's comments: "
                              "GET /process-instances/{id}/comments)", "tasks",
                              (200, items_of(ref("Comment")), "The comments"), TASK_ERRORS, [TASK_ID]),
            "post": _operation("addComment", "Comment on a task; @username tells that person (who must be able to "
                               "see the request, else 400 and nothing is stored)", "tasks",
                               (201, ref("Comment"), "The comment"), [400, 403, 404, 413], [TASK_ID],
                               "CommentRequest"),
        },
        "/process-instances": {"get": _operation(
            "listInstances", "Instances the user may see, newest first", "instances",
            (200, items_of(ref("Instance")), "The instances"), [400],
            [_param("process", "query", {"type": "string"}, "only this process key"),
             _param("status", "query", {"type": "string", "enum": list(INSTANCE_STATUSES)},
                    "only this status; any other value, an empty one included, is refused (400)"),
             _param("mine", "query", {"type": "boolean", "default": False}, "only those the user started"),
             _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                       "default": DEFAULT_LIMIT}, "at most this many")])},
        instance: {"get": _operation("getInstance", "An instance with its open tasks and data", "instances",
                                     (200, ref("InstanceDetail"), "The instance"), [403, 404], [INSTANCE_ID])},
        f"{instance}/cc": {"post": _operation(
            "copyInstance", "Copy a request to people (抄送): they are told and may read it (its starter, or a "
            "holder of one of its open tasks)", "instances", (201, ref("CopyResult"), "Whom it was copied to"),
            [400, 403, 404, 413], [INSTANCE_ID], "CopyRequest")},
        "/cc": {"get": _operation(
            "listCopiedToMe", "The requests copied to the caller, newest first", "instances",
            (200, items_of(ref("CopyEntry")), "The copies"), [400],
            [_param("unread", "query", {"type": "boolean", "default": False}, "only those not opened yet")])},
        f"{instance}/withdraw": {"post": _operation(
            "withdrawInstance", "Withdraw a request one started (撤回), with a reason, while nobody has acted on it; "
            "it ends as withdrawn (status cancelled, end_event withdrawn). Once someone acted: 409 (urge instead)",
            "instances", (200, ref("Withdrawn"), "The request is withdrawn"), CHANGE_ERRORS, [INSTANCE_ID],
            "WithdrawRequest")},
        f"{instance}/cancel": {"post": _operation(
            "cancelInstance", "Cancel a running instance with a reason (admins: the operate and cancel rights, as on "
            "the operations page); its open tasks close and its starter is told. An ended one: 409", "instances",
            (200, ref("Cancelled"), "The instance is cancelled"), [400, 403, 404, 409], [INSTANCE_ID],
            "CancelRequest")},
        f"{instance}/restart-data": {"get": _operation(
            "getRestartData", "What starting a withdrawn, cancelled or vetoed request of one's own again (重新发起) "
            "begins with: its process and start data (409 while running or once approved)", "instances",
            (200, ref("RestartData"), "The process and its start data"), [403, 404, 409], [INSTANCE_ID])},
        "/me/out-of-office": _away_operations(),
        f"{instance}/comments": {"get": _operation(
            "listInstanceComments", "Every comment on the request, whichever step it was made on, oldest first",
            "instances", (200, items_of(ref("Comment")), "The comments"), [403, 404], [INSTANCE_ID])},
        f"{instance}/history": {"get": _operation(
            "getInstanceHistory", "An instance's history: who did what, when, with what decision", "instances",
            (200, items_of(ref("HistoryEvent")), "The events in order"), [403, 404], [INSTANCE_ID])},
        "/process-definitions/{key}/log.xes": {"get": _file_operation(
            "getProcessLogXes", "The process's event log as IEEE 1849 XES, streamed (audit right)", "audit",
            "application/xml", "One trace per instance; each step's lifecycle (assign, start, complete), the "
            "automatic steps, the instance's start and end; events named as the BPMN elements", [400, 403, 404],
            [_param("key", "path", {"type": "string"}, "process key, e.g. market_plan"),
             _param("version", "query", {"type": "integer", "minimum": 1}, "only this version"),
             _param("from", "query", {"type": "string", "format": "date"}, "instances started on or after"),
             _param("to", "query", {"type": "string", "format": "date"}, "instances started on or before"),
             _param("label", "query", {"type": "string", "enum": ["name", "id"]},
                    "name events by the BPMN element's name (default) or its id")])},
        f"{instance}/bundle": {"get": _file_operation(
            "getInstanceBundle", "The instance's export bundle for offline verification (audit right)", "audit",
            "application/zip", "A zip to check with opsflow-verify", [403, 404, 409], [INSTANCE_ID])},
        f"{instance}/case.pdf": {"get": _file_operation(
            "getInstanceCaseFile", "The instance's case file as a PDF, in the Accept-Language's zh or en (audit right)",
            "audit", "application/pdf", "Data, steps, attachments with SHA-256, the path, findings and the proof",
            [403, 404, 409], [INSTANCE_ID])},
        f"{instance}/integrity": {"get": _operation(
            "getInstanceIntegrity", "What the history check says of the instance (audit right)", "audit",
            (200, ref("Integrity"), "Chain, inclusion in the latest checkpoint, its signature"), [403, 404],
            [INSTANCE_ID])},
        **audit_paths(_operation, _param),
        **org_paths(_operation, _param),
        **simulation_paths(_operation, _param),
        "/openapi.json": {"get": {
            "operationId": "getOpenApi", "summary": "This document (no token needed)", "tags": ["meta"],
            "security": [], "responses": {"200": _json({"type": "object"}, "The OpenAPI document")}}},
        "/docs": {"get": {
            "operationId": "getApiExplorer", "summary": "The API explorer on this document (an HTML page, no token "
            "needed; paste a token into its Authorize dialog to make calls)", "tags": ["meta"], "security": [],
            "responses": {"200": {"description": "The explorer page",
                                  "content": {"text/html": {"schema": {"type": "string"}}}}}}},
    }


def _away_operations() -> dict[str, Any]:
    """Out of office (代理): the caller's own; ``user`` names someone else's, for an admin (else 403)."""
    user = [_param("user", "query", {"type": "string"}, "someone else's (admins only; else 403)")]
    end = _operation("endOutOfOffice", "End the out-of-office now (204, also when none was set); tasks already "
                     "passed on stay with the proxy", "me", (204, {"type": "null"}, "Ended"), [400, 403, 404], user)
    end["responses"]["204"] = {"description": "Ended; no body"}
    return {
        "get": _operation("getOutOfOffice", "The out-of-office set (404: none)", "me",
                          (200, ref("Absence"), "The absence, active, to come or ended"), [400, 403, 404], user),
        "put": _operation("setOutOfOffice", "Be away from `from` to `to` (both included): new tasks for the caller "
                          "(assigned to them, or offered to a role all of whose holders are away) go to the proxy, "
                          "who acts on their behalf; replaces what was set. No chains: a proxy who is away passes "
                          "nothing on", "me", (200, ref("Absence"), "The absence as set"), [400, 403, 404], user,
                          "AbsenceRequest"),
        "delete": end,
    }


def document() -> dict[str, Any]:
    """The OpenAPI document describing every route under /api/v1."""
    paths = _paths()
    for path, item in _modeler_paths().items():
        paths[path] = {**paths.get(path, {}), **item}
    _with_request_keys(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "opsflow REST API", "version": "1",
                 "description": "Token-authenticated access to the opsflow inbox and processes. "
                                "Make a token on your account page in the web app (`/account`), or with "
                                "`opsflow token create USER`; the explorer is at `/api/v1/docs`. The web app's own "
                                "pages (the modeler's editor) call it signed in by the browser's session instead: "
                                "then every request but a GET must carry the page's CSRF token in `X-CSRFToken`, "
                                "else 403.\n\n"
                                f"**Text.** {TEXT_RULE}\n\n"
                                "**JSON bodies** are UTF-8 objects; a key given twice in one object is refused "
                                "(400, the key named in `fields`).\n\n" + (ERRORS_DOC or "")},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": n} for n in ("definitions", "tasks", "instances", "me", "audit", "modeler", "simulation",
                                       "meta")],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "a token from your account page (`/account`) "
                                                              "or `opsflow token create USER`"}},
            "schemas": {**COMPONENTS, **AUDIT_COMPONENTS, **ORG_COMPONENTS, **SIMULATION_COMPONENTS},
            "responses": {
                **{f"E{status}": _json(ref("Error"), text) for status, text in ERROR_TEXT.items()},
                "E429": {**_json(ref("Error"), ERROR_TEXT[429]), "headers": {"Retry-After": {
                    "description": "seconds until the move may be made again", "schema": {"type": "integer"}}}},
                "Unexpected": _json(ref("Error"), "405 (wrong method, with Allow) or 500 (logged on the server)"),
            },
        },
    }


@blueprint.get("/openapi.json")
@public
def openapi_json() -> Response:
    """Serve the OpenAPI document."""
    return jsonify(document())
