"""The editor in Chromium talks to the REST API's draft routes (with the session and the page's CSRF token):
saving, deploying (the versions page then says what was deployed) and discarding; and the live check of the
problems as the diagram changes (nothing stored)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.modeler_page import deploy, draw, open_editor, save
from tests.browser.test_market_plan_journey import done, sign_in


def checked(request) -> bool:
    """The editor's live check of the problems (nothing stored)."""
    return bool(request.method == "POST" and request.url.endswith("/draft/problems"))


def test_the_editor_saves_deploys_and_discards_through_the_api(browser, server):
    gao = sign_in(browser, server, "en", "gao.yan")
    page = gao.page
    calls: list[str] = []
    page.on("request", lambda request: calls.append(f"{request.method} {request.url.removeprefix(server)}")
            if "/draft" in request.url else None)
    with page.expect_request(checked):  # the badge's live check as the diagram opens
        open_editor(page, server, "market_plan")
    with page.expect_request(checked):  # and as it changes (400 ms after the last change)
        draw(page, "modeling.updateLabel(reg.get('research'), 'Market research (revised)');")
    save(page)
    expect(page.locator("#modeler-status")).to_contain_text("Saved. No errors")
    deploy(page, "Research renamed")
    expect(page.locator(".flash-success")).to_contain_text("Deployed market_plan version 2.")
    expect(page.locator("table.versions tr[data-version='2']")).to_contain_text("Research renamed")
    page.reload()
    expect(page.locator(".flash-success")).to_have_count(0)  # said once

    open_editor(page, server, "market_plan")
    draw(page, "modeling.updateLabel(reg.get('research'), 'Market research (again)');")
    save(page)
    page.reload()
    page.wait_for_selector("body[data-modeler-ready=true]")
    page.locator("#discard-form button[type=submit]").click()
    page.wait_for_url(f"{server}/modeler/")
    expect(page.locator(".flash-success")).to_contain_text("The draft of market_plan was discarded.")
    # The badge's live checks (nothing stored) beside the writes, which are as the buttons say.
    checks = [c for c in calls if c == "POST /api/v1/process-definitions/market_plan/draft/problems"]
    assert len(checks) >= 2
    assert [c for c in calls if c not in checks] == ["PUT /api/v1/process-definitions/market_plan/draft",
                     "POST /api/v1/process-definitions/market_plan/draft/deploy",
                     "PUT /api/v1/process-definitions/market_plan/draft",
                     "DELETE /api/v1/process-definitions/market_plan/draft?version=1"]
    done(gao)
