"""Issue 20's acceptance in a browser, as ``admin``: a joiner is added to the safety section reporting to its head
with the role ``staff`` and is e-mailed a set-password link (a real SMTP server started by the test receives it;
the worker sends it); zhou.jie is promoted to research supervisor; wu.fang, who holds two open tasks, is
deactivated through the one form that hands them over first; the org chart shows the changes. The joiner sets his
password through the link, signs in and finds the step of his role in his inbox; wu.fang can no longer sign in and
her API token answers 401; wang.lei finds her two tasks in his inbox, "handed over from 吴芳" on their timelines.
In Chinese on a desktop and in English on a phone. What others do (wu.fang's research steps, a staff step started by
hu.bin) is set up through the engine on the server's own database. Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else
the test's temporary folder)."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect

from engine.facade import build_engine
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.browser.conftest import DEMO_PASSWORD, DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.engine.runtime.test_instance_state import deploy_from
from tests.engine.scheduling.test_worker import free_port
from tests.journey import START, only_task
from tests.paths import REPO

STAFF_STEP = REPO / "tests" / "fixtures" / "bpmn" / "accepted" / "note_then_script.bpmn"


class Mailbox:
    """What the test's SMTP server received."""

    def __init__(self) -> None:
        self.letters: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.letters.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A real SMTP server for the web and the worker (asked for before ``server``, whose process reads the env)."""
    box, port = Mailbox(), free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=port)
    smtp.start()
    monkeypatch.setenv("OPSFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OPSFLOW_SMTP_PORT", str(port))
    try:
        yield box
    finally:
        smtp.stop()

TEXTS = {
    "zh": {"locale": "zh-CN", "people": "人员", "joined": "钱波 已入职", "saved": "已记录 1 项变更",
           "left": "已移交给 王磊 (wang.lei)", "supervisor": "市场调研主管", "safety": "安全科",
           "hand_over": "移交 2 项待办并停用", "refused": "用户名或密码错误", "set_password": "设置密码",
           "handed_over": "将已离职的 吴芳 的任务移交给 王磊"},
    "en": {"locale": "en-US", "people": "People", "joined": "钱波 has joined", "saved": "1 change is on record",
           "left": "went to 王磊 (wang.lei)", "supervisor": "Market Research Supervisor", "safety": "Safety Section",
           "hand_over": "Hand over 2 tasks and deactivate", "refused": "Wrong username or password.",
           "set_password": "Set your password", "handed_over": "handed over the task of 吴芳, who left, to 王磊"},
}


def _set_up(database: Path) -> tuple[list[int], list[int], str]:
    """wu.fang's two research steps, her API token, and a step for the role staff (started by hu.bin)."""
    engine = build_engine(f"sqlite:///{database}")
    try:
        tasks, plans = [], []
        for title in ("Estates", "Depots"):
            plan = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id)
            task = only_task(engine, "wang.lei", "research", plan)["id"]
            engine.work.transfer(Person("wang.lei"), task, "wu.fang", "she knows the estates")
            tasks.append(task)
            plans.append(plan)
        deploy_from(engine, STAFF_STEP, REPO / "tests" / "fixtures" / "forms")
        engine.work.start(Person("hu.bin"), "note_then_script", {})
        return tasks, plans, engine.org.create_token(Person("wu.fang"), "her laptop")
    finally:
        engine.db.dispose()


def _send_mail(database: Path) -> None:
    """The worker's round: the set-password link goes out through the test's SMTP server."""
    engine = build_engine(f"sqlite:///{database}")
    try:
        Worker(engine.core, slots=5).run_once()
    finally:
        engine.db.dispose()


def _api_status(base: str, token: str) -> int:
    request = urllib.request.Request(base + "/api/v1/tasks",  # noqa: S310 - our own local server
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - our own local server
            return int(answer.status)
    except HTTPError as exc:
        return exc.code


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
        browser: Browser, mailbox: Mailbox, server: str, tmp_path: Path, lang: str, viewport: dict[str, Any]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    database = tmp_path / "opsflow.sqlite"
    tasks, plans, token = _set_up(database)
    assert _api_status(server, token) == 200
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
    page.locator("#send-link").click()
    expect(page.locator(".flash-success")).to_contain_text("qian.bo@example.com")
    page.screenshot(path=str(shots / f"people-{lang}-joiner-link.png"), full_page=True)
    _send_mail(database)
    [letter] = [m for m in mailbox.letters if m["To"] == "qian.bo@example.com"]
    body = letter.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    link = re.search(r"(http://\S+/set-password/\S+)", body)
    assert link is not None, body

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

    # The joiner sets his password through the link, signs in and finds the step for staff in his inbox.
    context = browser.new_context(locale=texts["locale"], viewport=viewport)
    joiner = context.new_page()
    joiner.goto(link.group(1))
    expect(joiner.locator("h1")).to_have_text(texts["set_password"])
    joiner.fill("#password", "joiner-secret-1")
    joiner.fill("#password_again", "joiner-secret-1")
    joiner.screenshot(path=str(shots / f"people-{lang}-joiner-sets-password.png"), full_page=True)
    joiner.locator("form.stack button[type=submit]").click()
    joiner.wait_for_url(re.compile(r".*/login\?username=qian\.bo$"))
    expect(joiner.locator("#username")).to_have_value("qian.bo")
    joiner.fill("#password", "joiner-secret-1")
    joiner.locator("form.stack button[type=submit]").click()
    joiner.wait_for_url(server + "/")
    expect(joiner.locator("tr[data-task]")).to_have_count(1)  # the one step for staff
    expect(joiner.locator("tr[data-task]")).to_contain_text("write_note")
    joiner.screenshot(path=str(shots / f"people-{lang}-joiner-inbox.png"), full_page=True)
    context.close()

    # wang.lei finds wu.fang's two tasks, handed over from her; her API token is refused.
    manager = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    for task in tasks:
        expect(manager.locator(f"tr[data-task='{task}']")).to_have_count(1)
    manager.goto(server + f"/instances/{plans[0]}")
    expect(manager.locator("body")).to_contain_text(texts["handed_over"])
    manager.screenshot(path=str(shots / f"people-{lang}-handed-over.png"), full_page=True)
    manager.context.close()
    assert _api_status(server, token) == 401

    # wu.fang cannot sign in any more.
    leaver = _sign_in(browser, server, texts["locale"], "wu.fang", DEMO_PASSWORD, viewport)
    expect(leaver.locator("#login-error")).to_contain_text(texts["refused"])
    leaver.screenshot(path=str(shots / f"people-{lang}-leaver-refused.png"), full_page=True)
    leaver.context.close()
