"""The modeler's REST routes, called as the OpenAPI test does (each answer checked against the document)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.modeler_steps import BUDGET_FORM, BUDGET_FORM_NAME, MARKET_PLAN, with_budget_check

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"


def market_plan_forms() -> dict[str, str]:
    return {f"market_plan/{p.name}": p.read_text(encoding="utf-8") for p in sorted((FORMS / "market_plan").glob("*"))}


def market_plan_dmn() -> dict[str, str]:
    """The DMN table the market plan calls (who signs off)."""
    return {"market_plan_signoff.dmn": (ROOT / "processes" / "market_plan_signoff.dmn").read_text(encoding="utf-8")}


def exercise_modeler(api: Any) -> None:
    """Deploy, versions, BPMN, diff, drafts, migrations: the happy paths and the refusals."""
    base, draft = "/process-definitions/{key}", "/process-definitions/{key}/draft"
    api.call("li.na", "get", f"{base}/versions", expect=403, key="market_plan")
    refused = api.call("gao.yan", "post", "/process-definitions", {
        "bpmn": with_budget_check(MARKET_PLAN, role=""), "note": "no role yet", "dmn": market_plan_dmn(),
        "forms": {**market_plan_forms(), BUDGET_FORM_NAME: json.dumps(BUDGET_FORM)}}, 400)
    no_role = "lane 'lane_ops' names no role: its name must be the role that does its tasks"
    assert {"element": "lane_ops", "file": None, "severity": "error", "message": no_role} in refused["errors"]
    deployed = api.call("gao.yan", "post", "/process-definitions", {
        "bpmn_name": "market_plan.bpmn", "bpmn": with_budget_check(MARKET_PLAN), "note": "Budget check",
        "dmn": market_plan_dmn(), "forms": {**market_plan_forms(), BUDGET_FORM_NAME: json.dumps(BUDGET_FORM)}}, 201)
    assert (deployed["version"], deployed["status"]) == (2, "deployed")
    versions = api.call("gao.yan", "get", f"{base}/versions", key="market_plan")["items"]
    assert [(v["version"], v["note"]) for v in versions][:1] == [(2, "Budget check")]
    assert api.call("gao.yan", "get", f"{base}/versions/{{version}}", key="market_plan", version=2)["version"] == 2
    assert "budget_check" in api.call("gao.yan", "get", f"{base}/versions/{{version}}/bpmn", key="market_plan",
                                      version=2)
    signoff = market_plan_dmn()["market_plan_signoff.dmn"]
    decision = re.search(r'<decision id="([^"]+)"', signoff)
    assert decision is not None
    tried = api.call("gao.yan", "post", "/decision-tables/try", {"dmn": signoff, "decision": decision.group(1),
                                                                 "inputs": {"draft_plan": {"budget_cny": 2000000}}})
    assert (tried["matched"], tried["result"]) == ([1], {"joint_signoff_needed": True}), tried
    api.call("gao.yan", "post", "/decision-tables/try", {"dmn": signoff, "decision": "nothing", "inputs": {}}, 400)
    api.call("li.na", "post", "/decision-tables/try", {"dmn": signoff, "decision": "nothing", "inputs": {}}, 403)
    changes = api.call("gao.yan", "get", f"{base}/diff", key="market_plan", **{"from": 1, "to": 2})
    assert {"budget_check", "lane_ops"} <= {c["element"] for c in changes["elements"] if c["change"] == "added"}
    opened = api.call("gao.yan", "get", draft, key="market_plan")
    saved = api.call("gao.yan", "put", draft, {"bpmn": opened["bpmn"], "files": opened["files"], "version": 0},
                     key="market_plan")
    api.call("admin", "put", draft, {"bpmn": opened["bpmn"], "files": opened["files"], "version": 0}, 409,
             key="market_plan")
    # The editor's live check: what a save finds, nothing stored (the draft stays at the version saved).
    checked = api.call("gao.yan", "post", f"{draft}/problems", {"bpmn": opened["bpmn"], "files": opened["files"]},
                       key="market_plan")
    assert checked["problems"] == saved["problems"]
    broken = opened["bpmn"].replace('name="director"', 'name="no_such_role"', 1)
    found = api.call("gao.yan", "post", f"{draft}/problems", {"bpmn": broken, "files": opened["files"]},
                     key="market_plan")["problems"]
    assert [p["severity"] for p in found if p["element"] == "lane_director"] == ["error"]
    api.call("li.na", "post", f"{draft}/problems", {"bpmn": broken, "files": {}}, 403, key="market_plan")
    api.call("gao.yan", "post", f"{draft}/problems", {"bpmn": broken, "files": {"x.txt": {"kind": "pdf",
                                                                                            "content": ""}}},
             400, key="market_plan")
    assert api.call("gao.yan", "get", draft, key="market_plan")["version"] == saved["version"]
    api.call("gao.yan", "get", "/drafts")
    api.call("gao.yan", "post", f"{draft}/deploy", {"version": saved["version"], "note": "same"}, 200,
             key="market_plan")  # unchanged: no new version, the draft stays
    api.call("gao.yan", "delete", draft, None, 204, key="market_plan", version=saved["version"])
    api.call("gao.yan", "post", "/drafts", {"key": "promotion_approval", "title": "Promotion approval"}, 201)
    api.call("gao.yan", "post", f"{draft}/deploy", {"version": 1, "note": "first"}, 400, key="promotion_approval")
    checks = api.call("gao.yan", "get", f"{base}/migrations", key="market_plan", to=2)["items"]
    movable = [c["instance_id"] for c in checks if c["can_move"]]
    if movable:
        moved = api.call("gao.yan", "post", f"{base}/migrations", {"instances": movable, "to": 2, "reason": "budget"},
                         key="market_plan")["items"]
        assert all(m["moved"] for m in moved)
