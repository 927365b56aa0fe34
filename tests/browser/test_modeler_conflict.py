"""Two analysts on one draft: a save over a colleague's newer save shows base, theirs and mine, element by
element, and overwrites nothing until the analyst chooses; their version opens with mine kept in the
browser, and "open my unsaved changes" shows the same view before anything of theirs is replaced."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.modeler_page import draw, open_editor, save, shot
from tests.browser.test_market_plan_journey import done, sign_in


def label(page, element: str) -> str:
    return str(draw(page, "return reg.get(v.id).businessObject.name;", id=element))


def test_a_conflict_shows_base_theirs_and_mine_and_overwrites_nothing(browser, server):
    gao = sign_in(browser, server, "en", "gao.yan")
    open_editor(gao.page, server, "market_plan")
    draw(gao.page, "modeling.updateLabel(reg.get('research'), 'Research (gao)');")
    save(gao.page)  # draft version 1

    admin = sign_in(browser, server, "en", "admin")
    open_editor(admin.page, server, "market_plan")  # opens version 1
    draw(gao.page, "modeling.updateLabel(reg.get('draft_plan'), 'Draft (gao)');")
    save(gao.page)  # version 2
    draw(admin.page, "modeling.updateLabel(reg.get('manager_review'), 'Review (admin)');")
    admin.page.click("#modeler-save")
    view = admin.page.locator("#modeler-conflict")
    expect(view).to_be_visible(timeout=15_000)
    expect(admin.page.locator("#modeler-status")).to_have_class(re.compile("error"))
    expect(admin.page.locator("#modeler-status")).to_contain_text("saved this draft (version 2) after you opened "
                                                                  "version 1")
    expect(view.locator("[data-side=theirs]")).to_contain_text("Draft (gao) (draft_plan): changed")
    expect(view.locator("[data-side=theirs]")).to_contain_text("(manager_review): not changed")
    expect(view.locator("[data-side=mine]")).to_contain_text("Review (admin) (manager_review): changed")
    expect(view.locator("[data-side=mine]")).to_contain_text("(draft_plan): not changed")
    expect(view.locator("[data-side=base]")).to_contain_text("draft_plan")
    shot(admin.page, "conflict-en")
    # Nothing was overwritten: the server still has gao's version 2.
    answer = admin.page.request.get(f"{server}/api/v1/process-definitions/market_plan/draft").json()
    assert answer["version"] == 2 and "Draft (gao)" in answer["bpmn"] and "Review (admin)" not in answer["bpmn"]

    view.get_by_role("button", name="Open their version (my changes stay in this browser)").click()
    expect(view).to_be_hidden()
    assert label(admin.page, "draft_plan") == "Draft (gao)" and label(admin.page, "manager_review") != "Review (admin)"
    older = admin.page.locator("#modeler-older")
    expect(older).to_be_visible()
    older.locator("button").click()
    expect(view).to_be_visible()
    expect(view.locator("[data-side=mine]")).to_contain_text("Review (admin) (manager_review): changed")
    expect(view.locator("[data-side=theirs]")).to_contain_text("Draft (gao) (draft_plan): changed")
    view.get_by_role("button", name="Keep their version and forget my changes").click()
    assert label(admin.page, "draft_plan") == "Draft (gao)"

    # Choosing to save mine over theirs is a choice made with the view in front of one.
    draw(gao.page, "modeling.updateLabel(reg.get('draft_plan'), 'Draft (gao, again)');")
    save(gao.page)  # version 3
    draw(admin.page, "modeling.updateLabel(reg.get('manager_review'), 'Review (admin, again)');")
    admin.page.click("#modeler-save")
    expect(view).to_be_visible(timeout=15_000)
    view.get_by_role("button", name="Save my version over theirs").click()
    expect(admin.page.locator("#modeler-status")).to_have_class(re.compile("ok"), timeout=15_000)
    answer = admin.page.request.get(f"{server}/api/v1/process-definitions/market_plan/draft").json()
    assert answer["version"] == 4 and "Review (admin, again)" in answer["bpmn"]
    done(admin)
    done(gao)
