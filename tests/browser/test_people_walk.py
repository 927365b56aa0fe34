"""Issue 20's acceptance in a browser, as ``admin``: a joiner is added to the safety section reporting to its head
with the role ``staff`` (and signs in with the password the page gives him once); zhou.jie is promoted to research
supervisor; wu.fang, who holds two open tasks, is deactivated through the one form that hands them over first; the
org chart shows the changes; wu.fang can no longer sign in. In Chinese on a desktop and in English on a phone.
The research steps passed to wu.fang are set up through the engine on the server's own database. Screenshots go to
``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DEMO_PASSWORD, DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import START, only_task

TEXTS = {
    "zh": {"locale": "zh-CN", "people": "人员", "joined": "钱波 已入职", "saved": "已记录 1 项变更",
           "left": "已移交给 王磊 (wang.lei)", "supervisor": "市场调研主管", "safety": "安全科",
           "hand_over": "移交 2 项待办并停用", "refused": "用户名或密码错误"},
    "en": {"locale": "en-US", "people": "People", "joined": "钱波 has joined", "saved": "1 change is on record",
           "left": "went to 王磊 (wang.lei)", "supervisor": "Market Research Supervisor", "safety": "Safety Section",
           "hand_over": "Hand over 2 tasks and deactivate", "refused": "Wrong username or password."},
}


def _tasks_for_wu_fang(database: Path) -> list[int]:
    engine = build_engine(f"sqlite:///{database}")
    try:
        tasks = []
        for title in ("Estates", "Depots"):
            plan = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id)
            task = only_task(engine, "wang.lei", "research", plan)["id"]
            engine.work.transfer(Person("wang.lei"), task, "wu.fang", "she knows the estates")
            tasks.append(task)
        return tasks
    finally:
        engine.db.dispose()


def _sign_in(browser: Browser, base: str, locale: str, username: str, password: str,
             viewport: dict[str, int]) -> Page:
    context = browser.new_context(locale=locale, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("form.stack button[type=submit]").click()
    return page


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_an_administrator_adds_a_joiner_promotes_and_lets_a_leaver_go(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, Any]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    tasks = _tasks_for_wu_fang(tmp_path / "opsflow.sqlite")
    page = signed_in_page(browser, server, texts["locale"], "admin", viewport)

    # A joiner in the safety section, reporting to its head, with the role staff (ticked by default).
    page.locator("nav.main-nav a", has_text=texts["people"]).click()
    page.wait_for_url(server + "/admin/people")
    page.screenshot(path=str(shots / f"people-{lang}-list.png"), full_page=True)
    page.locator("a.button.primary[href='/admin/people/new']").click()
    page.fill("#p-username", "qian.bo")
    page.fill("#p-name", "钱波")
    page.fill("#p-email", "qian.bo@example.com")
    page.select_option("#p-unit", "safety")
    page.select_option("#p-manager", "jiang.hai")
    expect(page.locator("input[name=roles][value=staff]")).to_be_checked()
    page.screenshot(path=str(shots / f"people-{lang}-joiner-form.png"), full_page=True)
    page.locator("form.person-form button[type=submit]").click()
    page.wait_for_url(server + "/admin/people/qian.bo")
    expect(page.locator(".flash-success")).to_contain_text(texts["joined"])
    page.locator("form[action$='/password'] button").click()
    password = page.locator("#password-value").input_value()
    page.screenshot(path=str(shots / f"people-{lang}-joiner-password.png"), full_page=True)

    # zhou.jie (wang.lei's report) becomes research supervisor.
    page.goto(server + "/admin/people?q=zhou.jie")
    page.locator("tr[data-person='zhou.jie'] a").click()
    page.locator("input[name=roles][value=staff]").uncheck()
    page.locator("input[name=roles][value=research_supervisor]").check()
    page.locator("form.person-form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(texts["saved"])
    expect(page.locator("table.org-record")).to_contain_text(texts["supervisor"])
    page.screenshot(path=str(shots / f"people-{lang}-promoted.png"), full_page=True)

    # wu.fang leaves: the page lists her two open tasks and hands them to her manager in the same form.
    page.goto(server + "/admin/people/wu.fang")
    page.locator(".person-actions a[href$='/deactivate']").click()
    for task in tasks:
        expect(page.locator(f"table.leaving-tasks tr[data-task='{task}']")).to_have_count(1)
    expect(page.locator("#hand-over-to")).to_have_value("wang.lei")
    submit = page.locator("form.leave-form button[type=submit]")
    expect(submit).to_have_text(texts["hand_over"])
    page.screenshot(path=str(shots / f"people-{lang}-leaver.png"), full_page=True)
    submit.click()
    page.wait_for_url(server + "/admin/people/wu.fang")
    expect(page.locator(".flash-success")).to_contain_text(texts["left"])
    expect(page.locator("tr[data-kind='org_user_deactivated']")).to_have_count(1)
    page.screenshot(path=str(shots / f"people-{lang}-left.png"), full_page=True)

    # The org chart: the joiner under the safety section's head, zhou.jie's new role, wu.fang gone.
    page.goto(server + "/admin/org-chart")
    safety = page.locator("li[data-unit='safety']")
    expect(safety.locator(".org-unit")).to_have_text(texts["safety"])
    expect(safety.locator("[data-member='qian.bo']")).to_have_count(1)
    expect(page.locator("li[data-line='jiang.hai'] li[data-line='qian.bo']")).to_have_count(1)
    expect(page.locator("[data-member='zhou.jie']")).to_contain_text(texts["supervisor"])
    expect(page.locator("[data-member='wu.fang']")).to_have_count(0)
    page.screenshot(path=str(shots / f"people-{lang}-org-chart.png"), full_page=True)
    page.context.close()

    # The joiner signs in with the password he was given; wu.fang cannot any more.
    joiner = _sign_in(browser, server, texts["locale"], "qian.bo", password, viewport)
    joiner.wait_for_url(server + "/")
    joiner.context.close()
    leaver = _sign_in(browser, server, texts["locale"], "wu.fang", DEMO_PASSWORD, viewport)
    expect(leaver.locator("#login-error")).to_contain_text(texts["refused"])
    leaver.screenshot(path=str(shots / f"people-{lang}-leaver-refused.png"), full_page=True)
    leaver.context.close()
