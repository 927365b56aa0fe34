"""The inbox marks a task that came back by a return (退回), was urged (催办) or came by a transfer (转办), in zh and
en, for one more statement per page however many rows; "My requests" offers to urge one's own open steps (CSRF),
then says from when it may be urged again."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import event

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import RESEARCH, only_task, start_plan, step
from tests.web.conftest import ClientFor, csrf_token, sign_in_session, text

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def row_of(page: str, task_id: int) -> str:
    found = re.search(rf'<tr[^>]*data-task="{task_id}".*?</tr>', page, re.S)
    assert found, f"no row for task {task_id}"
    return found.group(0)


def test_a_returned_task_says_who_returned_it_and_why(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    step(web_engine, "wang.lei", "research", plan, RESEARCH)
    draft = only_task(web_engine, "zhang.min", "draft_plan", plan)["id"]
    back = web_engine.work.return_task(Person("zhang.min"), draft, "research", "请补充竞品价格")
    wang = client_as("wang.lei")
    en = row_of(text(wang.get("/", headers=EN)), back["new_task_id"])
    assert "Returned by 张敏: 请补充竞品价格" in en and "mark-returned" in en
    assert "被张敏退回：请补充竞品价格" in row_of(text(wang.get("/", headers=ZH)), back["new_task_id"])


def test_a_long_reason_is_cut_short_in_the_row_and_whole_on_hover(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    step(web_engine, "wang.lei", "research", plan, RESEARCH)
    draft = only_task(web_engine, "zhang.min", "draft_plan", plan)["id"]
    reason = "The prices of the three competitors are missing, and the survey of the northern districts too. " * 2
    back = web_engine.work.return_task(Person("zhang.min"), draft, "research", reason)
    row = row_of(text(client_as("wang.lei").get("/", headers=EN)), back["new_task_id"])
    assert f'title="{reason.strip()}"' in row
    assert "Returned by 张敏: The prices of the three competitors are…<" in row


def test_urged_and_transferred_tasks_say_so(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    research = only_task(web_engine, "wang.lei", "research", plan)["id"]
    web_engine.work.urge(Person("li.na"), research)
    wang = client_as("wang.lei")
    assert "Urged by 李娜" in row_of(text(wang.get("/", headers=EN)), research)
    assert "李娜催办" in row_of(text(wang.get("/", headers=ZH)), research)
    web_engine.work.transfer(Person("wang.lei"), research, "zhou.jie", "出差")
    zhou = client_as("zhou.jie")
    row = row_of(text(zhou.get("/", headers=EN)), research)
    assert "Transferred from 王磊" in row and "Urged by 李娜" in row
    assert "由王磊转办" in row_of(text(zhou.get("/", headers=ZH)), research)
    plain = start_plan(web_engine)
    untouched = only_task(web_engine, "wang.lei", "research", plain)["id"]
    assert "mark" not in row_of(text(wang.get("/", headers=EN)), untouched)


def _page_statements(app: Flask, engine: Engine) -> int:
    seen: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    client = sign_in_session(app.test_client(), "wang.lei")
    client.get("/")  # warm
    event.listen(engine.db, "before_cursor_execute", on_execute)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine.db, "before_cursor_execute", on_execute)
    return len(seen)


def test_the_marks_cost_the_inbox_page_one_statement_however_many_rows(app: Flask, web_engine: Engine) -> None:
    before = _page_statements(app, web_engine)  # the template's two plans, unmarked
    for _ in range(6):
        task = only_task(web_engine, "wang.lei", "research", start_plan(web_engine))["id"]
        web_engine.work.urge(Person("li.na"), task)
    assert _page_statements(app, web_engine) == before


def test_my_requests_offer_to_urge_my_open_steps_then_say_when_again(client_as: ClientFor,
                                                                     web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    research = only_task(web_engine, "wang.lei", "research", plan)["id"]
    li_na = client_as("li.na")
    page = text(li_na.get("/requests", headers=EN))
    assert f'action="/tasks/{research}/urge"' in page
    done = li_na.post(f"/tasks/{research}/urge", data={"next": "/requests"}, headers=EN)
    assert done.status_code == 303 and done.headers["Location"] == "/requests"
    assert "Reminded: 王磊" in text(li_na.get("/requests", headers=EN))
    row = re.search(rf'<tr data-instance="{plan}".*?</tr>', text(li_na.get("/requests", headers=EN)), re.S)
    assert row and "disabled" in row.group(0) and "Urged; again from" in row.group(0)
    zh = re.search(rf'<tr data-instance="{plan}".*?</tr>', text(li_na.get("/requests", headers=ZH)), re.S)
    assert zh and "已催办" in zh.group(0)
    too_soon = li_na.post(f"/tasks/{research}/urge", data={"next": "/requests"}, follow_redirects=True, headers=EN)
    assert "You may urge it again from" in text(too_soon)
    told = [n for n in web_engine.work.notifications(Person("wang.lei")) if n.kind == "urged"]
    assert len(told) == 1  # the second was refused
    assert f'/tasks/{research}/urge' not in text(client_as("wang.lei").get("/requests"))  # not his request


def test_urging_from_my_requests_needs_the_csrf_token(csrf_app: Flask, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    research = only_task(web_engine, "wang.lei", "research", plan)["id"]
    li_na = sign_in_session(csrf_app.test_client(), "li.na")
    assert li_na.post(f"/tasks/{research}/urge", data={"next": "/requests"}).status_code == 400
    assert [n for n in web_engine.work.notifications(Person("wang.lei")) if n.kind == "urged"] == []
    token = csrf_token(li_na, "/requests")
    assert li_na.post(f"/tasks/{research}/urge", data={"next": "/requests", "csrf_token": token}).status_code == 303
