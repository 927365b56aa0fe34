"""The analyst's acceptance walk in Chromium, in Chinese and English: edit market_plan, see a validation
marker on the lane without a role, fix it, make the form in the form editor, deploy v2, read the diff,
migrate a waiting plan after a dry run, and watch plans pass (or not) the new budget check in the inbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.modeler_page import add_form, deploy, draw, open_editor, save, select, shot
from tests.browser.test_market_plan_journey import done, sign_in
from tests.journey import DRAFT, OPERATOR, START, chains, decision, research_and_draft, start_plan, step
from tests.modeler_steps import BUDGET_FORM, BUDGET_FORM_NAME

TEXTS = {
    "en": {"no_role": "names no role", "no_lane": "is in no lane", "saved": "Saved. No errors", "added": "added",
           "moved": "Moved to version 2", "blocked": "only through the new step",
           "budget_title": "Budget check", "done": "is done"},
    "zh": {"no_role": "没有指定角色", "no_lane": "不在任何泳道中", "saved": "已保存。没有错误", "added": "新增",
           "moved": "已迁移到第 2 版", "blocked": "只能经由新步骤",
           "budget_title": "预算审核", "done": "已完成"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_budget_check_is_drawn_validated_deployed_diffed_and_migrated(browser, server, tmp_path, lang):
    texts = TEXTS[lang]
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        waiting = start_plan(engine)  # at manager review when v2 comes: it can move
        research_and_draft(engine, waiting)
        past = start_plan(engine)  # at director sign-off: v2 reaches it only through the budget check
        research_and_draft(engine, past)
        step(engine, "li.na", "manager_review", past, decision("approve"))

        gao = sign_in(browser, server, lang, "gao.yan")
        page = gao.page
        open_editor(page, server, "market_plan")
        made = draw(page, """
            const lane = modeling.addLane(reg.get('lane_director'), 'bottom');
            const task = modeling.createShape({ type: 'bpmn:UserTask' },
                                              { x: lane.x + 1050, y: lane.y + lane.height / 2 }, lane.parent);
            modeling.updateLabel(task, 'Budget check');
            modeling.reconnectEnd(reg.get('flow_review_approved'), task, { x: task.x, y: task.y + 40 });
            modeling.reconnectEnd(reg.get('flow_cap_to_director'), task, { x: task.x + 50, y: task.y });
            modeling.connect(task, reg.get('signoff_route'));
            return { lane: lane.id, task: task.id };""")
        add_form(page, BUDGET_FORM_NAME, BUDGET_FORM)  # the form made in the form editor, previewed in both languages
        expect(page.locator("#preview-zh")).to_contain_text("预算意见")
        expect(page.locator("#preview-en")).to_contain_text("Comment on the budget")
        page.click("[data-tab=diagram]")
        select(page, made["task"], "opsflow-form")
        page.select_option("#bio-properties-panel-opsflow-form", BUDGET_FORM_NAME)
        page.fill("#bio-properties-panel-opsflow-title-zh", "预算审核")
        save(page)

        # The lane has no role yet: the server's validation draws it on the lane and lists it by name.
        expect(page.locator(f".djs-element.opsflow-error[data-element-id='{made['lane']}']")).to_have_count(1)
        expect(page.locator(f".djs-overlays[data-container-id='{made['lane']}'] .bjsl-overlay")).to_be_visible()
        problem = page.locator(f"#problem-list li[data-element='{made['lane']}']")
        expect(problem).to_contain_text(texts["no_role"])
        expect(page.locator("#problem-list")).to_contain_text(texts["no_lane"])
        shot(page, f"editor-lane-without-role-{lang}")

        select(page, made["lane"], "opsflow-lane-role")
        page.select_option("#bio-properties-panel-opsflow-lane-role", "ops_manager")
        save(page)
        expect(page.locator("#modeler-status")).to_contain_text(texts["saved"])
        expect(page.locator(".djs-element.opsflow-error")).to_have_count(0)
        deploy(page, "Budget check by the operations manager")
        expect(page.locator("table.versions tr[data-version='2']")).to_contain_text("Budget check by the operations")
        shot(page, f"versions-{lang}")

        page.goto(f"{server}/modeler/market_plan/diff?from=1&to=2")
        page.wait_for_selector("body[data-diagrams-ready=true]")
        added = page.locator(f".diff-item.added[data-element='{made['task']}']")
        expect(added).to_contain_text(texts["added"])
        expect(page.locator(f".diff-item.added[data-file='{BUDGET_FORM_NAME}']")).to_be_visible()
        expect(page.locator(".diff-item.changed[data-element='flow_review_approved']")).to_contain_text("targetRef")
        expect(page.locator(f"[data-diagram=to] .djs-element.opsflow-added[data-element-id='{made['task']}']")
               ).to_have_count(1)
        shot(page, f"diff-{lang}")

        page.goto(f"{server}/modeler/market_plan/migrate?to=2")
        expect(page.locator(f"tr[data-instance='{waiting}'] input[type=checkbox]")).to_be_checked()
        expect(page.locator(f"tr[data-instance='{past}']")).to_contain_text(texts["blocked"])
        expect(page.locator(f"tr[data-instance='{past}'] input[type=checkbox]")).to_be_disabled()
        shot(page, f"migrate-dry-run-{lang}")
        page.fill("#migrate-reason", "The new budget rule applies to plans still in review")
        page.locator("form.card button[type=submit]").click()
        expect(page.locator(".flash-success")).to_contain_text(texts["moved"])
        done(gao)

        after = int(engine.work.start(Person("li.na"), "market_plan", {**START,
                                                                       "title": "Autumn push"}).id)  # runs on v2
        for plan in (waiting, after):
            if plan == after:
                research_and_draft(engine, plan, {**DRAFT, "title": "Autumn push"})
            step(engine, "li.na", "manager_review", plan, decision("approve"))
        zhao = sign_in(browser, server, lang, "zhao.qiang")
        for plan in (waiting, after):
            zhao.open_task(engine.work.show(OPERATOR, plan)["title"])
            expect(zhao.page.locator("h1")).to_contain_text(texts["budget_title"])
            zhao.page.fill("#f-comment", "Within the quarter's limit")
            zhao.page.locator("form.generated button[type=submit]").click()
            zhao.page.wait_for_url(server + "/")
            expect(zhao.page.locator(".flash-success")).to_contain_text(texts["done"])
        done(zhao)
        for plan in (waiting, after, past):
            step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
        shown = {plan: engine.work.show(OPERATOR, plan) for plan in (waiting, after, past)}
        assert {p: (s["version"], s["status"]) for p, s in shown.items()} == {
            waiting: (2, "completed"), after: (2, "completed"), past: (1, "completed")}
        history = [e["kind"] for e in engine.work.history(OPERATOR, waiting)]
        assert "instance_migrated" in history and chains(engine, waiting)[1] == []
    finally:
        engine.db.dispose()


def test_unsaved_changes_survive_a_reload_and_a_second_analyst_gets_a_conflict(browser, server):
    gao = sign_in(browser, server, "en", "gao.yan")
    open_editor(gao.page, server, "market_plan")
    draw(gao.page, "modeling.updateLabel(reg.get('research'), 'Market research (revised)');")
    gao.page.wait_for_timeout(600)  # the copy in this browser is kept after a short pause
    gao.page.reload()
    gao.page.wait_for_selector("body[data-modeler-ready=true]")
    expect(gao.page.locator("#modeler-status")).to_have_class(re.compile("warn"))
    assert draw(gao.page, "return reg.get('research').businessObject.name;") == "Market research (revised)"
    save(gao.page)  # draft version 1

    admin = sign_in(browser, server, "en", "admin")
    open_editor(admin.page, server, "market_plan")  # opens version 1
    draw(gao.page, "modeling.updateLabel(reg.get('draft_plan'), 'Draft (gao)');")
    save(gao.page)  # version 2
    draw(admin.page, "modeling.updateLabel(reg.get('draft_plan'), 'Draft (admin)');")
    admin.page.click("#modeler-save")
    expect(admin.page.locator("#modeler-status")).to_contain_text("saved this draft", timeout=15_000)
    expect(admin.page.locator("#modeler-status")).to_have_class(re.compile("error"))
    gao.page.reload()
    gao.page.wait_for_selector("body[data-modeler-ready=true]")
    assert draw(gao.page, "return reg.get('draft_plan').businessObject.name;") == "Draft (gao)"
    done(admin)

    # Leaving with unsaved changes asks first.
    draw(gao.page, "modeling.updateLabel(reg.get('draft_plan'), 'Draft (unsaved)');")
    asked: list[str] = []
    gao.page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    gao.page.close(run_before_unload=True)
    gao.page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    done(gao)


def test_a_staff_member_is_refused_every_modeler_page(browser, server):
    zhou = sign_in(browser, server, "en", "zhou.jie")
    for path in ("/modeler/", "/modeler/market_plan", "/modeler/market_plan/versions",
                 "/modeler/market_plan/diff", "/modeler/market_plan/migrate"):
        response = zhou.page.goto(server + path)
        assert response is not None and response.status == 403, path
    expect(zhou.page.locator("nav.main-nav")).not_to_contain_text("Modeler")
    done(zhou)


def test_the_editor_is_served_under_a_csp_that_allows_style_attributes_only(browser, server):
    gao = sign_in(browser, server, "en", "gao.yan")
    response = gao.page.goto(server + "/modeler/market_plan")
    policy = response.headers["content-security-policy"] if response else ""
    assert "style-src-attr 'unsafe-inline'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src-attr")[0]
    gao.page.wait_for_selector("body[data-modeler-ready=true]")
    logo = gao.page.locator(".bjs-powered-by")
    expect(logo).to_be_visible()
    box = logo.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 10
    shot(gao.page, "editor-en")
    done(gao)


