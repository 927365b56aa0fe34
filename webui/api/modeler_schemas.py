"""The modeler's and deployments' schemas of the OpenAPI document (problems, versions, drafts, migrations)."""

from __future__ import annotations

from .schemas import BOOLEAN, INTEGER, OBJECT, STRING, TIME, Schema, body, nullable, obj, ref

PROBLEM = obj({"element": nullable(STRING), "file": nullable(STRING),
               "severity": {"type": "string", "enum": ["error", "warning"]}, "message": STRING},
              "A problem of a definition: the BPMN (or DMN) element id, the file (forms, DMN), the message in the "
              "caller's language (Accept-Language).")
FILES: Schema = {"type": "object", "additionalProperties": obj({"kind": {"type": "string", "enum": ["form", "dmn"]},
                                                                 "content": STRING}),
                 "description": "forms and DMN tables by name"}
DEPLOYMENT = obj({"key": STRING, "version": INTEGER,
                  "status": {"type": "string", "enum": ["deployed", "unchanged"]}})
VERSION = obj({"key": STRING, "version": INTEGER, "title": STRING, "title_zh": STRING, "deployed_by": STRING,
               "deployed_at": TIME, "note": STRING, "running": INTEGER, "ended": INTEGER},
              "A deployed version: who, when, why, and the instances running and ended on it.")
VERSION_DETAIL = obj({"key": STRING, "version": INTEGER, "title": STRING, "title_zh": STRING, "deployed_by": STRING,
                      "deployed_at": TIME, "note": STRING, "bpmn_name": STRING, "bpmn": STRING, "files": FILES})
CHANGE = {"type": "object", "description": "an element, form or rule added, removed or changed (with each field)"}
DIFF = obj({"key": STRING, "from": INTEGER, "to": INTEGER, "elements": {"type": "array", "items": CHANGE},
            "forms": {"type": "array", "items": CHANGE}, "decisions": {"type": "array", "items": CHANGE},
            "from_bpmn": STRING, "to_bpmn": STRING})
DRAFT_VIEW = obj({"key": STRING, "bpmn_name": STRING, "bpmn": STRING, "files": FILES, "version": INTEGER,
                  "based_on_version": nullable(INTEGER), "updated_by": STRING, "updated_at": TIME,
                  "created_by": STRING, "saved": BOOLEAN, "problems": {"type": "array", "items": ref("Problem")}},
                 "A draft (version 0: not saved yet, made from the latest version) with its problems.")
DRAFT_SUMMARY = obj({"key": STRING, "version": INTEGER, "based_on_version": nullable(INTEGER),
                     "updated_by": STRING, "updated_at": TIME, "errors": INTEGER})
MIGRATION_CHECK = obj({"instance_id": INTEGER, "title": STRING, "from_version": INTEGER, "to_version": INTEGER,
                       "can_move": BOOLEAN, "reasons": {"type": "array", "items": STRING},
                       "reasons_said": {"type": "array", "items": OBJECT,
                                        "description": "the reasons with their message templates and values"},
                       "waiting_at": {"type": "array", "items": STRING},
                       "changed": {"type": "array", "items": STRING}})
MIGRATION_RESULT = {"type": "object", "properties": {
    "instance_id": INTEGER, "moved": BOOLEAN, "from_version": INTEGER, "to_version": INTEGER,
    "waiting_at": {"type": "array", "items": STRING}, "status": STRING,
    "reasons": {"type": "array", "items": STRING}, "reasons_said": {"type": "array", "items": OBJECT}},
    "required": ["instance_id", "moved"]}
TEXTS: Schema = {"type": "object", "additionalProperties": STRING}
DEPLOY_REQUEST = body({"bpmn_name": STRING, "bpmn": STRING, "forms": TEXTS, "dmn": TEXTS,
                       "note": {"type": "string", "minLength": 1, "description": "what changed and why"}},
                      ["bpmn", "note"])
NEW_DRAFT_REQUEST = body({"key": STRING, "title": STRING}, ["key"])
SAVE_DRAFT_REQUEST = body({"bpmn": STRING, "files": FILES, "version": INTEGER}, ["bpmn", "version"])
CHECK_DRAFT_REQUEST = body({"bpmn": STRING, "files": FILES}, ["bpmn"])
DRAFT_PROBLEMS = obj({"problems": {"type": "array", "items": ref("Problem")}},
                     "What a save would find, errors first; nothing stored.")
DEPLOY_DRAFT_REQUEST = body({"version": INTEGER, "note": {"type": "string", "minLength": 1}}, ["version", "note"])
MIGRATE_REQUEST = body({"instances": {"type": "array", "items": INTEGER, "minItems": 1, "maxItems": 500},
                        "to": INTEGER, "reason": {"type": "string", "minLength": 1}}, ["instances", "to", "reason"])

DECISION_TRIAL = obj({"decision": STRING, "hit_policy": STRING, "matched": {"type": "array", "items": INTEGER},
                      "result": OBJECT},
                     "A decision table tried with inputs: the rules that matched (1-based) and the result (under "
                     "COLLECT, each output a list).")
TRY_DECISION_REQUEST = body({"dmn": {"type": "string", "description": "the DMN document"}, "decision": STRING,
                             "inputs": OBJECT}, ["dmn", "decision", "inputs"])


MODELER_COMPONENTS: dict[str, Schema] = {
    "Problem": PROBLEM, "Deployment": DEPLOYMENT, "Version": VERSION, "VersionDetail": VERSION_DETAIL, "Diff": DIFF,
    "Draft": DRAFT_VIEW, "DraftSummary": DRAFT_SUMMARY, "MigrationCheck": MIGRATION_CHECK,
    "MigrationResult": MIGRATION_RESULT, "DeployRequest": DEPLOY_REQUEST, "NewDraftRequest": NEW_DRAFT_REQUEST,
    "SaveDraftRequest": SAVE_DRAFT_REQUEST, "CheckDraftRequest": CHECK_DRAFT_REQUEST, "DraftProblems": DRAFT_PROBLEMS,
    "DeployDraftRequest": DEPLOY_DRAFT_REQUEST, "MigrateRequest": MIGRATE_REQUEST, "DecisionTrial": DECISION_TRIAL,
    "TryDecisionRequest": TRY_DECISION_REQUEST,
}
