"""The task page: generated form, server-side errors, decisions, comments, context, conflicts."""

from __future__ import annotations

import re

from flask import Flask

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import DRAFT, OPERATOR, RESEARCH, START, decision, only_task, step
from tests.web.conftest import PASSWORD, ClientFor, World, sign_in_session, text

BAD_DRAFT = {
    "title": "Spring launch", "period_type": "quarterly", "period": "2027-13", "budget_cny": "lots",
    "goals": "", "target_market": "North", "positioning": "Reliable", "pricing": "At cost",
    "channels-0": "WeChat", "channels-1": "", "activities-0-name": "", "activities-0-start": "2027-02-30",
    "timeline": "Q1",
}


def field_block(page: str, name: str) -> str:
    """The HTML of one field's wrapper (label, help, errors and input)."""
    match = re.search(rf'<div class="field[^"]*" id="f-{re.escape(name)}-wrap">(.*?)</div>\s*(?=<div class="field|'
                      rf'<div class="actions|</div>\s*<button)', page, re.S)
    assert match, f"no field {name}"
    return match.group(1)


def research_done(engine: Engine, world: World) -> int:
    step(engine, "wang.lei", "research", world.plan, RESEARCH)
    return int(only_task(engine, "zhang.min", "draft_plan", world.plan)["id"])


def test_the_form_is_generated_from_the_schema_with_names_after_its_properties(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    draft = research_done(web_engine, world)
    page = text(client_as("zhang.min").get(f"/tasks/{draft}"))
    for name in ("title", "period", "goals", "timeline", "response_to_comments", "channels-0", "channels-2",
                 "activities-0-name", "activities-0-start", "activities-2-end"):
        assert f'name="{name}"' in page, name
    assert '<select id="f-period_type" name="period_type"' in page
    assert 'type="number"' in page and 'min="0"' in page and 'max="1000000000"' in page
    assert 'type="date"' in page and "<textarea" in page
    assert 'name="channels-__i__"' in page  # the row template the script copies
    assert "Research the market" not in page and "Draft the plan from the research" in page
    assert "Market research report" in page and "Households in new estates" in page  # earlier step, titled


def test_bad_values_show_every_field_error_and_keep_the_input(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    draft = research_done(web_engine, world)
    response = client_as("zhang.min").post(f"/tasks/{draft}/complete", data=BAD_DRAFT)
    assert response.status_code == 422
    page = text(response)
    expected = {
        "period": "This does not have the expected form", "budget_cny": "Enter a number.",
        "goals": "This is required.", "activities-0-start": "Enter a date as YYYY-MM-DD.",
    }
    for name, message in expected.items():
        block = field_block(page, name)
        assert message in block, name
        assert 'aria-invalid="true"' in block, name
    assert 'id="form-errors"' in page
    assert 'value="2027-13"' in field_block(page, "period")
    assert 'value="lots"' in field_block(page, "budget_cny")
    assert 'value="WeChat"' in page and 'value="North"' not in page  # North is in a textarea
    assert ">North</textarea>" in page
    assert '<option value="quarterly" selected>' in page
    assert web_engine.work.task(OPERATOR, draft)["state"] == "open"


def test_a_good_draft_completes_and_goes_back_to_the_inbox(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    draft = research_done(web_engine, world)
    form = {k: v for k, v in DRAFT.items() if not isinstance(v, list)}
    form.update({"budget_cny": "480,000", "channels-0": "WeChat", "channels-4": "Estate offices",
                 "activities-0-name": "Estate open days", "activities-0-start": "2027-01-10",
                 "activities-0-end": "2027-03-20"})
    client = client_as("zhang.min")
    response = client.post(f"/tasks/{draft}/complete", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "is done" in text(client.get("/"))
    assert web_engine.work.show(OPERATOR, world.plan)["data"]["draft_plan"] == DRAFT


def test_a_return_without_a_reason_is_refused(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    draft = research_done(web_engine, world)
    web_engine.work.complete(Person("zhang.min"), draft, DRAFT)
    review = only_task(web_engine, "li.na", "manager_review", world.plan)["id"]
    client = client_as("li.na")
    page = text(client.get(f"/tasks/{review}"))
    assert 'type="radio" name="decision" value="return"' in page and "Return for rework" in page
    for comment in ("", "   "):
        response = client.post(f"/tasks/{review}/complete", data={"decision": "return", "comment": comment})
        assert response.status_code == 422
        assert "This is required." in field_block(text(response), "comment")
        assert re.search(r'value="return"\s+checked', text(response))  # the choice is kept
    assert web_engine.work.task(OPERATOR, review)["state"] == "open"
    response = client.post(f"/tasks/{review}/complete", data={"decision": "return", "comment": "Cut the budget"})
    assert response.status_code == 303
    redraft = only_task(web_engine, "zhang.min", "draft_plan", world.plan)["id"]
    page = text(client_as("zhang.min").get(f"/tasks/{redraft}"))
    assert "Cut the budget" in page and "Return for rework" in page  # the drafter sees why


def test_completing_a_task_someone_else_just_completed_says_so(
    app: Flask, web_engine: Engine, world: World,
) -> None:
    web_engine.org.add_user(OPERATOR, "wang.two", ["research_supervisor"], "li.na")
    web_engine.org.set_password(OPERATOR, "wang.two", PASSWORD)
    late = sign_in_session(app.test_client(), "wang.two")
    assert late.get(f"/tasks/{world.research}").status_code == 200
    web_engine.work.complete(Person("wang.lei"), world.research, RESEARCH)
    response = late.post(f"/tasks/{world.research}/complete", data=RESEARCH)
    assert response.status_code == 409  # the page says who did it and when, with what was typed kept
    page = text(response)
    assert "王磊 completed this task at" in page and RESEARCH["findings"] in page
    response = late.post(f"/tasks/{world.held_research}/claim")  # held by wang.lei
    assert response.headers["Location"] == "/"
    assert "already completed or claimed" in text(late.get("/"))


def test_comments_are_listed_with_author_and_time(client_as: ClientFor, world: World) -> None:
    client = client_as("li.na")
    response = client.post(f"/tasks/{world.research}/comments", data={"body": "Include the rural estates"})
    assert response.status_code == 303
    page = text(client_as("wang.lei").get(f"/tasks/{world.research}"))
    assert "Include the rural estates" in page and "李娜" in page and "<time" in page
    refused = client.post(f"/tasks/{world.research}/comments", data={"body": "  "})
    assert refused.status_code == 303
    assert "A comment cannot be empty." in text(client.get(refused.headers["Location"]))


def test_process_data_is_escaped_and_cannot_inject_templates(client_as: ClientFor, web_engine: Engine) -> None:
    start = {"title": "<script>alert(1)</script>{{ 'tmpl' ~ 'injected' }}", "period_type": "annual", "period": "2027"}
    plan = int(web_engine.work.start(Person("li.na"), "market_plan", start).id)
    task = only_task(web_engine, "wang.lei", "research", plan)["id"]
    page = text(client_as("wang.lei").get(f"/tasks/{task}"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ &#39;tmpl&#39; ~ &#39;injected&#39; }}" in page
    assert "tmplinjected" not in page


def test_someone_who_may_only_follow_sees_no_form(client_as: ClientFor, world: World) -> None:
    page = text(client_as("li.na").get(f"/tasks/{world.research}"))
    assert 'action="/tasks/' + str(world.research) + '/complete"' not in page
    assert "for someone else to complete" in page
    assert 'name="user"' in page and '<option value="wang.lei">王磊</option>' in page  # li.na may assign it


def test_a_rework_shows_the_rounds_used(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    draft = research_done(web_engine, world)
    web_engine.work.complete(Person("zhang.min"), draft, DRAFT)
    step(web_engine, "li.na", "manager_review", world.plan, decision("return", "Again"))
    redraft = only_task(web_engine, "zhang.min", "draft_plan", world.plan)["id"]
    assert "1 of 5 used" in text(client_as("zhang.min").get(f"/tasks/{redraft}"))


def test_instructions_come_in_the_pages_language_only(client_as: ClientFor, world: World) -> None:
    client = client_as("wang.lei")
    english = text(client.get(f"/tasks/{world.research}", headers={"Accept-Language": "en"}))
    chinese = text(client.get(f"/tasks/{world.research}", headers={"Accept-Language": "zh-CN"}))
    assert "Research the market for this plan" in english and "调研本方案的市场" not in english
    assert "调研本方案的市场" in chinese and "Research the market for this plan" not in chinese



def test_the_page_names_its_form_and_a_wrong_or_foreign_name_changes_nothing_the_engine_checks(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    """The submitted fields are read by the form the page names (``opsflow:form``); the engine checks the data
    against the task's own form, so another step's name stores nothing, and a name no deployed step has
    (an older or a tampered page) reads the fields by the task's own form."""
    client = client_as("wang.lei")
    page = text(client.get(f"/tasks/{world.research}"))
    assert 'name="opsflow:form" value="market_plan/1/research"' in page
    foreign = client.post(f"/tasks/{world.research}/complete",
                          data={**RESEARCH, "opsflow:form": "market_plan/1/manager_review"})
    assert foreign.status_code == 422  # read by the review's form: none of the research's fields
    assert "research" not in web_engine.work.show(OPERATOR, world.plan)["data"]
    for wrong in ("nonsense", "market_plan/99999999999/research", "no_such_process/1/research", "market_plan/1/"):
        plan = int(web_engine.work.start(Person("li.na"), "market_plan", START).id)
        task = only_task(web_engine, "wang.lei", "research", plan)["id"]
        answer = client.post(f"/tasks/{task}/complete", data={**RESEARCH, "opsflow:form": wrong})
        assert answer.status_code == 303, wrong
        assert web_engine.work.show(OPERATOR, plan)["data"]["research"] == RESEARCH, wrong


def test_every_step_shows_the_requests_comments_and_a_mention_tells_or_is_refused_in_the_readers_language(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    researcher = client_as("wang.lei")
    researcher.post(f"/tasks/{world.research}/comments", data={"body": "Two suppliers, prices attached"})
    draft = research_done(web_engine, world)
    planner = client_as("zhang.min")
    for language, on_step in (("en", "on Market research report"), ("zh-CN", "于“市场调研报告”")):
        page = text(planner.get(f"/tasks/{draft}", headers={"Accept-Language": language}))
        comments = page[page.index('id="comments"'):]
        assert "Two suppliers, prices attached" in comments and on_step in comments
    told = planner.post(f"/tasks/{draft}/comments", data={"body": "@li.na the budget needs you"},
                        headers={"Accept-Language": "zh-CN"}, follow_redirects=True)
    assert "评论已添加，已通知您提到的人。" in text(told)
    assert [n.kind for n in web_engine.work.notifications(Person("li.na"))][:1] == ["mention"]
    refused = planner.post(f"/tasks/{draft}/comments", data={"body": "@zhou.jie please look"},
                           headers={"Accept-Language": "zh-CN"}, follow_redirects=True)
    assert "zhou.jie 无权查看此申请" in text(refused)
    assert "please look" not in text(planner.get(f"/tasks/{draft}"))


def test_an_activity_ending_before_it_starts_is_refused_beside_its_end_date(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    draft = research_done(web_engine, world)
    fields = {**{k: v for k, v in BAD_DRAFT.items() if not k.startswith("activities")}, "period": "2027-Q1",
              "budget_cny": "480000", "goals": "3,000 households", "activities-0-name": "Radio",
              "activities-0-start": "2027-03-01", "activities-0-end": "2027-02-28"}
    response = client_as("zhang.min").post(f"/tasks/{draft}/complete", data=fields,
                                           headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert "不能早于开始日期。" in field_block(text(response), "activities-0-end")
