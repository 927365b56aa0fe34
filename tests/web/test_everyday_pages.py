"""What users stumbled on, page by page: the favicon, people named as "周杰 (zhou.jie)" on the result
card, working windows in words, a hint said once, long text refused (never cut), every refusal in the
reader's language, and a form sent after the session ended coming back to its page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from engine.facade import Engine
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of
from tests.journey import OPERATOR, RESEARCH
from tests.web.conftest import ClientFor, World, text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
LATIN_SENTENCE = re.compile(r"\b(contains|control character|surrogate|required|limited|cannot|invalid)\b")


def field_errors_of(page: str, name: str) -> str:
    match = re.search(rf'<ul class="errors" id="f-{name}-err">(.*?)</ul>', page, re.S)
    assert match, f"no errors shown for {name}"
    return match.group(1)


def main_part(page: str) -> str:
    return page[page.index('<main id="main"'):]


def test_every_page_names_the_favicon_and_browsers_get_it_at_favicon_ico(app: Flask, client_as: ClientFor) -> None:
    with app.test_client().get("/favicon.ico") as icon:  # anonymous: browsers ask before anyone signs in
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    for page in (text(app.test_client().get("/login")), text(client_as("li.na").get("/"))):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def appraise_zhou_jie(engine: Engine) -> int:
    open_cycle(engine)
    task = task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")
    engine.work.complete(Person("zhou.jie"), task["id"], self_assessment(4, 4, 4, 4))
    engine.work.complete(Person("wang.lei"), task_of(engine, "wang.lei", "manager_scoring", "zhou.jie")["id"],
                         scores(4, 4, 4, 4))
    engine.work.complete(Person("li.na"), task_of(engine, "li.na", "calibration", "zhou.jie")["id"],
                         {"decision": "confirm"})
    engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")["id"],
                         {"decision": "accept"})
    return int(task["instance_id"])


def test_the_result_card_names_the_employee_as_everywhere_else(client_as: ClientFor, web_engine: Engine) -> None:
    appraisal = appraise_zhou_jie(web_engine)
    page = text(client_as("li.na").get(f"/instances/{appraisal}", headers=EN))
    result = page[page.index("<summary>Result</summary>"):]
    result = result[:result.index("</details>")]
    assert re.search(r"<dt>Employee</dt><dd>\s*周杰 \(zhou\.jie\)\s*</dd>", result)
    assert not re.search(r"<dd>\s*zhou\.jie\s*</dd>", page)


@pytest.mark.parametrize(("headers", "five", "three"), [(EN, "5 working days", "3 working days"),
                                                         (ZH, "5 个工作日", "3 个工作日")])
def test_working_windows_are_shown_in_words(client_as: ClientFor, web_engine: Engine, headers: dict[str, str],
                                            five: str, three: str) -> None:
    open_cycle(web_engine, scoring_window="PT4H")
    task = task_of(web_engine, "zhou.jie", "self_assessment", "zhou.jie")
    page = main_part(text(client_as("zhou.jie").get(f"/instances/{task['instance_id']}", headers=headers)))
    assert five in page and three in page and ("4 hours" in page or "4 小时" in page)
    assert "P5D" not in page and "P3D" not in page and "PT4H" not in page


def test_a_hint_is_shown_with_its_field_and_not_repeated_in_the_error(client_as: ClientFor) -> None:
    response = client_as("li.na").post("/processes/market_plan", headers=ZH, data={
        "title": "Fair", "period_type": "quarterly", "period": "2027-13"})
    assert response.status_code == 422
    page = text(response)
    assert page.count("年度如 2027；季度如 2027-Q1；月度如 2027-03") == 1  # the hint, beside the field only
    assert "格式不符合要求：请参看该栏的提示。" in page
    assert "）。）。" not in page


def test_long_text_is_refused_with_the_limit_and_nothing_is_cut_or_stored(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    long_text = "很长的调研结论。" * 1700  # 13,600 characters, the limit is 10,000
    client = client_as("wang.lei")
    response = client.post(f"/tasks/{world.research}/complete", data={**RESEARCH, "findings": long_text},
                           headers=ZH)
    assert response.status_code == 422
    page = text(response)
    assert "最多输入 10000 个字符。" in field_errors_of(page, "findings")
    assert long_text in page  # shown again whole, for the person to shorten
    assert 'data-maxlength="10000"' in page and ' maxlength="' not in page
    assert web_engine.work.task(OPERATOR, world.research)["state"] == "open"
    comment = client.post(f"/tasks/{world.research}/comments", data={"body": "x" * 4001}, headers=ZH)
    assert "评论过长" in text(client.get(comment.headers["Location"], headers=ZH))
    assert web_engine.work.comments(OPERATOR, world.research) == []


REFUSALS_IN_CHINESE = [
    ("GET", "/?q=%00", {}, "不允许的字符"),
    ("GET", "/notifications?unread=%01", {}, "不允许的字符"),
    ("POST", "/tasks/{research}/comments", {"body": "a\x00b"}, "不允许的字符"),
    ("POST", "/tasks/{research}/comments", {"body": "  "}, "评论不能为空"),
    ("POST", "/tasks/{research}/assign", {"user": "zhou.jie"}, None),  # zhou.jie lacks the role
    ("POST", "/account/tokens", {"name": "a\x07"}, "不允许的字符"),
]


@pytest.mark.parametrize(("method", "path", "data", "expected"), REFUSALS_IN_CHINESE)
def test_every_refusal_is_in_the_readers_language(client_as: ClientFor, world: World, method: str, path: str,
                                                  data: dict[str, str], expected: str | None) -> None:
    client = client_as("li.na")
    url = path.format(research=world.research)
    response = client.open(url, method=method, data=data, headers=ZH)
    page = text(response) if response.status_code != 303 else \
        text(client.get(response.headers["Location"], headers=ZH))
    shown = main_part(page)
    shown = re.sub(r"<[^>]+>", " ", shown)
    if expected:
        assert expected in shown, (url, shown[:400])
    assert not LATIN_SENTENCE.search(shown), (url, LATIN_SENTENCE.search(shown))


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_after_signing_in(
        app: Flask, world: World) -> None:
    client = app.test_client()  # the session has ended: nobody is signed in
    page = f"http://localhost/tasks/{world.research}"
    response = client.post(f"/tasks/{world.research}/complete", data=RESEARCH, headers={"Referer": page})
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login" and parse_qs(target.query)["next"] == [f"/tasks/{world.research}"]
    # a form sent from another site, or with no Referer, goes to the inbox after signing in
    for referer in ("http://evil.example/tasks/1", None):
        headers = {"Referer": referer} if referer else {}
        response = client.post(f"/tasks/{world.research}/complete", data=RESEARCH, headers=headers)
        assert "next" not in parse_qs(urlsplit(response.headers["Location"]).query)


@pytest.mark.parametrize(("headers", "expected"), [(EN, "Plan vetoed — Spring launch (2027-Q1)"),
                                                   (ZH, "方案已否决 — Spring launch (2027-Q1)")])
def test_the_requester_reads_the_outcome_in_her_language(client_as: ClientFor, web_engine: Engine, world: World,
                                                         headers: dict[str, str], expected: str) -> None:
    from tests.journey import DRAFT, decision, step

    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    step(web_engine, "zhang.min", "draft_plan", world.plan, DRAFT)
    step(web_engine, "li.na", "manager_review", world.plan, decision("approve"))
    step(web_engine, "chen.yu", "director_signoff", world.plan, decision("veto", "Not this year"))
    page = text(client_as("li.na").get("/notifications", headers=headers))
    assert expected in page


@pytest.mark.parametrize(("headers", "label", "passed"), [
    (EN, "Self-assessment due by", "That day has passed: pick today or a later day."),
    (ZH, "自评截止日期", "该日期已过：请选择今天或之后的日期。")])
def test_a_cycles_windows_are_picked_as_days(client_as: ClientFor, web_engine: Engine, headers: dict[str, str],
                                            label: str, passed: str) -> None:
    director = client_as("chen.yu")
    before = len(web_engine.work.instances(OPERATOR))
    page = text(director.get("/processes/appraisal_cycle", headers=headers))
    for field in ("self_assessment_window", "scoring_window", "calibration_window", "acknowledge_window"):
        assert re.search(rf'<input[^>]*type="date"[^>]*name="{field}"|<input[^>]*name="{field}"[^>]*type="date"',
                         page), field
    assert label in page
    refused = director.post("/processes/appraisal_cycle", headers=headers, data={
        "period_type": "quarterly", "period": "2026-Q4", "self_assessment_window": "2020-01-06"})
    assert refused.status_code == 422 and passed in text(refused)
    assert len(web_engine.work.instances(OPERATOR)) == before  # nothing started
    done = director.post("/processes/appraisal_cycle", headers=headers, data={
        "period_type": "quarterly", "period": "2026-Q4", "self_assessment_window": "2099-01-15"})
    assert done.status_code == 303
    task = task_of(web_engine, "zhou.jie", "self_assessment", "zhou.jie")
    shown = main_part(text(client_as("zhou.jie").get(f"/instances/{task['instance_id']}", headers=headers)))
    assert "2099-01-15" not in shown and ("2099年1月15日" in shown or "Jan 15, 2099" in shown)
