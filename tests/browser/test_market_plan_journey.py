"""The whole market-plan journey in a browser, by four people signing in, in Chinese and English.

li.na starts two plans; wang.lei researches both; zhang.min drafts both; li.na returns one with
a comment and approves the other; zhang.min redrafts (and sees the comment); li.na approves it;
chen.yu vetoes one (with a reason) and approves the other; li.na checks "My requests" and the
timeline. The language comes from the browser (Accept-Language).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEMO_PASSWORD

TEXTS = {
    "en": {"locale": "en-US", "signed_out": "Sign in", "started": "Started:", "done": "is done",
           "required": "This is required.", "return": "Return for rework", "approved": "Approved",
           "vetoed": "Vetoed", "veto": "Veto", "running": "Running", "completed_step": "completed the step",
           "conflict_free_inbox": "Inbox", "research_title": "Market research report"},
    "zh": {"locale": "zh-CN", "signed_out": "登录", "started": "已发起：", "done": "已完成",
           "required": "此项为必填项。", "return": "退回返工", "approved": "已批准",
           "vetoed": "已否决", "veto": "否决", "running": "进行中", "completed_step": "完成了步骤",
           "conflict_free_inbox": "待办", "research_title": "市场调研报告"},
}
PLAN_A = {"title": "Spring launch", "period_type": "quarterly", "period": "2027-Q1", "brief": "Grow the north"}
PLAN_B = {"title": "Autumn push", "period_type": "monthly", "period": "2027-09", "brief": "Win back churned users"}
RESEARCH = {"target_customers": "Households in new estates", "competitors": "Two regional suppliers",
            "trends": "Heating demand grows 8% a year", "findings": "Price decides",
            "recommendations": "Bundle installation with supply"}
RETURN_REASON = "Budget too high: cut it to 400k and add a second channel."


@dataclass
class Person:
    """One person in their own browser context (own cookies, own language)."""

    page: Page
    base: str
    texts: dict[str, str]

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def open_task(self, instance_title: str) -> None:
        """Open, from the inbox, the task of the request titled ``instance_title``."""
        self.go("/")
        row = self.page.locator("table.tasks tr", has_text=instance_title)
        row.locator("a.task-link").click()
        self.page.wait_for_url(re.compile(r"/tasks/\d+$"))

    def submit_task(self) -> None:
        self.page.locator("form.generated button[type=submit]").click()
        self.page.wait_for_url(self.base + "/")
        expect(self.page.locator(".flash-success")).to_contain_text(self.texts["done"])


def sign_in(browser: Browser, base: str, lang: str, username: str) -> Person:
    texts = TEXTS[lang]
    context = browser.new_context(locale=texts["locale"], viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_url(re.compile(r"/login"))
    expect(page.locator("h1")).to_have_text(texts["signed_out"])
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(base + "/")
    return Person(page, base, texts)


def done(person: Person) -> None:
    person.page.context.close()


def start_plan(li: Person, plan: dict[str, str], first_try_empty: bool = False) -> int:
    li.go("/processes")
    li.page.locator("a.button.primary[href='/processes/market_plan']").click()
    if first_try_empty:  # the server refuses a missing title and says so next to the field
        li.page.select_option("#f-period_type", plan["period_type"])
        li.page.locator("form.generated button[type=submit]").click()
        expect(li.page.locator("#f-title-wrap .errors")).to_have_text(li.texts["required"])
        expect(li.page.locator("#f-period_type")).to_have_value(plan["period_type"])
    li.page.fill("#f-title", plan["title"])
    li.page.select_option("#f-period_type", plan["period_type"])
    li.page.fill("#f-period", plan["period"])
    li.page.fill("#f-brief", plan["brief"])
    li.page.locator("form.generated button[type=submit]").click()
    li.page.wait_for_url(re.compile(r"/instances/\d+$"))
    expect(li.page.locator(".flash-success")).to_contain_text(li.texts["started"])
    return int(li.page.url.rsplit("/", 1)[1])


def fill_draft(page: Page, plan: dict[str, str], budget: str, response: str = "") -> None:
    page.fill("#f-title", plan["title"])
    page.select_option("#f-period_type", plan["period_type"])
    page.fill("#f-period", plan["period"])
    page.fill("#f-budget_cny", budget)
    for name, value in (("goals", "3,000 new households"), ("target_market", "New estates, north district"),
                        ("positioning", "Reliable and affordable"), ("pricing", "Installation at cost"),
                        ("timeline", "January launch, March review")):
        page.fill(f"#f-{name}", value)
    page.fill("#f-channels-0", "WeChat")
    page.fill("#f-channels-1", "Estate offices")
    page.fill("#f-activities-0-name", "Estate open days")
    page.fill("#f-activities-0-start", "2027-01-10")
    page.fill("#f-activities-0-end", "2027-03-20")
    page.locator("#f-activities [data-add]").click()  # the script adds a row (numbered after the others)
    page.fill("#f-activities-3-name", "Spring fair")
    if response:
        page.fill("#f-response_to_comments", response)


def decide(person: Person, instance_title: str, value: str, comment: str = "") -> None:
    person.open_task(instance_title)
    person.page.check(f"input[name=decision][value={value}]")
    if comment:
        person.page.fill("#f-comment", comment)
    person.submit_task()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_market_plan_journey(browser: Browser, server: str, lang: str) -> None:
    texts = TEXTS[lang]
    title_a, title_b = f"{PLAN_A['title']} ({PLAN_A['period']})", f"{PLAN_B['title']} ({PLAN_B['period']})"

    li = sign_in(browser, server, lang, "li.na")
    plan_a = start_plan(li, PLAN_A, first_try_empty=True)
    plan_b = start_plan(li, PLAN_B)
    done(li)

    wang = sign_in(browser, server, lang, "wang.lei")
    expect(wang.page.locator("#team table.tasks tbody tr")).to_have_count(2)
    wang.page.locator("#team tr", has_text=title_a).get_by_role("button").first.click()  # claim
    wang.page.wait_for_url(re.compile(r"/tasks/\d+$"))
    for plan in (title_a, title_b):
        if plan == title_b:
            wang.open_task(title_b)
        expect(wang.page.locator("h1")).to_have_text(texts["research_title"])
        for name, value in RESEARCH.items():
            wang.page.fill(f"#f-{name}", value)
        wang.submit_task()
    expect(wang.page.locator("table.tasks")).to_have_count(0)
    done(wang)

    zhang = sign_in(browser, server, lang, "zhang.min")
    for plan, instance_title in ((PLAN_A, title_a), (PLAN_B, title_b)):
        zhang.open_task(instance_title)
        expect(zhang.page.locator(".step-data").first).to_contain_text(plan["title"])
        fill_draft(zhang.page, plan, "480000")
        zhang.submit_task()
    done(zhang)

    li = sign_in(browser, server, lang, "li.na")
    li.open_task(title_a)
    li.page.check("input[name=decision][value=return]")
    li.page.locator("form.generated button[type=submit]").click()  # no reason: refused
    expect(li.page.locator("#f-comment-wrap .errors")).to_be_visible()
    expect(li.page.locator("input[name=decision][value=return]")).to_be_checked()
    li.page.fill("#f-comment", RETURN_REASON)
    li.submit_task()
    decide(li, title_b, "approve")
    done(li)

    zhang = sign_in(browser, server, lang, "zhang.min")
    zhang.open_task(title_a)
    expect(zhang.page.locator(".step-data", has_text=RETURN_REASON)).to_contain_text(texts["return"])
    fill_draft(zhang.page, PLAN_A, "400000", response="Budget cut to 400k; estate offices added.")
    zhang.submit_task()
    done(zhang)

    li = sign_in(browser, server, lang, "li.na")
    decide(li, title_a, "approve")
    done(li)

    chen = sign_in(browser, server, lang, "chen.yu")
    expect(chen.page.locator("table.tasks tbody tr")).to_have_count(2)
    chen.open_task(title_b)
    expect(chen.page.locator("label.decision-warn", has=chen.page.locator("input[value=veto]"))).to_contain_text(
        texts["veto"])
    decide(chen, title_b, "veto", "Not this year: the budget goes to the spring launch.")
    decide(chen, title_a, "approve")
    done(chen)

    li = sign_in(browser, server, lang, "li.na")
    li.go("/requests")
    expect(li.page.locator(f"tr[data-instance='{plan_a}']")).to_contain_text(texts["approved"])
    expect(li.page.locator(f"tr[data-instance='{plan_b}']")).to_contain_text(texts["vetoed"])
    li.page.locator(f"tr[data-instance='{plan_a}'] a").click()
    li.page.wait_for_url(f"{server}/instances/{plan_a}")
    timeline = li.page.locator("ol.timeline")
    expect(timeline).to_contain_text(RETURN_REASON)
    expect(timeline).to_contain_text(texts["return"])
    expect(timeline).to_contain_text(texts["completed_step"])
    expect(timeline).to_contain_text("陈宇")
    expect(li.page.locator(".page-head .pill")).to_have_text(texts["approved"])
    completed: Any = li.page.locator("ol.timeline li.event-task_completed")
    expect(completed).to_have_count(6)  # research, draft, return, redraft, approve, sign-off
    done(li)
