"""Issue 23's smaller modeler defects in Chromium: the lint badge counts the server's problems (the list beside
the diagram and the deploy's verdict agree with it), names on the canvas in the reader's language (Chinese titles,
lanes by their role's title) without changing what is saved, and a new user task's data key proposed from its
name, required and checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engine.errors import DeploymentRejected
from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.modeler_page import draw, open_editor, save, select, shot
from tests.browser.test_market_plan_journey import done, sign_in

ROUND_TRIP = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "round_trip"
BADGE = "#canvas .bjsl-button"


def settled(page: Page) -> None:
    """Wait until the badge shows the server's answer to the last change (checked after a pause)."""
    page.wait_for_timeout(500)  # the properties panel applies typed text after a pause of its own
    page.wait_for_function("() => window.opsflowEditor.modeler.get('linting').isIdle()", timeout=15_000)


def badge_counts(page: Page) -> tuple[int, int]:
    text = page.locator(BADGE).inner_text()
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    return (numbers[0], numbers[1]) if numbers else (0, 0)


def list_counts(page: Page) -> tuple[int, int]:
    return (page.locator("#problem-list li.problem.error").count(),
            page.locator("#problem-list li.problem.warning").count())


def import_model(page: Page, xml: str) -> None:
    draw(page, "return window.opsflowEditor.importDiagram(v.xml).then(() => window.opsflowEditor.changed());", xml=xml)
    settled(page)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_lint_badge_counts_the_servers_problems_and_the_deploy_agrees(browser, server, tmp_path, lang):
    gao = sign_in(browser, server, lang, "gao.yan")
    page = gao.page
    open_editor(page, server, "market_plan")
    settled(page)
    assert badge_counts(page) == list_counts(page) == (0, 0)  # bpmnlint's rules said 6 warnings (fake-join)
    expect(page.locator(BADGE)).to_have_text("No Issues" if lang == "en" else "没有问题")
    # Where bpmnlint and the server used to disagree: a lane naming no role, an unlabelled task with a generated
    # id, a node nothing leads to; event sub-processes and compensation handlers from other modelers' files.
    draw(page, """
        const lane = modeling.addLane(reg.get('lane_director'), 'bottom');
        modeling.createShape({ type: 'bpmn:UserTask' }, { x: lane.x + 400, y: lane.y + lane.height / 2 },
                             lane.parent);""")
    settled(page)
    errors, warnings = badge_counts(page)
    assert (errors, warnings) == list_counts(page) and errors >= 3 and warnings >= 1
    shot(page, f"lint-badge-server-{lang}")
    save(page)
    settled(page)
    assert badge_counts(page) == list_counts(page) == (errors, warnings)  # the save found the same
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        version = engine.modeler.open_draft(Person("gao.yan"), "market_plan")["version"]
        with pytest.raises(DeploymentRejected) as refused:
            engine.modeler.deploy_draft(Person("gao.yan"), "market_plan", version, "refused")
        assert len([p for p in refused.value.problems if getattr(p, "severity", "error") == "error"]) == errors
        for name in ("camunda_order_collapsed.bpmn", "signavio_returns_legacy.bpmn", "bizagi_claim_compensation.bpmn"):
            import_model(page, (ROUND_TRIP / name).read_text(encoding="utf-8"))
            assert badge_counts(page) == list_counts(page), name
            found = engine.modeler.check_draft(Person("gao.yan"), "market_plan",
                                               draw(page, "return window.opsflowEditor.exportXml();"), {})["problems"]
            assert badge_counts(page) == (sum(p["severity"] == "error" for p in found),
                                          sum(p["severity"] == "warning" for p in found)), name
            assert not any("no sequence flow leads to it" in p["message"] for p in found
                           if p["element"] and "sub" in p["element"].lower()), found
    finally:
        engine.db.dispose()
    done(gao)


def label_of(page: Page, element: str) -> str:
    return page.locator(f".djs-element[data-element-id='{element}'] .djs-visual text").first.text_content() or ""


def test_the_canvas_shows_chinese_titles_and_role_titles_and_saves_names_as_written(browser, server):
    gao = sign_in(browser, server, "zh", "gao.yan")
    page = gao.page
    open_editor(page, server, "market_plan")
    roles = {r["key"]: r["title"] for r in draw(page, "return window.opsflowEditor.data.roles;")}
    title_zh = draw(page, """return reg.get('research').businessObject.extensionElements.values
        .find((x) => x.$type === 'spiffworkflow:Properties').properties.find((p) => p.name === 'titleZh').value;""")
    assert re.search(r"[\u4e00-\u9fff]", title_zh)
    expect(page.locator(".djs-element[data-element-id='research'] .djs-visual text").first).to_have_text(title_zh)
    lane = "".join(page.locator(".djs-element[data-element-id='lane_research'] .djs-visual text").all_text_contents())
    assert lane.replace(" ", "") == roles["research_supervisor"].replace(" ", "")  # not research_supervisor
    shot(page, "modeler-labels-zh")
    # Typed on the canvas in the zh UI: the Chinese title changes, the English name stays as written.
    draw(page, """const editing = m.get('directEditing');
        editing.activate(reg.get('research'));
        editing._textbox.content.innerText = '市场调研（修订）';
        editing.complete();""")
    research = page.locator(".djs-element[data-element-id='research'] .djs-visual text").first
    expect(research).to_have_text("市场调研（修订）")
    xml = draw(page, "return window.opsflowEditor.exportXml();")
    assert '<bpmn:userTask id="research" name="Market research report">' in xml
    assert 'value="市场调研（修订）"' in xml and '<bpmn:lane id="lane_research" name="research_supervisor">' in xml
    done(gao)

    eng = sign_in(browser, server, "en", "gao.yan")
    open_editor(eng.page, server, "market_plan")
    task = "".join(eng.page.locator(".djs-element[data-element-id='research'] .djs-visual text").all_text_contents())
    assert task.replace(" ", "") == "Marketresearchreport"  # the English name (wrapped on the canvas)
    en_roles = {r["key"]: r["title"] for r in draw(eng.page, "return window.opsflowEditor.data.roles;")}
    lane = "".join(eng.page.locator(".djs-element[data-element-id='lane_research'] .djs-visual text")
                   .all_text_contents())
    assert lane.replace(" ", "") == en_roles["research_supervisor"].replace(" ", "")
    shot(eng.page, "modeler-labels-en")
    done(eng)


def test_a_new_user_tasks_data_key_is_proposed_from_its_name_required_and_checked(browser, server):
    gao = sign_in(browser, server, "en", "gao.yan")
    page = gao.page
    open_editor(page, server, "market_plan")
    made = draw(page, """
        const lane = reg.get('lane_director');
        const task = modeling.createShape({ type: 'bpmn:UserTask' }, { x: lane.x + 1050, y: lane.y + 60 }, lane.parent);
        return task.id;""")
    assert re.fullmatch(r"Activity_[0-9a-z]{7}", made)
    select(page, made, "opsflow-data-key")
    field = page.locator("#bio-properties-panel-opsflow-data-key")
    expect(field).to_have_value(made)
    entry = page.locator("[data-entry-id='opsflow-data-key']")
    expect(entry).to_contain_text("generated id")
    settled(page)
    problem = page.locator(f"#problem-list li.problem.warning[data-element='{made}']")
    expect(problem).to_contain_text("generated id")
    # Named: the key is proposed from the name, and the warning goes.
    key = draw(page, "const task = reg.get(v.id); modeling.updateLabel(task, 'Check the budget'); return task.id;",
               id=made)
    assert key == "check_the_budget"
    select(page, key, "opsflow-data-key")
    expect(page.locator("#bio-properties-panel-opsflow-data-key")).to_have_value("check_the_budget")
    settled(page)
    expect(page.locator("#problem-list li.problem.warning", has_text="generated id")).to_have_count(0)
    # A key that is no identifier, or taken, is refused where it is typed; the id stays.
    for typed, said in (("2nd check", "letters, digits and _"), ("research", "already used")):
        page.fill("#bio-properties-panel-opsflow-data-key", typed)
        expect(page.locator("[data-entry-id='opsflow-data-key']")).to_contain_text(said)
        page.wait_for_timeout(400)
        assert draw(page, "return Boolean(reg.get('check_the_budget'));") is True
    page.fill("#bio-properties-panel-opsflow-data-key", "budget_check")
    page.wait_for_timeout(600)
    assert draw(page, "return Boolean(reg.get('budget_check'));") is True
    shot(page, "modeler-data-key-en")
    save(page)
    done(gao)


def test_a_gateway_with_only_a_chinese_title_keeps_its_outside_label_when_opened_again(browser, server):
    """bpmn-js makes an outside label only for a name: in the zh UI a gateway whose only title is Chinese gets its
    label where the saved diagram put it, and opening the diagram changes nothing in it; in the en UI it has none."""
    source = (Path(__file__).resolve().parents[2] / "processes" / "market_plan.bpmn").read_text(encoding="utf-8")
    unnamed = source.replace('<bpmn:exclusiveGateway id="review_decision" name="Manager\'s decision">',
                             '<bpmn:exclusiveGateway id="review_decision">')
    assert unnamed != source
    gao = sign_in(browser, server, "zh", "gao.yan")
    open_editor(gao.page, server, "market_plan")
    draw(gao.page, "return window.opsflowEditor.importDiagram(v.xml);", xml=unnamed)
    label = gao.page.locator(".djs-element[data-element-id='review_decision_label'] .djs-visual text")
    expect(label).to_have_text("经理的决定")
    placed = draw(gao.page, "const l = reg.get('review_decision_label'); return [l.x, l.y, l.width];")
    assert placed == [895, 423, 90]  # the saved BPMNLabel's bounds
    assert draw(gao.page, "return m.get('commandStack').canUndo();") is False
    xml = draw(gao.page, "return window.opsflowEditor.exportXml();")
    assert '<bpmn:exclusiveGateway id="review_decision">' in xml and "经理的决定" in xml
    shot(gao.page, "modeler-outside-label-zh")
    done(gao)

    eng = sign_in(browser, server, "en", "gao.yan")
    open_editor(eng.page, server, "market_plan")
    draw(eng.page, "return window.opsflowEditor.importDiagram(v.xml);", xml=unnamed)
    assert draw(eng.page, "return reg.get('review_decision_label') === undefined;") is True
    expect(eng.page.locator(".djs-element[data-element-id='review_decision']")).to_have_count(1)
    done(eng)
