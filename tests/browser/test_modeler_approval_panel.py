"""The modeler's properties panel offers the approval moves' modelling, in Chromium, in Chinese and English: an
analyst turns a plain sign-off into a countersign (all / any one / N of them / in turn / off), sets a step's
return and bulk-approval settings and the process's transfer, no-holder and same-approver rules by picking from
lists; each save passes the server's validation and the draft's XML (read back through the REST API) says
exactly what the engine reads. The countersign made this way is deployed and run through by its two signers.
The market plan's joint sign-off reads back as "all must approve" over its list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, screenshot_folder, signed_in_page
from tests.browser.modeler_page import deploy, draw, open_editor, save, select
from tests.journey import OPERATOR, decision

FORMS = Path(__file__).resolve().parents[1] / "fixtures" / "countersign" / "forms" / "countersign"
KEY = "joint_approval"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
SIGNERS = ["wu.fang", "zheng.hui"]
TEXTS = {
    "en": {"locale": "en-US", "group": "Countersign", "all": "All must approve", "moves": "Approval moves",
           "required": "Name the variable that lists the people", "saved": "Saved. No errors",
           "whole": "A whole number, 1 or more"},
    "zh": {"locale": "zh-CN", "group": "多人审批（会签）", "all": "会签：全部批准才通过", "moves": "审批操作",
           "required": "请填写列出审批人的变量名", "saved": "已保存。没有错误",
           "whole": "须为大于等于 1 的整数"},
}

# A plain sign-off (no countersign yet): the start form names the signers, a script hands them on, a script
# after the step counts the decisions the countersign will collect (in sign_votes, the name the panel gives).
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="joint_approval_definitions" targetNamespace="http://opsflow.example/bpmn">
  <bpmn:collaboration id="joint_approval_collaboration">
    <bpmn:participant id="joint_approval_pool" name="Joint approval" processRef="joint_approval" />
  </bpmn:collaboration>
  <bpmn:process id="joint_approval" name="Joint approval" isExecutable="true">
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="startRoles" value="staff" />
        <spiffworkflow:property name="startForm" value="countersign/start.json" />
        <spiffworkflow:property name="instanceTitle" value="${start.subject}" />
      </spiffworkflow:properties>
    </bpmn:extensionElements>
    <bpmn:laneSet id="joint_approval_lanes">
      <bpmn:lane id="lane_staff" name="staff">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>who_signs</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>sign</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>tally</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Asked"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="who_signs" />
    <bpmn:scriptTask id="who_signs" name="Who signs">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>signers = start['signers']</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="who_signs" targetRef="sign" />
    <bpmn:userTask id="sign" name="Sign off">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="countersign/sign.json" />
        <spiffworkflow:property name="contextFrom" value="start" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="tally" />
    <bpmn:scriptTask id="tally" name="Count the decisions">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>approvals = len([v for v in sign_votes if v['decision'] == 'approve'])</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="tally" targetRef="end" />
    <bpmn:endEvent id="end" name="Done"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="joint_approval_diagram">
    <bpmndi:BPMNPlane id="joint_approval_plane" bpmnElement="joint_approval_collaboration">
      <bpmndi:BPMNShape id="joint_approval_pool_di" bpmnElement="joint_approval_pool" isHorizontal="true">
        <dc:Bounds x="120" y="80" width="800" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_staff_di" bpmnElement="lane_staff" isHorizontal="true">
        <dc:Bounds x="150" y="80" width="770" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="192" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="who_signs_di" bpmnElement="who_signs"><dc:Bounds x="270" y="140" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="sign_di" bpmnElement="sign"><dc:Bounds x="430" y="140" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="tally_di" bpmnElement="tally"><dc:Bounds x="590" y="140" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="762" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="228" y="180" /><di:waypoint x="270" y="180" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="370" y="180" /><di:waypoint x="430" y="180" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="530" y="180" /><di:waypoint x="590" y="180" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f4_di" bpmnElement="f4"><di:waypoint x="690" y="180" /><di:waypoint x="762" y="180" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def make_draft(database: Path) -> None:
    """The plain sign-off as gao.yan's draft, on the server's own database."""
    engine = build_engine(f"sqlite:///{database}")
    try:
        analyst = Person("gao.yan")
        engine.modeler.new_draft(analyst, KEY, "Joint approval")
        files = {f"countersign/{name}": {"kind": "form", "content": (FORMS / name).read_text(encoding="utf-8")}
                 for name in ("start.json", "sign.json")}
        saved = engine.modeler.save_draft(analyst, KEY, BPMN, files, 1)
        assert saved["problems"] == [], saved["problems"]
    finally:
        engine.db.dispose()


def draft_xml(page: Page, base: str) -> Any:
    """The saved draft's BPMN, read through the REST API with the page's session."""
    response = page.request.get(f"{base}/api/v1/process-definitions/{KEY}/draft")
    assert response.ok, response.text()
    return etree.fromstring(response.json()["bpmn"].encode("utf-8"))


def loop_of(root: Any) -> dict[str, Any]:
    """What the sign-off's loop says, as the engine reads it (None where it says nothing)."""
    [task] = root.xpath("//bpmn:userTask[@id='sign']", namespaces=NS)
    loops = task.xpath("bpmn:multiInstanceLoopCharacteristics", namespaces=NS)
    said: dict[str, Any] = {"properties": [(p.get("id"), p.get("name")) for p in task.xpath("bpmn:property",
                                                                                           namespaces=NS)]}
    if not loops:
        return {**said, "loop": None}
    [loop] = loops

    def text(tag: str) -> str | None:
        found = loop.xpath(f"bpmn:{tag}", namespaces=NS)
        return found[0].text if found else None

    def item(tag: str) -> str | None:
        found = loop.xpath(f"bpmn:{tag}", namespaces=NS)
        return found[0].get("id") if found else None

    return {**said, "loop": {
        "sequential": loop.get("isSequential") == "true", "people": text("loopDataInputRef"),
        "votes": text("loopDataOutputRef"), "person": item("inputDataItem"), "vote": item("outputDataItem"),
        "condition": text("completionCondition")}}


def properties_of(root: Any, xpath: str) -> dict[str, str]:
    [element] = root.xpath(xpath, namespaces=NS)
    return {str(p.get("name")): str(p.get("value")) for p in element.xpath(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)}


def pick(page: Page, entry: str, value: str) -> None:
    page.select_option(f"#bio-properties-panel-{entry}", value)


def saved_cleanly(page: Page, texts: dict[str, str]) -> None:
    save(page)
    expect(page.locator("#modeler-status")).to_contain_text(texts["saved"])
    expect(page.locator("#problem-list li.problem.error")).to_have_count(0)


ALL = {"sequential": False, "people": "signers", "votes": "sign_votes", "person": "sign_signer",
       "vote": "sign_vote", "condition": "sign_vote['decision'] != 'approve'"}
OWN_PROPERTIES = [("signers", "signers"), ("sign_votes", "sign_votes")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_analyst_models_a_countersign_and_the_approval_moves_from_lists(browser, server, tmp_path, lang):
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    database = tmp_path / "opsflow.sqlite"
    make_draft(database)
    page = signed_in_page(browser, server, texts["locale"], "gao.yan", DESKTOP)
    open_editor(page, server, KEY)

    # The sign-off becomes a countersign: all must approve, over the list the start form gives.
    select(page, "sign", "opsflow-countersign", "opsflow-countersign")
    expect(page.locator("[data-group-id='group-opsflow-countersign']")).to_contain_text(texts["group"])
    expect(page.locator("#bio-properties-panel-opsflow-countersign-people")).to_have_count(0)  # off: nothing more
    pick(page, "opsflow-countersign", "all")
    people = page.locator("#bio-properties-panel-opsflow-countersign-people")
    expect(page.locator("[data-entry-id='opsflow-countersign-people']")).to_contain_text(texts["required"])
    people.fill("sign")  # the task's own name: refused, nothing written
    page.wait_for_timeout(400)
    assert draw(page, "return reg.get('sign').businessObject.loopCharacteristics.loopDataInputRef || null;") is None
    people.fill("signers")
    page.wait_for_timeout(400)  # the panel's fields apply after a short pause
    expect(page.locator("#bio-properties-panel-opsflow-countersign option:checked")).to_contain_text(texts["all"])
    page.locator("[data-group-id='group-opsflow-countersign']").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"modeler-countersign-{lang}.png"), full_page=True)

    # The step's moves: no return from it, walk on after one, bulk approval on.
    moves = page.locator("[data-group-id='group-opsflow-moves']")
    expect(moves).to_contain_text(texts["moves"])
    moves.locator(".bio-properties-panel-group-header").click()
    expect(page.locator("#bio-properties-panel-opsflow-return-allowed")).to_be_visible()
    for entry, value in (("opsflow-return-allowed", "false"), ("opsflow-after-return", "walkOn"),
                         ("opsflow-bulk-approve", "true")):
        pick(page, entry, value)
    offered = page.locator("#bio-properties-panel-opsflow-return-allowed option")
    assert offered.evaluate_all("(options) => options.map((o) => o.value)") == ["", "true", "false"]
    moves.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"modeler-step-moves-{lang}.png"), full_page=True)

    # The process's rules, on the pool.
    select(page, f"{KEY}_pool", "opsflow-transfer-rule", "opsflow-moves")
    moves = page.locator("[data-group-id='group-opsflow-moves']")
    for entry, value in (("opsflow-transfer-rule", "department"), ("opsflow-when-no-holder", "refuse"),
                         ("opsflow-skip-same-approver", "true")):
        pick(page, entry, value)
    offered = page.locator("#bio-properties-panel-opsflow-when-no-holder option")
    assert offered.evaluate_all("(options) => options.map((o) => o.value)") == ["", "admins", "manager", "refuse"]
    moves.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"modeler-process-rules-{lang}.png"), full_page=True)
    saved_cleanly(page, texts)

    root = draft_xml(page, server)
    assert loop_of(root) == {"properties": OWN_PROPERTIES, "loop": ALL}
    assert properties_of(root, "//bpmn:userTask[@id='sign']") == {
        "formJsonSchemaFilename": "countersign/sign.json", "contextFrom": "start", "returnAllowed": "false",
        "afterReturn": "walkOn", "bulkApprove": "true"}
    assert properties_of(root, f"//bpmn:process[@id='{KEY}']") == {
        "startRoles": "staff", "startForm": "countersign/start.json", "instanceTitle": "${start.subject}",
        "transferRule": "department", "whenNoHolder": "refuse", "skipSameApprover": "true"}

    # Each other way of deciding writes the condition the engine's countersign tests use; off writes nothing.
    select(page, "sign", "opsflow-countersign", "opsflow-countersign")
    for mode, changed in (
            ("votes", {"condition": "sign_vote['decision'] == 'veto' or countersign['tally'].get('approve', 0) >= 3"}),
            ("any", {"condition": "True"}),
            ("inTurn", {"sequential": True})):
        pick(page, "opsflow-countersign", mode)
        if mode == "votes":
            needed = page.locator("#bio-properties-panel-opsflow-countersign-needed")
            expect(needed).to_have_value("2")
            needed.fill("0")  # refused, nothing written
            expect(page.locator("[data-entry-id='opsflow-countersign-needed']")).to_contain_text(texts["whole"])
            page.wait_for_timeout(400)
            condition = "return reg.get('sign').businessObject.loopCharacteristics.completionCondition.body;"
            assert draw(page, condition).endswith(">= 2")
            needed.fill("3")
            page.wait_for_timeout(400)
        saved_cleanly(page, texts)
        assert loop_of(draft_xml(page, server)) == {"properties": OWN_PROPERTIES, "loop": {**ALL, **changed}}
    pick(page, "opsflow-countersign", "")
    expect(page.locator("#bio-properties-panel-opsflow-countersign-people")).to_have_count(0)
    # Back to the defaults: the unset choices write nothing.
    for entry in ("opsflow-return-allowed", "opsflow-after-return", "opsflow-bulk-approve"):
        pick(page, entry, "")
    saved_cleanly(page, texts)
    root = draft_xml(page, server)
    assert loop_of(root) == {"properties": [], "loop": None}
    assert properties_of(root, "//bpmn:userTask[@id='sign']") == {
        "formJsonSchemaFilename": "countersign/sign.json", "contextFrom": "start"}
    assert draw(page, "return m.get('commandStack').canUndo();")

    # All must approve again, deployed, and run through by the two signers; the end copies the starter's manager.
    pick(page, "opsflow-countersign", "all")
    page.locator("#bio-properties-panel-opsflow-countersign-people").fill("signers")
    page.wait_for_timeout(400)
    select(page, "end", "opsflow-end-copy")
    page.locator("#bio-properties-panel-opsflow-end-copy").fill("starter_manager")
    page.wait_for_timeout(400)
    saved_cleanly(page, texts)
    root = draft_xml(page, server)
    assert loop_of(root) == {"properties": OWN_PROPERTIES, "loop": ALL}
    assert properties_of(root, "//bpmn:endEvent[@id='end']") == {"copyTo": "starter_manager"}
    deploy(page, "Countersign of the signers the start form names")
    page.context.close()

    engine = build_engine(f"sqlite:///{database}")
    try:
        instance = int(engine.work.start(Person("feng.yi"), KEY, {"subject": "A new printer",
                                                                  "signers": SIGNERS}).id)
        tasks = {}
        for username in SIGNERS:
            [mine] = [t for t in engine.work.tasks(Person(username)) if t["instance_id"] == instance]
            tasks[username] = mine["id"]
        for username in SIGNERS:
            engine.work.complete(Person(username), tasks[username], decision("approve"))
        shown = engine.work.show(OPERATOR, instance)
        assert (shown["status"], shown["end_event"]) == ("completed", "end")
        history = engine.work.history(OPERATOR, instance)
        [started] = [e for e in history if e["kind"] == "countersign_started"]
        assert started["payload"]["members"] == SIGNERS
        [ended] = [e for e in history if e["kind"] == "countersign_ended"]
        assert ended["payload"]["decided"] == [{"by": u, "decision": "approve"} for u in SIGNERS]
        [copied] = [e for e in history if e["kind"] == "instance_copied"]
        assert copied["payload"] == {"copied_to": ["liu.yang"], "by_model": "end"}  # feng.yi's manager
    finally:
        engine.db.dispose()


def test_the_market_plans_joint_sign_off_reads_back_as_all_must_approve(browser, server, tmp_path):
    page = signed_in_page(browser, server, "en-US", "gao.yan", DESKTOP)
    open_editor(page, server, "market_plan")
    select(page, "joint_signoff", "opsflow-countersign", "opsflow-countersign")
    expect(page.locator("#bio-properties-panel-opsflow-countersign")).to_have_value("all")
    expect(page.locator("#bio-properties-panel-opsflow-countersign-people")).to_have_value("joint_signers")
    expect(page.locator("[data-entry-id='opsflow-countersign']")).to_contain_text("joint_votes")
    expect(page.locator("[data-group-id='group-multiInstance']")).to_have_count(0)  # bpmn-js's raw loop fields
    page.screenshot(path=str(screenshot_folder(tmp_path) / "modeler-joint-signoff-en.png"), full_page=True)
    select(page, "director_signoff", "opsflow-countersign", "opsflow-countersign")
    expect(page.locator("#bio-properties-panel-opsflow-countersign")).to_have_value("")
    page.context.close()
