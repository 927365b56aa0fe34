"""Adding signers (加签) before and after, and removing one (减签), in a browser. li.na holds the review of a plan:
she asks liu.yang and zhao.qiang to approve before her (in that order), then removes zhao.qiang before he
acted; liu.yang approves on his turn and the review comes back to her; she adds sun.hao after her and
approves; the plan waits for sun.hao, who approves, and only then goes on to the director. In Chinese on a
phone and in English on a desktop. Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import only_task, research_and_draft, start_plan

TEXTS = {
    "en": {"locale": "en-US", "summary": "Add signers", "in_turn": "The signers are asked in turn",
           "removed": "is no longer asked to sign", "before": "asks you to approve before they decide",
           "after": "has approved and asks you to approve too", "later": "The signers will be asked after you approve",
           "signed": "Your signature is recorded.", "signoff": "Director sign-off",
           "added_before": "added signers before them: 刘洋、赵强", "removed_one": "removed a signer: 赵强",
           "added_after": "added signers after their approval: 孙浩",
           "waits": "decided; the added signers approve next",
           "signed_for": "signed for 李娜"},
    "zh": {"locale": "zh-CN", "summary": "加签", "in_turn": "已加签，加签人将依次审批", "removed": "无需再审批",
           "before": "请你在其审批前先审批", "after": "已同意，请你也审批后流程再继续",
           "later": "你同意后将由加签人审批",
           "signed": "你的审批意见已记录。", "signoff": "总监审批", "added_before": "前加签：刘洋、赵强",
           "removed_one": "减签：赵强", "added_after": "后加签：孙浩", "waits": "已审批，接下来由加签人审批",
           "signed_for": "作为加签人为李娜审批"},
}
WHY = "预算涉及运营与推广，请先把关 / Operations and promotion should check the budget"


def add_signers(page: Page, people: list[str], position: str) -> None:
    offer = page.locator("details#add-signers")
    offer.locator("summary").click()
    offer.locator("#signers-people").select_option(people)
    offer.locator(f"input[name=position][value={position}]").check()
    offer.locator("#signers-reason").fill(WHY)


def sign_on_turn(page: Page, server: str, task_url: str, asked: str, comment: str, shot: Path) -> None:
    page.goto(task_url)
    expect(page.locator("#asked")).to_contain_text(asked)
    expect(page.locator("#asked-why")).to_have_text(WHY)
    expect(page.locator("#task-closed")).to_have_count(0)  # their turn on an open task
    expect(page.locator("#transfer")).to_have_count(0)  # theirs to sign, not to give away
    page.locator("#sign-form input[name=decision][value=approve]").check()
    page.locator("#sign-comment").fill(comment)
    page.screenshot(path=str(shot), full_page=True)
    page.locator("#sign-form button[type=submit]").click()
    page.wait_for_url(server + "/")


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_signers_before_and_after_the_holder_and_one_removed(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = start_plan(engine)
        research_and_draft(engine, plan)
        review = only_task(engine, "li.na", "manager_review", plan)["id"]
        engine.work.claim(Person("li.na"), review)
    finally:
        engine.db.dispose()
    task_url = f"{server}/tasks/{review}"

    li = signed_in_page(browser, server, texts["locale"], "li.na", viewport)
    li.goto(task_url)
    expect(li.locator("details#add-signers summary")).to_have_text(texts["summary"])
    add_signers(li, ["zhao.qiang", "liu.yang"], "before")
    li.screenshot(path=str(shots / f"signers-{lang}-{device}-before-form.png"), full_page=True)
    li.locator("details#add-signers button[type=submit]").click()
    expect(li.locator(".flash-success")).to_contain_text(texts["in_turn"])
    rows = li.locator("#handover ol.signers li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("刘洋")  # in the list's order: 刘洋 first, 赵强 waits for him
    expect(li.locator("form.generated")).to_have_count(0)  # with the first signer now: open, not "closed"
    expect(li.locator("#with-someone")).to_contain_text("刘洋")
    expect(li.locator("#task-closed")).to_have_count(0)
    rows.filter(has_text="赵强").locator("button[type=submit]").click()  # 减签, before he acted
    expect(li.locator(".flash-success")).to_contain_text(texts["removed"])
    li.screenshot(path=str(shots / f"signers-{lang}-{device}-removed.png"), full_page=True)

    liu = signed_in_page(browser, server, texts["locale"], "liu.yang", viewport)
    sign_on_turn(liu, server, task_url, texts["before"], "推广可以支持",
                 shots / f"signers-{lang}-{device}-sign-before.png")
    expect(liu.locator(".flash-success")).to_have_text(texts["signed"])
    liu.context.close()

    li.goto(task_url)
    expect(li.locator("form.generated")).to_have_count(1)  # back with her, to decide
    add_signers(li, ["sun.hao"], "after")
    li.locator("details#add-signers button[type=submit]").click()
    expect(li.locator(".flash-success")).to_contain_text(texts["later"])
    li.check("input[name=decision][value=approve]")
    li.fill("#f-comment", "同意 / Agreed")
    li.screenshot(path=str(shots / f"signers-{lang}-{device}-after-decide.png"), full_page=True)
    li.locator("form.generated button[type=submit]").click()
    li.wait_for_url(server + "/")
    li.goto(f"{server}/instances/{plan}")
    expect(li.locator("ul.open-steps")).not_to_contain_text(texts["signoff"])  # waits for sun.hao first

    sun = signed_in_page(browser, server, texts["locale"], "sun.hao", viewport)
    sign_on_turn(sun, server, task_url, texts["after"], "", shots / f"signers-{lang}-{device}-sign-after.png")
    sun.context.close()

    li.reload()
    expect(li.locator("ul.open-steps")).to_contain_text(texts["signoff"])  # only now on to the director
    timeline = li.locator("ol.timeline")
    for text in ("added_before", "removed_one", "added_after", "waits", "signed_for"):
        expect(timeline).to_contain_text(texts[text])
    expect(timeline.locator("li.event-task_signed")).to_have_count(2)
    li.screenshot(path=str(shots / f"signers-{lang}-{device}-timeline.png"), full_page=True)
    li.context.close()
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        assert only_task(engine, "chen.yu", "director_signoff", plan)
    finally:
        engine.db.dispose()
