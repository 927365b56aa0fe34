"""More of the analyst's acceptance in Chromium: a new process drawn from scratch and used in the inbox,
a grade boundary changed in the DMN editor, and another modeler's file opened without losing anything."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of
from tests.browser.modeler_page import add_form, deploy, draw, open_editor, save, select, shot
from tests.browser.test_market_plan_journey import done, sign_in
from tests.journey import OPERATOR

OTHER_MODELERS = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "other_modelers"
PROPOSE_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": False,
    "title": "Activity proposal", "x-title-zh": "活动方案",
    "properties": {"activity": {"type": "string", "title": "Activity", "x-title-zh": "活动", "minLength": 1},
                   "budget_cny": {"type": "integer", "title": "Budget (CNY)", "x-title-zh": "预算（元）",
                                  "minimum": 0}},
    "required": ["activity", "budget_cny"],
}
APPROVE_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": False,
    "title": "Approval", "x-title-zh": "审批",
    "properties": {
        "decision": {"type": "string", "title": "Decision", "x-title-zh": "决定", "enum": ["approve", "return"],
                     "x-widget": "decision", "x-enum-labels": {"approve": {"en": "Approve", "zh": "批准"},
                                                               "return": {"en": "Return", "zh": "退回"}}},
        "comment": {"type": "string", "title": "Comment", "x-title-zh": "意见", "x-widget": "textarea"}},
    "required": ["decision"],
}


def test_a_new_process_drawn_from_scratch_is_deployed_and_worked_through_in_the_inbox(browser, server, tmp_path):
    gao = sign_in(browser, server, "zh", "gao.yan")
    page = gao.page
    page.goto(f"{server}/modeler/")
    page.fill("#new-key", "promotion_approval")
    page.fill("#new-title", "Promotion activity approval")
    page.locator("form[action='/modeler/new'] button[type=submit]").click()
    page.wait_for_url(f"{server}/modeler/promotion_approval")
    page.wait_for_selector("body[data-modeler-ready=true]")
    made = draw(page, """
        const first = reg.get('promotion_approval_lane_1');
        const second = modeling.addLane(first, 'bottom');
        const propose = modeling.createShape({ type: 'bpmn:UserTask' }, { x: 360, y: 180 }, first.parent);
        const approve = modeling.createShape({ type: 'bpmn:UserTask' }, { x: 520, y: second.y + 60 }, first.parent);
        const gateway = modeling.createShape({ type: 'bpmn:ExclusiveGateway' }, { x: 680, y: second.y + 60 },
                                             first.parent);
        modeling.updateLabel(propose, 'Propose the activity');
        modeling.updateLabel(approve, 'Approve the activity');
        modeling.removeElements([reg.get('promotion_approval_flow_1')]);
        modeling.connect(reg.get('promotion_approval_start'), propose);
        modeling.connect(propose, approve);
        modeling.connect(approve, gateway);
        const yes = modeling.connect(gateway, reg.get('promotion_approval_end'));
        const no = modeling.connect(gateway, propose);
        return { first: first.id, second: second.id, propose: propose.id, approve: approve.id, yes: yes.id,
                 no: no.id };""")
    add_form(page, "promotion_approval/propose.json", PROPOSE_FORM)
    expect(page.locator("#preview-zh")).to_contain_text("预算（元）")
    add_form(page, "promotion_approval/approve.json", APPROVE_FORM)
    expect(page.locator("#preview-en")).to_contain_text("Approve")
    page.click("[data-tab=diagram]")
    for lane, role in ((made["first"], "promotion_supervisor"), (made["second"], "marketing_manager")):
        select(page, lane, "opsflow-lane-role")
        page.select_option("#bio-properties-panel-opsflow-lane-role", role)
    for task, form, title in ((made["propose"], "promotion_approval/propose.json", "提出活动方案"),
                              (made["approve"], "promotion_approval/approve.json", "审批活动方案")):
        select(page, task, "opsflow-form")
        page.select_option("#bio-properties-panel-opsflow-form", form)
        page.fill("#bio-properties-panel-opsflow-title-zh", title)
    approve_id = made["approve"]
    for flow, value in ((made["yes"], "approve"), (made["no"], "return")):
        select(page, flow, "opsflow-condition")
        page.fill("#bio-properties-panel-opsflow-condition", f"{approve_id}['decision'] == '{value}'")
    select(page, "promotion_approval_pool", "opsflow-start-roles")
    page.fill("#bio-properties-panel-opsflow-start-roles", "promotion_supervisor")
    page.fill("#bio-properties-panel-opsflow-process-title-zh", "推广活动审批")
    page.wait_for_timeout(400)  # the panel's fields apply after a short pause
    save(page)
    expect(page.locator("#problem-list li.problem.error")).to_have_count(0)
    titles = draw(page, """return [v.propose, v.approve].map((id) => reg.get(id).businessObject.extensionElements.values
        .find((x) => x.$type === 'spiffworkflow:Properties').properties.find((p) => p.name === 'titleZh').value);""",
                  **made)
    assert titles == ["提出活动方案", "审批活动方案"]  # each field acted on the element it was shown for
    shot(page, "new-process-zh")
    deploy(page, "推广活动审批：推广主管提出，市场部经理批准或退回")
    done(gao)

    liu = sign_in(browser, server, "zh", "liu.yang")
    liu.go("/processes")
    liu.page.locator("a.button.primary[href='/processes/promotion_approval']").click()
    liu.page.locator("main form button[type=submit]").click()
    liu.page.wait_for_url("**/instances/*")
    liu.go("/")
    liu.page.locator("a.task-link", has_text="提出活动方案").first.click()
    liu.page.fill("#f-activity", "Estate open day")
    liu.page.fill("#f-budget_cny", "20000")
    liu.submit_task()
    done(liu)

    li = sign_in(browser, server, "zh", "li.na")
    li.go("/")
    li.page.locator("a.task-link", has_text="审批活动方案").first.click()
    li.page.check("input[name=decision][value=approve]")
    li.submit_task()
    done(li)

    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        [instance] = engine.work.instances(OPERATOR, "promotion_approval")
        assert (instance["status"], instance["version"]) == ("completed", 1)
        [process] = [p for p in engine.work.processes(OPERATOR) if p["key"] == "promotion_approval"]
        assert (process["title_zh"], process["start_roles"]) == ("推广活动审批", ["promotion_supervisor"])
    finally:
        engine.db.dispose()


def set_cell(page, index: int, text: str) -> None:
    cell = page.locator("#dmn-canvas td.input-cell").nth(index)
    cell.locator("[contenteditable]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_grade_boundary_changed_in_the_dmn_editor_grades_the_next_appraisal(browser, server, tmp_path):
    gao = sign_in(browser, server, "en", "gao.yan")
    page = gao.page
    open_editor(page, server, "appraisal")
    page.click("[data-tab=decisions]")
    page.select_option("#dmn-list", "appraisal_grade.dmn")
    expect(page.locator("#dmn-canvas td.input-cell").first).to_contain_text(">= 4.5")
    set_cell(page, 0, ">= 4.0")  # A from 4.0 (was 4.5), and B up to it
    set_cell(page, 1, ">= 3.5 and weighted_score < 4.0")
    page.locator("#dmn-canvas th").first.click()
    save(page)
    expect(page.locator("#problem-list li.problem.error")).to_have_count(0)
    shot(page, "dmn-editor-en")
    deploy(page, "Grade A from a weighted score of 4.0")
    done(gao)

    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        assert [v["version"] for v in engine.modeler.versions(Person("gao.yan"), "appraisal")] == [2, 1]
        diff = engine.modeler.diff(Person("gao.yan"), "appraisal", 1, 2)
        assert {d["element"] for d in diff["decisions"]} == {"grade_a", "grade_b"}
        open_cycle(engine)
        engine.work.complete(Person("zheng.hui"), task_of(engine, "zheng.hui", "self_assessment", "zheng.hui")["id"],
                             self_assessment(3, 3, 3, 3))
        engine.work.complete(Person("zhang.min"), task_of(engine, "zhang.min", "manager_scoring", "zheng.hui")["id"],
                             scores(5, 4, 4, 4))
        calibration = task_of(engine, "li.na", "calibration", "zheng.hui")
        rating = engine.work.task(OPERATOR, calibration["id"])["context"]["rating"]
        assert (rating["weighted_score"], rating["grade"]) == (4.4, "A")  # B under version 1
    finally:
        engine.db.dispose()


def test_a_camunda_file_opens_with_every_element_and_its_problems_on_them(browser, server):
    gao = sign_in(browser, server, "en", "gao.yan")
    page = gao.page
    page.goto(f"{server}/modeler/")
    page.set_input_files("#import-upload", str(OTHER_MODELERS / "camunda_leave_request.bpmn"))
    page.locator("form[action='/modeler/import'] button[type=submit]").click()
    page.wait_for_url(f"{server}/modeler/leave_request")
    page.wait_for_selector("body[data-modeler-ready=true]")
    drawn = draw(page, "return reg.getAll().filter((e) => !e.labelTarget && e.type !== 'bpmn:Collaboration')"
                       ".map((e) => e.id).sort();")
    assert set(drawn) >= {"Participant_leave", "Lane_employee", "Lane_manager", "StartEvent_requested", "Task_request",
                          "Task_approve", "Gateway_approved", "Task_notify", "EndEvent_done", "Flow_1", "Flow_2",
                          "Flow_3", "Flow_yes", "Flow_no", "Flow_4"}
    for element in ("Task_notify", "Lane_manager", "Task_approve", "Flow_yes"):
        expect(page.locator(f".djs-element.opsflow-error[data-element-id='{element}']")).to_have_count(1)
    kept = draw(page, "return m.saveXML().then((r) => r.xml);")
    assert 'camunda:class="com.example.leave.NotifyPayroll"' in kept and "camunda:formData" in kept
    assert 'camunda:assignee="${initiator}"' in kept
    shot(page, "camunda-file-en")
    done(gao)
