"""openapi.json against the app: the same routes both ways, a valid document, answers as documented."""

from __future__ import annotations

import copy
import io
import re
from typing import Any

import openapi_spec_validator
import pytest
from jsonschema import Draft202012Validator

from tests.api.helpers import API
from tests.api.modeler_calls import exercise_modeler
from tests.journey import DRAFT, RESEARCH, START, decision
from webui.api.errors import FALLBACK_ENDPOINT

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def openapi_path(rule: str) -> str:
    """Werkzeug's ``/tasks/<int:task_id>`` in OpenAPI syntax: ``/tasks/{task_id}``."""
    return re.sub(r"<(?:[^<>]*:)?([A-Za-z_]\w*)>", r"{\1}", rule)


@pytest.fixture
def document(sqlite_app) -> dict[str, Any]:
    response = sqlite_app.test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return dict(response.get_json())


def test_every_route_is_documented_and_every_documented_route_exists(sqlite_app, document):
    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in sqlite_app.url_map.iter_rules()
        if rule.rule.startswith(f"{API}/") and not rule.endpoint.endswith(FALLBACK_ENDPOINT)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert document["servers"] == [{"url": API}]
    documented = {(API + path, method) for path, item in document["paths"].items() for method in item
                  if method in HTTP_METHODS}
    assert routes == documented
    assert len(routes) == 68


def test_the_document_is_valid_openapi(document):
    openapi_spec_validator.validate(document)
    for path, item in document["paths"].items():
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path
    assert set(document["components"]["schemas"]) >= {
        "Task", "TaskDetail", "Instance", "HistoryEvent", "Error", "Comment"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def closed(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` wherever it lists properties: every field documented."""
    if isinstance(schema, dict):
        schema = {key: closed(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [closed(value) for value in schema]
    return schema


class DocumentedClient:
    """Sends requests as users and checks each answer against the document's schema for it."""

    def __init__(self, users, document: dict[str, Any]) -> None:
        self.users = users
        self.document = document
        self.components = closed(copy.deepcopy(document["components"]))
        self.seen: set[tuple[str, str]] = set()

    def call(self, username: str, method: str, template: str, body: Any = None, expect: int = 200,
             query: dict[str, Any] | None = None, upload: dict[str, Any] | None = None, **params: Any) -> Any:
        user = self.users[username]
        path = template.format(**params)
        query = {**{k: v for k, v in params.items() if f"{{{k}}}" not in template}, **(query or {})}
        if upload is not None:  # multipart/form-data: files and fields
            response = user.client.post(API + path, data=upload, headers=user.headers,
                                        content_type="multipart/form-data")
        elif method in ("put", "delete"):
            response = user.client.open(API + path, method=method.upper(), json=body, headers=user.headers,
                                        query_string=query)
        else:
            response = user.post(path, body) if method == "post" else user.get(path, **query)
        assert response.status_code == expect, (method, path, response.get_json())
        answers = self.document["paths"][template][method]["responses"]
        assert str(expect) in answers, f"{method} {template} answered {expect}, which is not documented"
        answer = answers[str(expect)]
        self.seen.add((template, method))
        if "content" not in answer and "$ref" not in answer:
            return None  # 204: no body
        if "application/xml" in answer.get("content", {}):
            return response.get_data(as_text=True)
        if "$ref" in answer:
            answer = self.document["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
        media = next(iter(answer["content"]))
        if media == "text/html":  # the explorer page
            assert response.mimetype == "text/html"
            self.seen.add((template, method))
            return response.get_data(as_text=True)
        if media != "application/json":  # a file (an XES log, a bundle): the documented type, not empty
            assert media in (response.mimetype, "*/*") and response.data, (method, path, response.mimetype)
            self.seen.add((template, method))
            return response.data
        schema = {**closed(answer["content"]["application/json"]["schema"]), "components": self.components}
        Draft202012Validator(schema).validate(response.get_json())
        return response.get_json()


def test_the_answers_are_what_the_document_says(sqlite_users, document):
    api = DocumentedClient(sqlite_users, document)
    task, instance = "/tasks/{task_id}", "/process-instances/{instance_id}"
    api.call("li.na", "get", "/process-definitions")
    api.call("li.na", "post", "/process-definitions/{key}/start", {"data": {}}, 400, key="market_plan")
    api.call("wang.lei", "post", "/process-definitions/{key}/start", {"data": START}, 403, key="market_plan")
    plan = api.call("li.na", "post", "/process-definitions/{key}/start", {"data": START}, 201, key="market_plan")["id"]

    research = api.call("wang.lei", "get", "/tasks", sort="due")["items"][0]["id"]
    api.call("wang.lei", "get", task, task_id=research)
    api.call("zhang.min", "get", task, expect=403, task_id=research)
    api.call("wang.lei", "post", f"{task}/claim", task_id=research)
    api.call("wang.lei", "post", f"{task}/unclaim", task_id=research)
    api.call("li.na", "post", f"{task}/assign", {"user": "wang.lei"}, task_id=research)
    api.call("li.na", "post", f"{task}/comments", {"body": "Mind the estates"}, 201, task_id=research)
    api.call("wang.lei", "get", f"{task}/comments", task_id=research)
    api.call("wang.lei", "post", f"{task}/complete", {"data": {}}, 400, task_id=research)
    api.call("wang.lei", "post", f"{task}/complete", {"data": RESEARCH}, task_id=research)
    api.call("wang.lei", "post", f"{task}/complete", {"data": RESEARCH}, 409, task_id=research)

    draft = api.call("zhang.min", "get", "/tasks")["items"][0]["id"]
    files = f"{task}/attachments"
    [added] = api.call("zhang.min", "post", files, expect=201, task_id=draft,
                       upload={"file": (io.BytesIO(PDF), "方案.pdf"), "field": "plan_document"})["items"]
    api.call("zhang.min", "post", files, expect=400, task_id=draft,
             upload={"file": (io.BytesIO(b"MZ\x90"), "plan.pdf"), "field": "plan_document"})
    api.call("zhou.jie", "post", files, expect=403, task_id=draft, upload={"file": (io.BytesIO(PDF), "x.pdf")})
    assert api.call("chen.yu", "get", files, task_id=draft)["items"] == [added]
    assert api.call("chen.yu", "get", f"{files}/{{ref}}", task_id=draft, ref=added["sha256"]) == PDF
    api.call("zhou.jie", "get", f"{files}/{{ref}}", expect=403, task_id=draft, ref=added["sha256"])
    api.call("zhang.min", "post", f"{task}/complete", {"data": {**DRAFT, "plan_document": added["sha256"]}},
             task_id=draft)
    review = api.call("li.na", "get", "/tasks")["items"][0]["id"]
    api.call("li.na", "get", task, task_id=review)
    bulk = api.call("li.na", "post", "/tasks/bulk-approve", {"task_ids": [review, review]})
    assert bulk["approved"] == [] and [r["error"] for r in bulk["refused"]] == ["invalid"]  # the step does not allow it
    api.call("li.na", "post", "/tasks/bulk-approve", {"task_ids": []}, 400)
    api.call("li.na", "post", f"{task}/complete", {"data": decision("return", "More detail")}, task_id=review)

    api.call("li.na", "get", "/process-instances", mine="true")
    api.call("li.na", "get", instance, instance_id=plan)
    api.call("li.na", "get", instance, expect=404, instance_id=plan + 1)
    api.call("li.na", "get", f"{instance}/history", instance_id=plan)
    comments = api.call("zhang.min", "get", f"{instance}/comments", instance_id=plan)["items"]
    assert [(c["step"], c["body"]) for c in comments] == [("research", "Mind the estates")]  # made on research
    api.call("zhou.jie", "get", f"{instance}/comments", expect=403, instance_id=plan)
    copied = api.call("li.na", "post", f"{instance}/cc", {"to": ["zhou.jie"], "note": "FYI"}, 201, instance_id=plan)
    assert copied == {"instance_id": plan, "copied": ["zhou.jie"], "already": []}
    assert [c["instance_id"] for c in api.call("zhou.jie", "get", "/cc", unread="true")["items"]] == [plan]
    api.call("zhou.jie", "get", f"{instance}/comments", instance_id=plan)  # a copy may read the request
    api.call("zhou.jie", "post", f"{instance}/cc", {"to": ["wu.fang"]}, 403, instance_id=plan)
    api.call("li.na", "post", f"{instance}/cc", {"to": ["no.such.person"]}, 400, instance_id=plan)
    away, window = "/me/out-of-office", {"from": "2099-01-01", "to": "2099-01-05", "proxy": "zhou.jie"}
    api.call("wang.lei", "get", away, expect=404)
    as_of = api.call("he.ping", "get", "/people/{person}/as-of", person="zhou.jie", query={"date": "2026-01-05"})
    assert as_of["username"] == "zhou.jie"
    api.call("zhou.jie", "get", "/people/{person}/as-of", expect=403, person="zhou.jie",
             query={"date": "2026-01-05"})
    set_away = api.call("wang.lei", "put", away, window)
    assert (set_away["proxy"], set_away["from"], set_away["active"]) == ("zhou.jie", "2099-01-01", False)
    assert api.call("wang.lei", "get", away)["to"] == "2099-01-05"
    api.call("wang.lei", "put", away, {**window, "proxy": "wang.lei"}, 400)
    api.call("wang.lei", "put", away, {**window, "to": "not a date"}, 400)
    api.call("zhou.jie", "get", away, expect=403, query={"user": "wang.lei"})
    assert api.call("admin", "get", away, query={"user": "wang.lei"})["set_by"] == "wang.lei"
    api.call("wang.lei", "delete", away, expect=204)
    api.call("wang.lei", "get", away, expect=404)
    xes = api.call("he.ping", "get", "/process-definitions/{key}/log.xes", key="market_plan")
    assert xes.startswith("<?xml") and "<trace>" in xes  # application/xml answers come back as text
    assert '<string key="concept:name" value="Market research report"/>' in xes  # named as the model names it
    by_id = api.call("he.ping", "get", "/process-definitions/{key}/log.xes", key="market_plan", query={"label": "id"})
    assert '<string key="concept:name" value="research"/>' in by_id
    assert '<string key="concept:name" value="Market research report"/>' not in by_id
    api.call("he.ping", "get", "/process-definitions/{key}/log.xes", expect=400, key="market_plan",
             query={"label": "title"})
    api.call("li.na", "get", "/process-definitions/{key}/log.xes", expect=403, key="market_plan")
    assert api.call("he.ping", "get", f"{instance}/bundle", instance_id=plan).startswith(b"PK")
    assert api.call("he.ping", "get", f"{instance}/case.pdf", instance_id=plan).startswith(b"%PDF")
    api.call("chen.yu", "get", f"{instance}/case.pdf", expect=403, instance_id=plan)  # his department: no exports
    badge = api.call("he.ping", "get", f"{instance}/integrity", instance_id=plan)
    assert badge["chain_ok"] and badge["included"] and badge["signature_ok"]  # the bundle made a checkpoint
    api.call("li.na", "get", f"{instance}/integrity", expect=403, instance_id=plan)
    api.call("li.na", "get", "/openapi.json")

    found = api.call("he.ping", "get", "/audit/instances", query={"process": "market_plan", "limit": 1})
    assert found["items"][0]["id"] == plan
    api.call("he.ping", "get", "/audit/instances", query={"status": "lost"}, expect=400)
    api.call("li.na", "get", "/audit/instances", expect=403)
    view = api.call("he.ping", "get", "/audit/instances/{instance_id}", instance_id=plan)
    assert view["integrity"]["chain_ok"] is True and view["path"]["loops"] == {"draft_plan": 2}
    api.call("he.ping", "get", "/audit/instances/{instance_id}", expect=404, instance_id=plan + 1)
    replay = "/process-instances/{instance_id}/replay"
    # step 8: after the draft's file (attachment_added) and the draft's completion
    assert api.call("he.ping", "get", replay, query={"step": 8}, instance_id=plan)["open_tasks"][0]["name"] == \
        "manager_review"
    api.call("he.ping", "get", replay, query={"step": 99}, expect=400, instance_id=plan)
    api.call("he.ping", "get", replay, expect=400, instance_id=plan)
    api.call("li.na", "get", replay, query={"step": 1}, expect=403, instance_id=plan)
    heat = "/process-definitions/{key}/versions/{version}/heatmap"
    assert api.call("he.ping", "get", heat, key="market_plan", version=1)["instances"] == 1
    api.call("he.ping", "get", heat, expect=404, key="market_plan", version=9)
    assert api.call("admin", "get", "/audit/access-log", query={"limit": 2})["next"] is not None
    api.call("admin", "get", "/audit/access-log", query={"limit": 0}, expect=400)
    api.call("chen.yu", "get", "/audit/access-log", expect=403)
    assert api.call("he.ping", "get", "/audit/breaches", query={"process": "market_plan"}) == []  # none late yet
    api.call("he.ping", "get", "/audit/breaches", query={"from": "soon"}, expect=400)
    api.call("li.na", "get", "/audit/breaches", expect=403)
    assert api.call("he.ping", "get", "/audit/sod", query={"process": "market_plan"}) == []
    api.call("he.ping", "get", "/audit/sod", query={"to": "later"}, expect=400)
    api.call("zhou.jie", "get", "/audit/sod", expect=403)
    # return to an earlier step (驳回): the drafter the manager returned the plan to sends it back to research
    redraft = api.call("zhang.min", "get", "/tasks")["items"][0]["id"]
    targets = api.call("zhang.min", "get", f"{task}/return-targets", task_id=redraft)
    assert [t["name"] for t in targets["targets"]] == ["research"] and targets["straight_back"] is True
    api.call("zhang.min", "post", f"{task}/return", {"to_step": "manager_review", "reason": "x"}, 400, task_id=redraft)
    api.call("zhang.min", "post", f"{task}/return", {"to_step": "research", "reason": " "}, 400, task_id=redraft)
    api.call("li.na", "post", f"{task}/return", {"to_step": "research", "reason": "x"}, 403, task_id=redraft)
    back = api.call("zhang.min", "post", f"{task}/return", {"to_step": "research", "reason": "Need prices"},
                    task_id=redraft)
    assert (back["from_step"], back["to_step"], back["straight_back"]) == ("draft_plan", "research", True)
    api.call("zhang.min", "post", f"{task}/return", {"to_step": "research", "reason": "again"}, 409, task_id=redraft)
    api.call("zhang.min", "get", f"{task}/return-targets", expect=409, task_id=redraft)
    assert api.call("zhang.min", "get", task, task_id=redraft)["state"] == "returned"
    note = api.call("wang.lei", "get", task, task_id=back["new_task_id"])["return_note"]
    assert note == {"from_step": "draft_plan", "by": "zhang.min", "reason": "Need prices", "straight_back": True}
    exercise_signers(api)
    exercise_modeler(api)
    exercise_simulation(api)
    api.call("li.na", "get", "/docs")
    # Transfer, urge, withdraw and start again (issue 19), on two more plans.
    moved = api.call("li.na", "post", "/process-definitions/{key}/start", {"data": START}, 201,
                     key="market_plan")["id"]
    [moved_research] = [t["id"] for t in api.call("wang.lei", "get", "/tasks")["items"] if t["instance_id"] == moved]
    assert api.call("li.na", "post", f"{task}/urge", {}, task_id=moved_research)["told"] == ["wang.lei"]
    api.call("li.na", "post", f"{task}/urge", None, 429, task_id=moved_research)  # once an hour
    api.call("zhou.jie", "post", f"{task}/urge", None, 403, task_id=moved_research)
    api.call("wang.lei", "post", f"{task}/transfer", {"to": "wang.lei", "reason": "x"}, 400, task_id=moved_research)
    api.call("wang.lei", "post", f"{task}/transfer", {"to": "zhou.jie"}, 400, task_id=moved_research)  # no reason
    api.call("wang.lei", "post", f"{task}/transfer", {"to": "zhao.qiang", "reason": "x"}, 403,
             task_id=moved_research)  # outside the default rule
    moved_to = api.call("wang.lei", "post", f"{task}/transfer", {"to": "zhou.jie", "reason": "Away"},
                        task_id=moved_research)
    assert (moved_to["from"], moved_to["to"]) == (None, "zhou.jie")
    api.call("li.na", "post", f"{instance}/withdraw", {"reason": "Too late"}, 409, instance_id=moved)  # acted on
    api.call("li.na", "get", f"{instance}/restart-data", expect=409, instance_id=moved)  # still running
    api.call("li.na", "post", f"{instance}/cancel", {"reason": "Not hers"}, 403, instance_id=moved)
    api.call("admin", "post", f"{instance}/cancel", {"reason": " "}, 400, instance_id=moved)
    api.call("admin", "post", f"{instance}/cancel", {"reason": "Gone"}, 404, instance_id=999_999)
    assert api.call("admin", "post", f"{instance}/cancel", {"reason": "重复提交"}, instance_id=moved) == {
        "id": moved, "status": "cancelled"}
    api.call("admin", "post", f"{instance}/cancel", {"reason": "again"}, 409, instance_id=moved)
    regret = api.call("li.na", "post", "/process-definitions/{key}/start", {"data": START}, 201,
                      key="market_plan")["id"]
    api.call("zhang.min", "post", f"{instance}/withdraw", {"reason": "Not hers"}, 403, instance_id=regret)
    withdrawn = api.call("li.na", "post", f"{instance}/withdraw", {"reason": "预算方向有变"}, instance_id=regret)
    assert (withdrawn["status"], withdrawn["end_event"]) == ("cancelled", "withdrawn")
    again = api.call("li.na", "get", f"{instance}/restart-data", instance_id=regret)
    assert again == {"instance_id": regret, "process": "market_plan", "data": START}
    api.call("li.na", "post", "/process-definitions/{key}/start", {"data": again["data"]}, 201, key=again["process"])
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert api.seen == documented


def exercise_simulation(api: DocumentedClient) -> None:
    """Route preview (流程预测) for a starter and for a task; simulation for an analyst (issue 23)."""
    preview, key = "/process-definitions/{key}/preview", "market_plan"
    route = api.call("zhang.min", "post", preview, {"data": {**START, "budget_cny": 1_200_000}}, key=key)
    assert [s["step"] for s in route["steps"]][-1] == "joint_signoff" and route["end_event"] == "approved"
    api.call("zhang.min", "post", preview, {"data": "budget"}, 400, key=key)
    api.call("wang.lei", "post", preview, {"data": START}, 403, key=key)
    api.call("zhang.min", "post", preview, {"data": START}, 404, key="no_such_process")
    api.call("li.na", "post", "/process-definitions/{key}/start", {"data": START}, 201, key=key)
    research = api.call("wang.lei", "get", "/tasks")["items"][0]["id"]
    after = api.call("wang.lei", "post", "/tasks/{task_id}/preview", {"data": {}}, task_id=research)
    assert after["steps"][0]["step"] == "research"
    api.call("zhou.jie", "post", "/tasks/{task_id}/preview", {}, 403, task_id=research)
    fitted = api.call("gao.yan", "get", "/process-definitions/{key}/simulation-parameters", key=key)
    assert fitted["scenario"]["people"]["research_supervisor"] == 1
    api.call("li.na", "get", "/process-definitions/{key}/simulation-parameters", expect=403, key=key)
    runs = "/process-definitions/{key}/simulations"
    one = api.call("gao.yan", "post", runs, {"changes": {"cases": 5, "seed": 2}}, key=key)
    assert one["cases"] == 5 and one["cycle_time"]["median"] is not None
    both = api.call("gao.yan", "post", runs, {"changes": {"cases": 5}, "compare": {
        "label": "+1 reviewer", "changes": {"cases": 5, "people": {"marketing_manager": 2}}}}, key=key)
    assert both["right"]["label"] == "+1 reviewer"
    api.call("gao.yan", "post", runs, {"changes": {"cases": 0}}, 400, key=key)
    api.call("li.na", "post", runs, {"changes": {"cases": 5}}, 403, key=key)


def exercise_signers(api: DocumentedClient) -> None:
    """Delegate (委派), add signers (加签), sign and remove one (减签) on a new plan."""
    task = "/tasks/{task_id}"
    api.call("li.na", "post", "/process-definitions/{key}/start", {"data": START}, 201, key="market_plan")
    research = api.call("wang.lei", "get", "/tasks")["items"][0]["id"]
    api.call("zhou.jie", "post", f"{task}/delegate", {"to": "wu.fang", "reason": "x"}, 403, task_id=research)
    api.call("wang.lei", "post", f"{task}/delegate", {"to": "no.such.person", "reason": "x"}, 400, task_id=research)
    handed = api.call("wang.lei", "post", f"{task}/delegate", {"to": "zhou.jie", "reason": "请整理"}, task_id=research)
    assert (handed["holder"], handed["acting"]) == ("wang.lei", "zhou.jie")
    api.call("zhou.jie", "post", f"{task}/complete", {"data": RESEARCH}, task_id=research)
    assert api.call("wang.lei", "get", f"{task}/signers", task_id=research)["acting"] == "wang.lei"
    api.call("wang.lei", "post", f"{task}/complete", {"data": RESEARCH}, task_id=research)
    api.call("wang.lei", "post", f"{task}/delegate", {"to": "zhou.jie", "reason": "x"}, 409, task_id=research)
    draft = api.call("zhang.min", "get", "/tasks")["items"][0]["id"]
    body = {"people": ["wang.lei", "zhou.jie"], "position": "before", "reason": "请先看"}
    api.call("zhang.min", "post", f"{task}/add-signers", {**body, "people": ["nobody.here"]}, 400, task_id=draft)
    api.call("zhang.min", "post", f"{task}/add-signers", {**body, "position": "later"}, 400, task_id=draft)
    assert api.call("zhang.min", "post", f"{task}/add-signers", body, task_id=draft)["acting"] == "wang.lei"
    api.call("zhou.jie", "post", f"{task}/sign", {"decision": "approve"}, 409, task_id=draft)  # not his turn
    api.call("wang.lei", "post", f"{task}/sign", {"decision": "approve"}, task_id=draft)
    back = api.call("zhang.min", "post", f"{task}/remove-signer", {"person": "zhou.jie"}, task_id=draft)
    assert back["acting"] == "zhang.min"
    api.call("zhang.min", "post", f"{task}/remove-signer", {"person": "wang.lei"}, 409, task_id=draft)  # he signed
