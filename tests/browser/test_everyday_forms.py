"""Everyday form behaviour in Chromium, on the production server: the live count and the refusal of long
text (never a cut), buttons disabled while a submission is in flight, what was typed coming back after a
forced sign-in, a returned draft opening with its values, the second tab told it was already done (by
you, at what time) with its input kept, refusals in the reader's language, and the API explorer.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from engine.facade import Engine, build_engine
from engine.org.people import Person
from tests.browser.conftest import DEMO_PASSWORD
from tests.journey import DRAFT, OPERATOR, RESEARCH, START, decision, only_task, step

LOCALES = {"en": "en-US", "zh": "zh-CN"}
TIMEOUT = 15_000


@pytest.fixture
def db(server: str, tmp_path: Path) -> Iterator[Engine]:
    """The server's own database (the ``server`` fixture puts it in the test's tmp_path)."""
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        yield engine
    finally:
        engine.db.dispose()


@pytest.fixture
def plan(db: Engine) -> int:
    """A plan of li.na's, waiting for wang.lei's research."""
    return int(db.work.start(Person("li.na"), "market_plan", START).id)


def new_context(browser: Browser, lang: str = "en") -> BrowserContext:
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    return context


def sign_in(page: Page, base: str, username: str, then: str = "/") -> None:
    page.goto(base + "/login?next=" + then)
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(base + then)


def research_page(browser: Browser, server: str, db: Engine, plan: int, lang: str = "en") -> tuple[Page, int]:
    task = only_task(db, "wang.lei", "research", plan)["id"]
    page = new_context(browser, lang).new_page()
    sign_in(page, server, "wang.lei", f"/tasks/{task}")
    return page, task


def fill_research(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f"#f-{name}", value)


@pytest.mark.parametrize(("lang", "count", "over"), [
    ("en", "13,500 / 10,000 characters", "3,500 too many"),
    ("zh", "13,500 / 10,000 字", "超出 3,500 字"),
])
def test_a_live_count_and_long_text_refused_whole_never_cut(
        browser: Browser, server: str, db: Engine, plan: int, lang: str, count: str, over: str) -> None:
    page, task = research_page(browser, server, db, plan, lang)
    fill_research(page, {k: v for k, v in RESEARCH.items() if k != "findings"})
    field = page.locator("#f-findings")
    expect(page.locator("#f-findings-count")).to_have_text(re.compile(r"^0 / 10,000"))
    field.focus()
    page.keyboard.insert_text("调研" * 6750)  # pasted: 13,500 characters for a 10,000 limit
    assert len(field.input_value()) == 13_500  # nothing was cut
    counter = page.locator("#f-findings-count")
    expect(counter).to_have_text(f"{count} · {over}")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(field).to_have_attribute("aria-invalid", "true")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.locator("form.generated button[type=submit]").click()
    expect(page.locator(".too-long-summary")).to_be_visible()  # refused here: nothing was sent
    assert posts == [] and page.url.endswith(f"/tasks/{task}")
    assert len(field.input_value()) == 13_500
    expect(page.locator("form.generated button[type=submit]")).to_be_enabled()
    field.fill("调研" * 4000)
    expect(counter).to_have_text(re.compile(r"^8,000 / 10,000"))
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))
    page.locator("form.generated button[type=submit]").click()
    page.wait_for_url(server + "/")
    assert db.work.task(OPERATOR, task)["state"] == "completed"
    page.context.close()


# Runs in the page: when the submit button turns disabled, note what it shows in sessionStorage (it outlives
# the page), then try to send the form a second time. Playwright itself cannot look at a page whose
# navigation is pending, so the page looks at itself.
WATCH_THE_BUTTON = """
const button = document.querySelector('form.generated button[type=submit]');
new MutationObserver(() => {
  if (button.disabled && !sessionStorage.getItem('seen')) {
    sessionStorage.setItem('seen', JSON.stringify([button.disabled, button.textContent.trim(),
                                                   button.form.getAttribute('aria-busy')]));
    button.form.requestSubmit();  // a second try while the first is in flight
  }
}).observe(button, {attributes: true});
"""


def test_buttons_are_disabled_while_a_submission_is_in_flight_and_it_is_sent_once(
        browser: Browser, server: str, db: Engine, plan: int) -> None:
    page, task = research_page(browser, server, db, plan)
    fill_research(page, RESEARCH)
    page.evaluate(WATCH_THE_BUTTON)
    sent: list[str] = []

    def slow(route: Route) -> None:  # the server's answer takes a second: the page runs meanwhile
        sent.append(route.request.url)
        time.sleep(1)
        route.continue_()

    page.route(re.compile(r".*/tasks/\d+/complete$"), slow)
    page.locator("form.generated button[type=submit]").click()
    page.wait_for_url(server + "/")
    expect(page.locator(".flash-success")).to_be_visible()
    assert json.loads(page.evaluate("sessionStorage.getItem('seen')")) == [True, "Sending…", "true"]
    assert len(sent) == 1  # the second try sent nothing
    assert db.work.task(OPERATOR, task)["state"] == "completed"
    page.context.close()


def test_what_was_typed_comes_back_after_a_sign_in_the_ended_session_forced(
        browser: Browser, server: str, db: Engine, plan: int) -> None:
    page, task = research_page(browser, server, db, plan)
    fill_research(page, RESEARCH)
    page.context.clear_cookies()  # the session ends (expired, or signed out in another tab)
    page.locator("form.generated button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    assert db.work.task(OPERATOR, task)["state"] == "open"
    page.fill("#username", "wang.lei")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{server}/tasks/{task}")
    expect(page.locator("#restored-draft")).to_be_visible()
    for name, value in RESEARCH.items():
        expect(page.locator(f"#f-{name}")).to_have_value(value)
    key = f"opsflow-draft:task-{task}"
    assert page.evaluate(f"sessionStorage.getItem('{key}') !== null")
    page.locator("form.generated button[type=submit]").click()
    page.wait_for_url(server + "/")
    assert db.work.show(OPERATOR, plan)["data"]["research"] == RESEARCH
    assert page.evaluate(f"sessionStorage.getItem('{key}')") is None  # the server took it: forgotten
    page.context.close()


def test_a_returned_draft_opens_with_its_values_and_the_reviewers_comment(
        browser: Browser, server: str, db: Engine, plan: int) -> None:
    step(db, "wang.lei", "research", plan, RESEARCH)
    step(db, "zhang.min", "draft_plan", plan, {**DRAFT, "title": "Spring relaunch"})
    step(db, "li.na", "manager_review", plan, decision("return", "Cut the budget to 400k"))
    task = only_task(db, "zhang.min", "draft_plan", plan)["id"]
    page = new_context(browser, "zh").new_page()
    sign_in(page, server, "zhang.min", f"/tasks/{task}")
    expect(page.locator("#review-notes")).to_contain_text("Cut the budget to 400k")
    expect(page.locator("#review-notes")).to_contain_text("此步骤已退回给您")
    expect(page.locator("#f-title")).to_have_value("Spring relaunch")
    expect(page.locator("#f-budget_cny")).to_have_value("480000")
    expect(page.locator("#f-period_type")).to_have_value(DRAFT["period_type"])
    expect(page.locator("#f-channels-1")).to_have_value(DRAFT["channels"][1])
    expect(page.locator("#f-activities-0-name")).to_have_value(DRAFT["activities"][0]["name"])
    expect(page.locator(".crumbs")).to_contain_text("Spring relaunch (2027-Q1)")  # the title kept in step
    page.fill("#f-budget_cny", "400000")
    page.locator("form.generated button[type=submit]").click()
    page.wait_for_url(server + "/")
    assert db.work.show(OPERATOR, plan)["data"]["draft_plan"]["budget_cny"] == 400000
    page.context.close()


def test_the_second_tab_is_told_it_was_already_done_by_you_and_keeps_its_input(
        browser: Browser, server: str, db: Engine, plan: int) -> None:
    first, task = research_page(browser, server, db, plan)
    second = first.context.new_page()
    second.goto(f"{server}/tasks/{task}")
    fill_research(first, RESEARCH)
    first.locator("form.generated button[type=submit]").click()
    first.wait_for_url(server + "/")
    fill_research(second, {**RESEARCH, "findings": "What the second tab said"})
    second.locator("form.generated button[type=submit]").click()
    notice = second.locator("#not-taken")
    expect(notice).to_contain_text(re.compile(r"You already completed this task, at .*\d{1,2}:\d{2}"))
    expect(second.locator("#kept-input")).to_contain_text("What the second tab said")
    assert db.work.show(OPERATOR, plan)["data"]["research"] == RESEARCH  # the first submission stands, once
    first.context.close()


def test_refusals_are_in_the_readers_language(browser: Browser, server: str) -> None:
    page = new_context(browser, "zh").new_page()
    sign_in(page, server, "li.na")
    page.goto(server + "/?q=%00")
    main = page.locator("main")
    expect(main).to_contain_text("q: 此项含有不允许的字符")
    expect(main).not_to_contain_text("control character")
    page.context.clear_cookies()
    page.goto(server + "/login")
    for _ in range(4):
        page.fill("#username", "chen.yu")
        page.fill("#password", "not-the-password")
        page.locator("form.stack button[type=submit]").click()
    expect(page.locator("#login-error")).to_contain_text("此设备登录失败次数过多：请等待 5 秒后再试。")
    page.context.close()


def test_the_api_explorer_takes_a_pasted_token_and_calls_the_api(browser: Browser, server: str, db: Engine,
                                                                 plan: int) -> None:
    token = db.org.create_token(Person("wang.lei"), "explorer")
    page = new_context(browser).new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(server + "/api/v1/docs")  # no sign-in, no token: the page and the document are public
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("opsflow REST API")
    page.locator("button.authorize").first.click()
    page.locator(".modal-ux input").fill(token)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    operation = page.locator("#operations-tasks-listTasks")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    response = operation.locator(".live-responses-table tbody td.response-col_status").first
    expect(response).to_have_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text("research")
    assert problems == [], problems  # among others: nothing refused by the app's strict CSP
    page.context.close()
