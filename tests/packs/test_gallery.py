"""The modeler's gallery at engine level: a pack's process copied into a draft under a new key (its forms and
DMN renamed with it), changed, deployed beside the pack's own process and used; bad requests change nothing."""

from __future__ import annotations

import pytest

from engine.definitions.pack_install import PackNotFound
from engine.errors import Conflict, InvalidInput, NotAllowed
from engine.org.people import Person
from tests.journey import OPERATOR
from tests.packs.scenario import act, ended, open_steps, start

ANALYST = Person("gao.yan")


def test_an_analyst_copies_the_overtime_pack_changes_its_threshold_deploys_and_it_is_used(demo):
    draft = demo.modeler.new_draft_from_pack(ANALYST, "overtime", "overtime_long_shift", "Long-shift overtime")
    assert draft["version"] == 1 and draft["bpmn_name"] == "overtime_long_shift.bpmn"
    assert [p for p in draft["problems"] if p["severity"] == "error"] == []
    assert sorted(draft["files"]) == ["overtime_long_shift_approvers.dmn", "overtime_long_shift_head_review.json",
                                      "overtime_long_shift_manager_review.json",
                                      "overtime_long_shift_start.json"]
    bpmn = draft["bpmn"]
    assert 'id="overtime_long_shift"' in bpmn and 'name="Long-shift overtime"' in bpmn
    assert "overtime_request" not in bpmn  # every id made from the pack's process id follows the new key
    assert 'value="overtime_long_shift_start.json"' in bpmn
    assert ">overtime_long_shift_approvers</spiffworkflow:calledDecisionId>" in bpmn
    dmn = draft["files"]["overtime_long_shift_approvers.dmn"]["content"]
    assert 'decision id="overtime_long_shift_approvers"' in dmn
    files = dict(draft["files"])
    files["overtime_long_shift_approvers.dmn"] = {
        "kind": "dmn", "content": dmn.replace("&lt;= 4<", "&lt;= 8<").replace("&gt; 4<", "&gt; 8<")}
    saved = demo.modeler.save_draft(ANALYST, "overtime_long_shift", bpmn, files, 1)
    deployed = demo.modeler.deploy_draft(ANALYST, "overtime_long_shift", saved["version"], "Heads approve up to 8 h")
    assert deployed == {"key": "overtime_long_shift", "version": 1, "status": "deployed"}
    request = start(demo, "cao.jun", "overtime_long_shift",
                    {"section": "dispatch", "date": "2027-03-06", "hours": 6, "reason": "Meter reading backlog"})
    assert open_steps(demo, request) == [("head_review", "xu.tao")]
    assert act(demo, "xu.tao", "head_review", request, {"decision": "approve"}) == []  # 6 h: the head alone now
    assert ended(demo, request) == ("completed", "approved")
    pack_process = start(demo, "cao.jun", "overtime_request",
                         {"section": "dispatch", "date": "2027-03-06", "hours": 6, "reason": "Same, by the pack"})
    assert act(demo, "xu.tao", "head_review", pack_process, {"decision": "approve"}) == ["ops_manager_review"]
    assert demo.modeler.versions(ANALYST, "overtime_request")[0]["version"] == 1  # the pack's own is untouched


def test_the_expense_pack_copies_with_both_tables_and_its_countersign(demo):
    draft = demo.modeler.new_draft_from_pack(ANALYST, "expense", "project_expense")
    assert sorted(n for n, f in draft["files"].items() if f["kind"] == "dmn") == [
        "project_expense_authority.dmn", "project_expense_budget_lines.dmn"]
    assert [p for p in draft["problems"] if p["severity"] == "error"] == []
    assert 'name="Expense approval against the budget"' in draft["bpmn"]  # no title given: the pack's


def test_bad_requests_for_a_copy_change_nothing(demo):
    with pytest.raises(PackNotFound):
        demo.modeler.new_draft_from_pack(ANALYST, "no_such_pack", "fresh_key")
    with pytest.raises(Conflict):  # a deployed process has this key
        demo.modeler.new_draft_from_pack(ANALYST, "overtime", "market_plan")
    with pytest.raises(InvalidInput):
        demo.modeler.new_draft_from_pack(ANALYST, "overtime", "1 bad key")
    with pytest.raises(InvalidInput):
        demo.modeler.new_draft_from_pack(ANALYST, "overtime", "fresh_key", process="market_plan")
    with pytest.raises(NotAllowed):
        demo.modeler.new_draft_from_pack(Person("cao.jun"), "overtime", "fresh_key")
    assert demo.modeler.drafts(OPERATOR) == []
