"""The audit routes in the OpenAPI document: their answers' schemas and their operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.audit.access_log import MAX_PAGE
from engine.audit.move_search import MOVES
from engine.audit.search import DATE_FIELDS, MAX_LIMIT, ORDERS, SORTS
from engine.runtime.instance_views import INSTANCE_STATUSES

from .schemas import BOOLEAN, INTEGER, OBJECT, STRING, TIME, Schema, nullable, obj, ref

ANY: Schema = {}
NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
COUNTS: Schema = {"type": "object", "additionalProperties": INTEGER}
NAMES: Schema = {"type": "object", "additionalProperties": STRING}
STRINGS: Schema = {"type": "array", "items": STRING}

AUDIT_INSTANCE = obj({
    "id": INTEGER, "process": STRING, "version": INTEGER, "title": STRING, "status": STRING,
    "end_event": nullable(STRING), "started_by": STRING, "started_at": TIME, "ended_at": nullable(TIME),
    "events": {"type": "integer", "description": "events in its history"},
}, "An instance found by the audit search.")
AUDIT_PAGE = obj({"items": {"type": "array", "items": ref("AuditInstance")},
                  "next": {"type": ["string", "null"], "description": "pass as `after` for the next page"}})
PATH = obj({
    "visits": {**COUNTS, "description": "element id: how often a token reached it"},
    "flows": {**COUNTS, "description": "sequence flow id: how often it was taken"},
    "inferred": {**STRINGS, "description": "elements the log does not name, inferred from the model"},
    "unresolved": {**STRINGS, "description": "logged elements the model left several ways to"},
    "current": {**STRINGS, "description": "where the instance waits (open tasks)"},
    "ended": nullable(STRING), "loops": {**COUNTS, "description": "elements reached more than once"},
    "stopped": {**STRINGS, "description": "steps open when the request was cancelled or withdrawn: not passed"},
    "names": {**NAMES, "description": "element id: its name in the BPMN"},
    "names_zh": {**NAMES, "description": "element id: its Chinese name (property titleZh), where given"},
}, "The path a token took through the instance's own version.")
REPLAY_TASK = obj({"id": nullable(INTEGER), "name": STRING, "role": STRING, "assignee": nullable(STRING),
                   "since": TIME, "due_at": nullable(TIME), "title": STRING, "title_zh": STRING})
STEP_FIELDS: dict[str, Schema] = {
    "step": INTEGER, "seq": {"type": "integer", "description": "the step's first event"},
    "last_seq": INTEGER, "kind": {"type": "string", "description": "what began it, e.g. task_completed"},
    "at": TIME, "actor": nullable(STRING), "task_name": nullable(STRING), "task_id": nullable(INTEGER),
    "role": {"type": "string", "description": "the role the task was for ('' when not a task)"},
    "decision": nullable(STRING), "comment": nullable(STRING),
    "to": {"type": ["string", "null"], "description": "whom a task was assigned to"},
    "on_behalf_of": {"type": ["string", "null"], "description": "out of office (代理): the person away the actor, "
                     "their proxy, acted for"},
    "decider_roles": {"type": ["array", "null"], "items": STRING,
                      "description": "the roles the decider held when deciding (null: not recorded)"},
    "decider_unit": {"type": ["string", "null"], "description": "the unit the decider belonged to then"},
}
STEP_EVENT = obj(STEP_FIELDS, "What began a step.")
FOLLOW_UP = obj({"seq": INTEGER, "kind": STRING, "task_name": nullable(STRING), "task_id": nullable(INTEGER),
                 "role": nullable(STRING), "gateway": nullable(STRING),
                 "to": {"type": ["array", "null"], "items": STRING}, "end_event": nullable(STRING)})
CHANGE = obj({"key": STRING, "before": ANY, "after": ANY, "added": BOOLEAN, "removed": BOOLEAN,
              "changed_fields": {**STRINGS, "description": "inner fields that changed, when both are objects"}})
AUDIT_STEP = obj({**STEP_FIELDS, "follow_ups": {"type": "array", "items": ref("AuditFollowUp")},
                  "changes": {"type": "array", "items": ref("AuditChange")}, "open_after": INTEGER},
                 "A step with what the engine did in consequence and the data before and after.")
REPLAY = obj({
    "instance_id": INTEGER, "step": INTEGER, "steps": INTEGER, "seq": {"type": "integer",
                                                                      "description": "the step's last event"},
    "first_seq": INTEGER, "at": TIME, "event": ref("AuditStepEvent"),
    "data": {"type": "object", "description": "the instance's data right after the step"},
    "open_tasks": {"type": "array", "items": ref("ReplayTask")}, "status": STRING, "end_event": nullable(STRING),
    "path": ref("AuditPath"),
}, "An instance as it was right after one step, rebuilt from its log.")
AUDIT_VIEW = obj({
    "id": INTEGER, "process": STRING, "version": INTEGER, "definition_id": INTEGER, "process_title": STRING,
    "process_title_zh": STRING, "title": STRING, "status": STRING, "end_event": nullable(STRING),
    "business_key": nullable(STRING), "parent_id": nullable(INTEGER), "started_by": STRING, "started_at": TIME,
    "ended_at": nullable(TIME), "events": INTEGER, "steps": {"type": "array", "items": ref("AuditStep")},
    "open_tasks": {"type": "array", "items": ref("ReplayTask")}, "data": OBJECT,
    "tasks": {"type": "object", "additionalProperties": obj({"title": STRING, "title_zh": STRING, "lane": STRING})},
    "elements": NAMES, "elements_zh": NAMES, "path": ref("AuditPath"), "integrity": ref("Integrity"),
}, "An instance for its auditors, step by step.")
DURATIONS = obj({"count": INTEGER, "median_s": NUMBER_OR_NULL, "p90_s": NUMBER_OR_NULL,
                 "median_working_s": NUMBER_OR_NULL, "p90_working_s": NUMBER_OR_NULL},
                "Seconds, elapsed and on working days; median and p90 by nearest rank.")
HEAT_ELEMENT = obj({
    "id": STRING, "type": STRING, "name": STRING, "name_zh": STRING, "instances": INTEGER, "passes": INTEGER,
    "inferred_in": {"type": "integer", "description": "instances in which its pass was inferred"},
    "auto_passed": {"type": "integer", "description": "of its passes, those passed automatically because the same "
                                                      "person had just approved the step before (自动去重)"},
    "open_now": INTEGER,
    "times": {"type": "object", "properties": {"open": ref("Durations"), "wait": ref("Durations"),
                                               "held": ref("Durations")}},
})
HEATMAP = obj({
    "process": STRING, "version": INTEGER, "definition_id": INTEGER, "title": STRING, "title_zh": STRING,
    "instances": INTEGER, "by_status": COUNTS, "by_end": COUNTS, "cycle_time": ref("Durations"),
    "time_basis": STRING, "computed_at": TIME, "elements": {"type": "array", "items": ref("HeatElement")},
    "flows": {"type": "array", "items": obj({"id": STRING, "source": STRING, "target": STRING, "name": STRING,
                                             "name_zh": STRING, "taken": INTEGER, "instances": INTEGER})},
    "gateways": {"type": "array", "items": obj({
        "id": STRING, "name": STRING, "name_zh": STRING, "passes": INTEGER,
        "paths": {"type": "array", "items": obj({"flow": STRING, "to": STRING, "name": STRING, "name_zh": STRING,
                                                 "count": INTEGER,
                                                 "share": NUMBER_OR_NULL})}})},
}, "A version's passes, times and gateway paths, over the instances the caller may audit, as worked out at "
   "`computed_at` (a node gives the same numbers for up to a minute, and for up to an hour while no history "
   "event has been written and no one's rights have changed).")
ACCESS_ENTRY = obj({"id": INTEGER, "at": TIME, "viewer": STRING,
                    "what": {"type": "string", "description": "search, instance, replay, diagram, heatmap, "
                                                              "access_log or export"},
                    "instance_id": nullable(INTEGER), "definition_id": nullable(INTEGER),
                    "process": nullable(STRING), "version": nullable(INTEGER), "detail": STRING})
ACCESS_PAGE = obj({"items": {"type": "array", "items": ref("AccessEntry")},
                   "next": {"type": ["integer", "null"], "description": "pass as `before` for older entries"}})

BREACH = obj({"task_id": INTEGER, "instance_id": INTEGER, "process": STRING, "instance_title": STRING, "step": STRING,
              "step_title": STRING, "step_title_zh": STRING, "holder": nullable(STRING), "due_at": TIME,
              "done_at": nullable(TIME),
              "state": {"type": "string", "enum": ["completed", "expired", "open"],
                        "description": "done late, closed unfinished at its due time, or still open past it"},
              "late_minutes": INTEGER, "escalated": {"type": "boolean"}})

SOD_FINDING = obj({"kind": {"type": "string", "enum": ["same_person", "override"],
                            "description": "one person did both steps, or the rule was overridden for the step"},
                   "instance_id": INTEGER, "instance_title": STRING, "process": STRING, "step": STRING,
                   "other_step": {"type": "string", "description": "the step the rule keeps apart from `step`"},
                   "person": nullable(STRING), "by": nullable(STRING), "reason": nullable(STRING), "at": TIME,
                   "task_id": nullable(INTEGER)})

AUDIT_COMPONENTS: dict[str, Schema] = {
    "Breach": BREACH, "SodFinding": SOD_FINDING,
    "AuditInstance": AUDIT_INSTANCE, "AuditPage": AUDIT_PAGE, "AuditPath": PATH, "ReplayTask": REPLAY_TASK,
    "AuditStepEvent": STEP_EVENT, "AuditFollowUp": FOLLOW_UP, "AuditChange": CHANGE, "AuditStep": AUDIT_STEP,
    "Replay": REPLAY, "AuditView": AUDIT_VIEW, "Durations": DURATIONS,
    "HeatElement": HEAT_ELEMENT, "Heatmap": HEATMAP, "AccessEntry": ACCESS_ENTRY, "AccessPage": ACCESS_PAGE,
}


def audit_paths(operation: Callable[..., dict[str, Any]], param: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The audit routes, built with openapi.py's ``_operation`` and ``_param``."""
    instance_id = param("instance_id", "path", {"type": "integer", "minimum": 1}, "instance id")
    text = {"type": "string"}
    search = [
        param("process", "query", text, "process key"), param("version", "query", {"type": "integer", "minimum": 1},
                                                              "version (with process)"),
        param("status", "query", {"type": "string", "enum": list(INSTANCE_STATUSES)}, "status"),
        param("end", "query", text, "end event reached, e.g. approved"),
        param("started_by", "query", text, "who started it (username)"),
        param("actor", "query", text, "who completed a step of it (username)"),
        param("from", "query", {"type": "string", "format": "date"}, "first day (China time)"),
        param("to", "query", {"type": "string", "format": "date"}, "last day, included"),
        param("dates", "query", {"type": "string", "enum": list(DATE_FIELDS), "default": "started"},
              "whether from/to bound the start or the end"),
        param("q", "query", text, "text in the title (% and _ match themselves)"),
        param("rework", "query", {"type": "boolean"}, "true: a person's step was done more than once"),
        param("breached", "query", {"type": "boolean"}, "true: a step passed its due time (超时)"),
        param("move", "query", {"type": "string", "enum": list(MOVES)},
              "a move made on it: transferred (转办), delegated (委派), signers_added (加签), signer_removed (减签), "
              "countersigned (会签), returned (驳回), withdrawn (撤回), urged (催办), copied (抄送), attached (附件), "
              "auto_passed (自动去重), on_behalf_of (代理: a task went to a proxy for someone away)"),
        param("sort", "query", {"type": "string", "enum": list(SORTS), "default": "started"},
              "ended lists ended instances only"),
        param("order", "query", {"type": "string", "enum": list(ORDERS), "default": "desc"}, "desc or asc"),
        param("after", "query", text, "the `next` cursor of the previous page"),
        param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}, "page size"),
    ]
    step = {**param("step", "query", {"type": "integer", "minimum": 1}, "the step (1 is the start)"),
            "required": True}
    log = [param("viewer", "query", text, "only this viewer"),
           param("instance", "query", {"type": "integer", "minimum": 1}, "only looks at this instance"),
           param("before", "query", {"type": "integer", "minimum": 1}, "the `next` of the previous page"),
           param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100},
                 "page size")]
    return {
        "/audit/instances": {"get": operation(
            "searchAuditInstances", "Instances the caller may audit, filtered, with keyset paging", "audit",
            (200, ref("AuditPage"), "One page"), [400, 403], search)},
        "/audit/instances/{instance_id}": {"get": operation(
            "getAuditInstance", "An instance step by step, with its path and its verified badge", "audit",
            (200, ref("AuditView"), "The instance"), [403, 404], [instance_id])},
        "/process-instances/{instance_id}/replay": {"get": operation(
            "replayInstance", "The instance as it was right after a step, rebuilt from its log", "audit",
            (200, ref("Replay"), "The state after the step"), [400, 403, 404], [instance_id, step])},
        "/process-definitions/{key}/versions/{version}/heatmap": {"get": operation(
            "getHeatmap", "Passes, times and gateway paths of one version", "audit",
            (200, ref("Heatmap"), "The heatmap"), [403, 404],
            [param("key", "path", text, "process key"),
             param("version", "path", {"type": "integer", "minimum": 1}, "version")])},
        "/audit/breaches": {"get": operation(
            "listBreaches", "Steps that passed their due time (超时), the latest due first", "audit",
            (200, {"type": "array", "items": ref("Breach")}, "The breaches"), [400, 403, 404], [
                param("process", "query", text, "process key"),
                param("person", "query", text, "who held the step (username)"),
                param("from", "query", {"type": "string", "format": "date"}, "first due day (China time)"),
                param("to", "query", {"type": "string", "format": "date"}, "last due day, included"),
                param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
                      "at most this many")])},
        "/audit/sod": {"get": operation(
            "listSodFindings", "Separation of duties: one person on both sides of a rule, and every override",
            "audit", (200, {"type": "array", "items": ref("SodFinding")}, "Newest first"), [400, 403], [
                param("process", "query", text, "process key"),
                param("person", "query", text, "who did both steps, or who overrode (username)"),
                param("from", "query", {"type": "string", "format": "date"}, "first day (China time)"),
                param("to", "query", {"type": "string", "format": "date"}, "last day, included")])},
        "/audit/access-log": {"get": operation(
            "listAccessLog", "Who looked at what through the audit workspace (auditors and admins)", "audit",
            (200, ref("AccessPage"), "Newest first"), [400, 403], log)},
    }
