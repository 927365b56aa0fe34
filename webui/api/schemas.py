"""JSON Schemas of what the API answers, for the OpenAPI document (``openapi.py``)."""

from __future__ import annotations

from typing import Any

from engine.runtime.comments import MAX_COMMENT_LENGTH
from engine.runtime.instances import MAX_REASON_LENGTH as MAX_CANCEL_REASON
from engine.runtime.returns import MAX_REASON_LENGTH

Schema = dict[str, Any]

TEXT_RULE = ("Every string sent (form values and their keys, comments, query parameters) may hold any Unicode "
             "text except control characters (U+0000-U+001F and U+007F, but tab, line feed and carriage return "
             "are fine) and unpaired UTF-16 surrogates (U+D800-U+DFFF, e.g. a lone \\ud800 escape): such "
             "text is refused with 400, naming the field, and nothing is stored.")

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
OBJECT: Schema = {"type": "object"}
TIME: Schema = {"type": "string", "format": "date-time"}


def nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], description: str = "") -> Schema:
    """An object whose every property is always present."""
    schema: Schema = {"type": "object", "properties": properties, "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


def items_of(schema: Schema) -> Schema:
    """The envelope every list answer comes in."""
    return obj({"items": {"type": "array", "items": schema}})


def paged_items_of(schema: Schema) -> Schema:
    """A page of a list, and the cursor of the next page (null on the last)."""
    return obj({"items": {"type": "array", "items": schema},
                "next": {"type": ["string", "null"], "description": "pass as `after` for the next page"}})


def extended(base: Schema, properties: dict[str, Schema], description: str) -> Schema:
    return obj({**base["properties"], **properties}, description)


TASK_FIELDS: dict[str, Schema] = {
    "id": INTEGER, "instance_id": INTEGER,
    "name": {"type": "string", "description": "the BPMN task id, e.g. director_signoff"},
    "title": STRING, "title_zh": STRING, "process": {"type": "string", "description": "the process key"},
    "instance_title": STRING, "role": {"type": "string", "description": "the lane: the role that may do it"},
    "state": {"type": "string", "enum": ["open", "completed", "cancelled", "returned"],
              "description": "returned: its holder returned the request to an earlier step"},
    "assignee": nullable(STRING),
    "on_behalf_of": {"type": ["string", "null"], "description": "out of office (代理): the person away whose task "
                     "the assignee (their proxy) has in hand; null for a task held in one's own name"},
    "created_at": TIME, "due_at": nullable(TIME),
}
RELEASABLE: Schema = {"type": "boolean",
                      "description": "held by someone and a role could take it again (not assigned by the process)"}
TASK = obj({**TASK_FIELDS, "mine": {"type": "boolean", "description": "claimed by or assigned to the caller"},
            "releasable": RELEASABLE,
            "bulk_approve": {"type": "boolean", "description": "批量审批: its step lets several of its tasks be "
                             "approved at once (POST /tasks/bulk-approve)"}}, "An open task in the caller's inbox.")
TASK_DETAIL = obj({
    **TASK_FIELDS,
    "may_complete": BOOLEAN, "may_comment": BOOLEAN, "may_release": BOOLEAN, "process_version": INTEGER,
    "kept_from": {"type": "string", "description": "不相容职责分离: whoever did this step may not do this one"},
    "instructions": STRING,
    "instructions_zh": {"type": "string", "description": "the instructions in Chinese (empty when not given)"},
    "form": {"type": "object", "description": "the JSON Schema (2020-12) that complete's data must satisfy"},
    "context": {"type": "object", "description": "read-only data of earlier steps, keyed by step"},
    "draft": {"type": "object", "description": "what the form starts with: the values last submitted for this "
              "step when it came back (a decision form starts empty: see earlier_decision), else the start "
              "form's values of the fields with the same name; empty when the task is not open"},
    "returned": {"type": "boolean", "description": "the step came back: it was submitted before in this instance"},
    "earlier_decision": {"type": ["object", "null"], "required": ["decision", "comment"],
                         "properties": {"decision": STRING, "comment": STRING},
                         "description": "a decision step that came back: what was decided last round, and why "
                                        "(shown, never filled into the form: each round is decided afresh)"},
    "return_note": {"type": ["object", "null"], "required": ["from_step", "by", "reason", "straight_back"],
                    "properties": {"from_step": STRING, "by": STRING, "reason": STRING, "straight_back": BOOLEAN},
                    "description": "a step returned to (驳回): from which step, by whom, why, and whether once "
                                   "completed it goes straight back there (null otherwise)"},
    "completed_by": {"type": ["string", "null"],
                     "description": "who completed it, or returned it to an earlier step (null while it is open)"},
    "completed_at": nullable(TIME),
    "rework_rounds": {"type": ["object", "null"],
                      "properties": {"used": nullable(INTEGER), "max": nullable(INTEGER)}},
    "countersign": {**obj({
        "round_id": {"type": "string", "description": "the round (all its people's tasks share it)"},
        "sequential": {"type": "boolean", "description": "the people decide one after another (依次), "
                       "else all at once"},
        "size": {"type": "integer", "description": "how many people the round asks"},
        "open": {"type": "boolean", "description": "someone of the round may still decide"},
        "members": {"type": "array", "items": obj({
            "username": STRING,
            "task_id": {"type": ["integer", "null"], "description": "their task (null: not asked yet, or never)"},
            "state": {"type": "string", "enum": ["open", "completed", "closed", "waiting", "skipped"],
                      "description": "closed: the round ended before they decided; waiting: their turn has not "
                                     "come; skipped: the round ended before their turn"},
            "decision": {"type": ["string", "null"], "description": "what they decided (null: not decided)"},
            "comment": STRING,
            "decided_at": nullable(TIME),
        })},
    }), "type": ["object", "null"],
        "description": "the countersign round (会签) this task is one person's part of; null for other tasks"},
}, "A task with its form and the context from earlier steps.")
OPEN_TASK = obj({"id": INTEGER, "name": STRING, "title": STRING, "title_zh": STRING, "role": STRING,
                 "assignee": nullable(STRING), "due_at": nullable(TIME), "releasable": RELEASABLE})
INSTANCE = obj({
    "id": INTEGER, "process": STRING, "version": INTEGER, "title": STRING,
    "status": {"type": "string", "description": "running, completed or cancelled"},
    "end_event": {"type": ["string", "null"], "description": "the end reached, e.g. approved or vetoed"},
    "started_by": STRING, "started_at": TIME, "ended_at": nullable(TIME),
    "open_tasks": {"type": "array", "items": ref("OpenTask")},
}, "A process instance with its open tasks and who holds them.")
INSTANCE_DETAIL = extended(INSTANCE, {"data": {"type": "object", "description": "the instance's process data"}},
                           "An instance with its process data.")
HISTORY_EVENT = obj({
    "seq": INTEGER, "kind": {"type": "string", "description": "e.g. instance_started, task_completed, comment_added"},
    "at": TIME, "actor": nullable(STRING), "task_name": nullable(STRING), "task_id": nullable(INTEGER),
    "payload": {"type": "object", "description": "details; task_completed has data, decision and comment"},
    "hash": {"type": "string", "description": "this event's link in the instance's hash chain"},
}, "One entry of an instance's tamper-evident history.")
COMMENT = obj({"id": INTEGER, "task_id": INTEGER,
               "step": {"type": "string", "description": "the step (task name) it was made on"},
               "author": STRING, "author_name": STRING,
               "body": {"type": "string", "description": "the text; @username in it notified that person"},
               "at": TIME}, "A comment, made on one step of a request and shown on all of them.")
PROCESS_DEFINITION = obj({
    "key": STRING, "version": INTEGER, "title": STRING, "title_zh": STRING,
    "start_roles": {"type": "array", "items": STRING},
    "start_form": {"type": ["object", "null"], "description": "the JSON Schema of start's data, if it takes any"},
    "started_by": {"type": ["string", "null"], "description": "the process that starts it, when only one does"},
}, "The latest deployed version of a process the caller may start.")
ASSIGNMENT = obj({"id": INTEGER, "assignee": nullable(STRING),
                  "changed": {"type": "boolean", "description": "false when it already was so"}})
COMPLETION = obj({"id": INTEGER, "instance_id": INTEGER, "title": STRING, "title_zh": STRING, "status": STRING,
                  "end_event": nullable(STRING),
                  "next_tasks": {"type": "array", "items": STRING, "description": "names of the tasks now open"}})
COPY_RESULT = obj({"instance_id": INTEGER,
                   "copied": {"type": "array", "items": STRING, "description": "told and given read access now"},
                   "already": {"type": "array", "items": STRING,
                               "description": "had it already (or copied it): nothing changed for them"}},
                  "Whom a request was copied to (抄送).")
COPY_ENTRY = obj({"instance_id": INTEGER, "title": STRING, "process": STRING, "status": STRING,
                  "end_event": nullable(STRING), "copied_by": STRING, "copied_by_name": STRING, "note": STRING,
                  "by_process": {"type": "boolean", "description": "by the model (copyTo); copied_by: its key"},
                  "at": TIME, "read": {"type": "boolean", "description": "opened since it was copied"}},
                 "A request copied to the caller (CC'd to me).")
TRANSFER = obj({"id": INTEGER, "instance_id": INTEGER,
                "from": {"type": ["string", "null"], "description": "who held it before (null: open to its role)"},
                "to": {"type": "string", "description": "who holds it now"}, "reason": STRING},
               "A task transferred (转办) to a colleague, who holds it from then on.")
URGED = obj({"id": INTEGER, "instance_id": INTEGER,
             "told": {"type": "array", "items": STRING, "description": "the holders reminded"},
             "next_at": {**TIME, "description": "from when the task may be urged again"}},
            "A reminder sent to a task's holders (催办).")
WITHDRAWN = obj({"id": INTEGER, "status": {"type": "string", "enum": ["cancelled"]},
                 "end_event": {"type": "string", "enum": ["withdrawn"]}, "reason": STRING},
                "A request its starter withdrew (撤回).")
CANCELLED = obj({"id": INTEGER, "status": {"type": "string", "enum": ["cancelled"]}},
                "An instance an admin cancelled: its open tasks are closed and its starter is told the reason.")
RESTART_DATA = obj({"instance_id": INTEGER, "process": {"type": "string", "description": "the process key"},
                    "data": {"type": "object", "description": "the start data, for POST "
                             "/process-definitions/{key}/start"}},
                   "What a request started again (重新发起) from an ended one begins with.")
APPROVAL_STEP = obj({
    "id": INTEGER, "kind": {"type": "string", "enum": ["delegate", "before", "after"],
                            "description": "a delegate (委派), or a signer added before or after the holder (加签)"},
    "user": STRING, "user_name": STRING,
    "state": {"type": "string", "enum": ["waiting", "pending", "done", "approved", "returned", "removed", "skipped"],
              "description": "pending: their turn; waiting: after someone else (or, after, the holder's decision)"},
    "reason": {"type": "string", "description": "why the holder asked them"},
    "decision": {"type": ["string", "null"], "description": "what a signer decided"},
    "comment": STRING, "at": TIME, "acted_at": nullable(TIME),
}, "A delegate or added signer of a task: who, why, and what they did.")
APPROVAL_ROUND = obj({
    "task_id": INTEGER, "state": {"type": "string", "enum": ["open", "completed", "cancelled", "expired"]},
    "holder": {"type": ["string", "null"], "description": "whose task it is (who delegated or added signers)"},
    "acting": {"type": ["string", "null"], "description": "who acts on it now: the holder, a delegate, a signer"},
    "steps": {"type": "array", "items": ref("ApprovalStepRow"), "description": "in the order they were added"},
    "choices": {"type": "array", "items": STRING,
                "description": "what the signer whose turn it is may decide (empty unless a signer's turn): approve "
                               "or return; a signer after the holder on a decision form: the step's decisions, any "
                               "but approve ending the step with it"},
}, "Who holds a task and who acts on it now (委派, 加签).")
RETURN_TARGET = obj({"name": {"type": "string", "description": "the step (BPMN task id), e.g. research"},
                     "title": STRING, "title_zh": STRING})
RETURN_TARGETS = obj({"task_id": INTEGER, "step": STRING,
                      "straight_back": {"type": "boolean", "description": "the step returned to comes straight "
                                        "back here once completed (false: the flow walks on from it as drawn)"},
                      "targets": {"type": "array", "items": ref("ReturnTarget"),
                                  "description": "earlier steps the request passed, in flow order (empty where "
                                                 "the model offers no return)"}},
                     "Where an open task may return its request to (驳回到任意已经过的步骤).")
RETURNED = obj({"id": {"type": "integer", "description": "the task that returned the request (now returned)"},
                "instance_id": INTEGER, "from_step": STRING, "to_step": STRING, "straight_back": BOOLEAN,
                "new_task_id": {"type": "integer", "description": "the open task of the step returned to"}},
               "A request returned to an earlier step.")
ATTACHMENT = obj({"id": INTEGER, "instance_id": INTEGER, "task_id": INTEGER,
                  "step": {"type": "string", "description": "the task (step) it was attached on"},
                  "field": {"type": ["string", "null"], "description": "the form field it was attached to"},
                  "comment_id": {"type": ["integer", "null"], "description": "the comment it came with"},
                  "name": {"type": "string", "description": "the file's name as sent (no folder)"},
                  "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                             "description": "hex SHA-256 of the bytes, as the history records it"},
                  "size": {"type": "integer", "description": "bytes"},
                  "content_type": {"type": "string", "description": "checked from the bytes, not taken from the "
                                   "sender"},
                  "added_by": STRING, "added_by_name": STRING, "at": TIME},
                 "A file attached to a request (附件).")
ATTACHMENT_UPLOAD = {
    "type": "object", "required": ["file"], "additionalProperties": False,
    "properties": {
        "file": {"type": "array", "minItems": 1, "maxItems": 10,
                 "items": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"},
                 "description": "the files (each under 'file'): PDF, Office/OpenDocument, PNG/JPEG/GIF/WebP images, "
                 "text or CSV, read from the bytes; up to the configured size each (default 20 MB); executables, "
                 "HTML and SVG are refused"},
        "field": {"type": "string", "description": "the form field to attach to (\"format\": \"attachment\"): "
                  "the task's holder, while it is open"},
        "comment": {"type": "string", "description": "a comment the files come with (whoever may comment). "
                    "Without field or comment the files are attached to the request at this step. " + TEXT_RULE},
    }}
ERROR = obj({
    "error": {"type": "string", "description": "invalid, unauthorized, forbidden, not_found, method_not_allowed, "
              "conflict, payload_too_large, too_many_requests, process_error or internal_error"},
    "message": {"type": "string", "description": "in the reader's language (Accept-Language; English by default)"},
    "detail": {"type": "string", "description": "the engine's own English text, when the message translates it"},
    "fields": {"type": "object", "additionalProperties": {"type": "array", "items": STRING},
               "description": "each wrong field (dotted path for nested form fields) with its messages"},
    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"},
               "description": "a refused deploy: every problem, on the element it belongs to"},
})
ERROR["required"] = ["error", "message", "fields"]

INTEGRITY = obj({
    "chain_ok": {"type": "boolean", "description": "the hash chain and the instance's anchor check out"},
    "events": INTEGER, "pending": {"type": "integer", "description": "events not yet in a checkpoint"},
    "checkpoint": nullable(obj({"origin": STRING, "size": INTEGER, "made_at": nullable(STRING),
                                "file": nullable(STRING)})),
    "included": {"type": ["boolean", "null"], "description": "its events match the checkpoint (null: none in one)"},
    "signature_ok": {"type": ["boolean", "null"], "description": "the checkpoint's Ed25519 signature verifies"},
    "problems": {"type": "array", "items": obj({"seq": nullable(INTEGER), "message": STRING})},
}, "What the history check says of one instance (the verified badge).")


def body(properties: dict[str, Schema], required: list[str]) -> Schema:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


DATA = {"type": "object", "description": "form data satisfying the form's JSON Schema. " + TEXT_RULE}
START_REQUEST = body({"data": DATA}, [])
COMPLETE_REQUEST = body({"data": DATA}, ["data"])
ASSIGN_REQUEST = body({"user": {"type": "string", "minLength": 1,
                                "description": "username of someone reporting to the caller"}},
                      ["user"])
BULK_REFUSAL = obj({"id": INTEGER, "error": {"type": "string", "description": "the error code a single "
                                                  "completion would get: forbidden, not_found, conflict, invalid..."},
                     "message": STRING}, "A task of a bulk approval that was not approved, and why.")
BULK_APPROVAL = obj({"approved": {"type": "array", "items": INTEGER, "description": "the tasks approved, each in "
                                  "its own transaction with its own history event"},
                     "refused": {"type": "array", "items": ref("BulkRefusal")}},
                    "What a bulk approval did: the tasks approved and those refused (the rest are done all the same).")
BULK_APPROVE_REQUEST = body({
    "task_ids": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "integer"},
                 "description": "tasks of one step whose model allows bulk approval (bulkApprove)"},
    "comment": {"type": "string", "description": "one comment for every approval (optional)"},
}, ["task_ids"])
ABSENCE = obj({
    "user": {"type": "string", "description": "who is away"},
    "proxy": {"type": "string", "description": "who gets their new tasks meanwhile and acts on their behalf"},
    "proxy_name": STRING,
    "from": {"type": "string", "format": "date", "description": "the first day away (China's date)"},
    "to": {"type": "string", "format": "date", "description": "the last day away, included"},
    "active": {"type": "boolean", "description": "today is one of its days"},
    "ended": {"type": "boolean", "description": "its last day is past: it ended by itself"},
    "set_by": {"type": "string", "description": "who set it: the person, or an admin"},
    "set_at": TIME,
}, "Out of office (代理): new tasks for the person go to the proxy from `from` to `to`.")
ABSENCE_REQUEST = body({
    "from": {"type": "string", "format": "date", "description": "the first day away (YYYY-MM-DD, China's date)"},
    "to": {"type": "string", "format": "date", "description": "the last day away, included; not before from, "
           "not past, at most 366 days after from"},
    "proxy": {"type": "string", "minLength": 1, "description": "username of an active colleague who is not away "
              "on those days"},
}, ["from", "to", "proxy"])
COPY_REQUEST = body({"to": {"type": "array", "minItems": 1, "maxItems": 20, "items": {"type": "string"},
                            "description": "usernames to copy the request to"},
                     "note": {"type": "string", "maxLength": 1000, "description": "why (optional). " + TEXT_RULE}},
                    ["to"])
REASON = {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": "\\S",
          "description": "why (required, not only white space). " + TEXT_RULE}
TRANSFER_REQUEST = body({"to": {"type": "string", "minLength": 1,
                                "description": "username of the colleague the process's transfer rule allows"},
                         "reason": REASON}, ["to", "reason"])
URGE_REQUEST = body({"note": {"type": "string", "maxLength": 1000, "description": "a word to the holders (optional). "
                              + TEXT_RULE}}, [])
WITHDRAW_REQUEST = body({"reason": REASON}, ["reason"])
CANCEL_REQUEST = body({"reason": {**REASON, "maxLength": MAX_CANCEL_REASON}}, ["reason"])
WHY: Schema = {"type": "string", "maxLength": 1000, "description": "why: shown to the people asked. " + TEXT_RULE}
DELEGATE_REQUEST = body({"to": {"type": "string", "minLength": 1, "description": "username of the delegate"},
                         "reason": {**WHY, "minLength": 1}}, ["to", "reason"])
ADD_SIGNERS_REQUEST = body({
    "people": {"type": "array", "minItems": 1, "maxItems": 10, "items": {"type": "string"},
               "description": "usernames, in the order they sign (one after another)"},
    "position": {"type": "string", "enum": ["before", "after"],
                 "description": "before: they approve first, then it returns to the holder (前加签); after: they "
                                "approve the holder's approving decision before the flow goes on (后加签)"},
    "reason": {**WHY, "minLength": 1}}, ["people", "position", "reason"])
REMOVE_SIGNER_REQUEST = body({"person": {"type": "string", "minLength": 1,
                                         "description": "an added signer who has not acted yet"},
                              "reason": WHY}, ["person"])
SIGN_REQUEST = body({"decision": {"type": "string", "description": "one of the round's choices"},
                     "comment": {"type": "string", "maxLength": 1000,
                                 "description": "required unless approving. " + TEXT_RULE}}, ["decision"])
RETURN_REQUEST = body({"to_step": {"type": "string", "minLength": 1,
                                    "description": "an earlier step the request passed (see return-targets)"},
                        "reason": {"type": "string", "minLength": 1, "maxLength": MAX_REASON_LENGTH, "pattern": "\\S",
                                   "description": "why (required, told to the step's holder). " + TEXT_RULE}},
                      ["to_step", "reason"])
COMMENT_REQUEST = body({"body": {"type": "string", "minLength": 1, "maxLength": MAX_COMMENT_LENGTH, "pattern": "\\S",
                                  "description": "the comment (not only white space). " + TEXT_RULE}}, ["body"])

from .modeler_schemas import MODELER_COMPONENTS  # noqa: E402 - they are built with the helpers above

COMPONENTS: dict[str, Schema] = {
    "Task": TASK, "TaskDetail": TASK_DETAIL, "OpenTask": OPEN_TASK, "Instance": INSTANCE,
    "InstanceDetail": INSTANCE_DETAIL, "HistoryEvent": HISTORY_EVENT, "Comment": COMMENT,
    "ProcessDefinition": PROCESS_DEFINITION, "Assignment": ASSIGNMENT, "Completion": COMPLETION, "Error": ERROR,
    "Transfer": TRANSFER, "Urged": URGED, "Withdrawn": WITHDRAWN, "RestartData": RESTART_DATA, "Cancelled": CANCELLED,
    "CancelRequest": CANCEL_REQUEST, "TransferRequest": TRANSFER_REQUEST, "UrgeRequest": URGE_REQUEST,
    "WithdrawRequest": WITHDRAW_REQUEST, "Attachment": ATTACHMENT, "AttachRequest": ATTACHMENT_UPLOAD,
    "CopyResult": COPY_RESULT, "CopyEntry": COPY_ENTRY, "CopyRequest": COPY_REQUEST,
    "ApprovalStepRow": APPROVAL_STEP, "ApprovalRound": APPROVAL_ROUND, "DelegateRequest": DELEGATE_REQUEST,
    "AddSignersRequest": ADD_SIGNERS_REQUEST, "RemoveSignerRequest": REMOVE_SIGNER_REQUEST, "SignRequest": SIGN_REQUEST,
    "ReturnTarget": RETURN_TARGET, "ReturnTargets": RETURN_TARGETS, "Returned": RETURNED,
    "ReturnRequest": RETURN_REQUEST, "Integrity": INTEGRITY,
    "StartRequest": START_REQUEST, "CompleteRequest": COMPLETE_REQUEST, "AssignRequest": ASSIGN_REQUEST,
    "CommentRequest": COMMENT_REQUEST, "Absence": ABSENCE, "AbsenceRequest": ABSENCE_REQUEST,
    "BulkApproval": BULK_APPROVAL, "BulkRefusal": BULK_REFUSAL, "BulkApproveRequest": BULK_APPROVE_REQUEST,
    **MODELER_COMPONENTS,
}
