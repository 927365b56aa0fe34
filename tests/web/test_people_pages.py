"""People administration in the web (issue 20): people listed and found, a joiner added, someone promoted, a leaver
deactivated once their open tasks are handed over (one form), reactivated, a password reset shown once; roles with
their titles and holders, a role added; the org chart. Refused input: the form again with the reason in the
reader's language, nothing changed. Only admin and org_admin (tests/web/test_routes_by_role.py walks every route)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.facade import Engine
from engine.models import HistoryEvent
from engine.org.people import Person
from engine.org.staffing import PersonSpec
from tests.journey import OPERATOR, START, only_task
from tests.web.conftest import ClientFor, csrf_token, make_app, sign_in_session, text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
ADMIN = Person("admin")
JOINER = {"username": "qian.bo", "name": "钱波", "email": "qian.bo@example.com", "language": "zh",
          "unit": "safety", "reports_to": "jiang.hai", "roles": ["staff"], "effective_on": ""}


def org_events(engine: Engine) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(HistoryEvent)
                                  .where(HistoryEvent.instance_id.is_(None))) or 0)


def research_for(engine: Engine, person: str, *titles: str) -> list[int]:
    """Plans started by li.na whose research step wang.lei passed to ``person``: their task ids."""
    tasks = []
    for title in titles:
        plan = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id)
        task = only_task(engine, "wang.lei", "research", plan)["id"]
        engine.work.transfer(Person("wang.lei"), task, person, "she knows the estates")
        tasks.append(task)
    return tasks


def test_people_are_listed_and_found_by_unit_role_or_manager(client_as: ClientFor) -> None:
    admin = client_as("admin")
    page = text(admin.get("/admin/people", headers=ZH))
    assert 'data-person="zhou.jie"' in page and 'data-person="hu.bin"' in page and "安全科" in page
    found = text(admin.get("/admin/people?q=安全科", headers=ZH))
    assert 'data-person="hu.bin"' in found and 'data-person="zhou.jie"' not in found
    by_role = text(admin.get("/admin/people?q=research supervisor", headers=EN))
    assert 'data-person="wang.lei"' in by_role and 'data-person="li.na"' not in by_role
    by_manager = text(admin.get("/admin/people?q=wang.lei", headers=EN))
    assert 'data-person="zhou.jie"' in by_manager and 'data-person="zheng.hui"' not in by_manager
    assert "Nobody matches." in text(admin.get("/admin/people?q=no-such-person", headers=EN))
    assert 'data-person="zhou.jie"' not in text(admin.get("/admin/people?shown=left", headers=EN))
    assert 'href="/admin/people"' in text(admin.get("/", headers=EN))
    assert 'href="/admin/people"' in text(admin.get("/ops", headers=EN))
    assert 'href="/admin/people"' not in text(client_as("chen.yu").get("/", headers=EN))


@pytest.mark.parametrize("who", ["zhou.jie", "li.na", "he.ping", "gao.yan", "chen.yu"])
def test_others_are_refused_every_page_and_form_and_nothing_changes(client_as: ClientFor, web_engine: Engine,
                                                                     who: str) -> None:
    client = client_as(who)
    for url in ("/admin/people", "/admin/people/new", "/admin/people/wu.fang", "/admin/people/wu.fang/deactivate",
                "/admin/roles", "/admin/org-chart"):
        assert client.get(url).status_code == 403, url
    for url, data in (("/admin/people/new", JOINER), ("/admin/people/wu.fang", {"name": "x", "roles": ["admin"]}),
                      ("/admin/people/wu.fang/deactivate", {}), ("/admin/people/wu.fang/password", {}),
                      ("/admin/roles", {"key": "boss", "title": "Boss", "title_zh": "老板"})):
        assert client.post(url, data=data).status_code == 403, url
    assert org_events(web_engine) == 0 and "qian.bo" not in web_engine.org.directory().people


def test_an_org_admin_without_admin_may_administer_people(client_as: ClientFor, web_engine: Engine) -> None:
    web_engine.org.set_person(ADMIN, "gao.yan", PersonSpec(roles=["analyst", "org_admin"]))
    client = client_as("gao.yan")
    assert client.get("/admin/people").status_code == 200
    assert 'href="/admin/people"' in text(client.get("/"))
    assert client.get("/ops").status_code == 403  # the rest of admin stays closed


def test_a_joiner_is_added_to_the_safety_section_under_its_head(any_db_engine: Engine) -> None:
    admin = sign_in_session(make_app(any_db_engine).test_client(), "admin")
    added = admin.post("/admin/people/new", data=JOINER)
    assert added.status_code == 303 and added.headers["Location"] == "/admin/people/qian.bo"
    joiner = any_db_engine.org.directory().people["qian.bo"]
    assert (joiner.name, joiner.unit, joiner.reports_to, joiner.roles, joiner.active) == (
        "钱波", "safety", "jiang.hai", ["staff"], True)
    page = text(admin.get("/admin/people/qian.bo", headers=ZH))
    assert "has joined" in page and '<td data-label="变更">入职</td>' in page
    assert 'data-kind="org_user_added"' in page and "蒋海 (jiang.hai)" in page
    again = admin.post("/admin/people/new", data=JOINER, headers=ZH)
    assert again.status_code == 422 and "用户名 qian.bo 已被使用" in text(again)
    assert org_events(any_db_engine) == 1


@pytest.mark.parametrize("change, said", [
    ({"username": "Bad Name"}, "用户名为 2 到 63 个小写字母"),
    ({"roles": []}, "请至少选择一个角色"),
    ({"reports_to": "no.one"}, "没有此人：no.one"),
    ({"unit": "no_unit"}, "没有这个部门：no_unit"),
    ({"email": "not-an-address"}, "请输入有效的电子邮件地址"),
    ({"effective_on": "2099-01-01"}, "变更不能在以后的日期生效"),
    ({"effective_on": "yesterday"}, "请以日期填写生效日"),
])
def test_a_refused_joiner_comes_back_with_the_reason_and_nothing_is_added(
        client_as: ClientFor, web_engine: Engine, change: dict[str, object], said: str) -> None:
    sent = {**JOINER, **change}
    refused = client_as("admin").post("/admin/people/new", data=sent, headers=ZH)
    page = text(refused)
    assert refused.status_code == 422 and said in page and 'id="refused"' in page
    assert f'value="{sent["username"]}"' in page  # the form as it was sent
    assert org_events(web_engine) == 0 and "qian.bo" not in web_engine.org.directory().people


def test_a_promotion_is_saved_and_on_the_persons_record(client_as: ClientFor, web_engine: Engine) -> None:
    admin = client_as("admin")
    form = {"name": "周杰", "email": "zhou.jie@example.com", "language": "", "unit": "marketing",
            "reports_to": "li.na", "roles": ["research_supervisor"], "effective_on": ""}
    saved = admin.post("/admin/people/zhou.jie", data=form, headers=EN)
    assert saved.status_code == 303
    assert "2 changes are on record" in text(admin.get("/admin/people/zhou.jie", headers=EN))
    person = web_engine.org.directory().people["zhou.jie"]
    assert (person.roles, person.reports_to) == (["research_supervisor"], "li.na")
    page = text(admin.get("/admin/people/zhou.jie", headers=ZH))
    record = page[page.index('id="record-h"'):]
    assert "市场调研主管" in record and "员工" in record and "王磊 (wang.lei)" in record and "李娜 (li.na)" in record
    assert "Administrator (admin)" in record
    unchanged = admin.post("/admin/people/zhou.jie", data=form, headers=EN)
    assert unchanged.status_code == 303 and org_events(web_engine) == 2

    circle = admin.post("/admin/people/li.na", data={**form, "name": "李娜", "reports_to": "zhou.jie",
                                                      "roles": ["marketing_manager"]}, headers=ZH)
    assert circle.status_code == 422 and "汇报关系会形成循环" in text(circle)
    assert web_engine.org.directory().people["li.na"].reports_to == "chen.yu" and org_events(web_engine) == 2
    assert admin.get("/admin/people/no.one").status_code == 404


def test_a_leaver_is_deactivated_once_her_open_tasks_are_handed_over(any_db_engine: Engine) -> None:
    app: Flask = make_app(any_db_engine)
    admin = sign_in_session(app.test_client(), "admin")
    tasks = research_for(any_db_engine, "wu.fang", "Estates", "Depots")
    page = text(admin.get("/admin/people/wu.fang/deactivate", headers=ZH))
    assert all(f'data-task="{t}"' in page for t in tasks)
    assert '<option value="wang.lei" selected>其上级：王磊 (wang.lei)' in page
    assert "移交 2 项待办并停用" in page

    unnamed = admin.post("/admin/people/wu.fang/deactivate", data={"hand_over_to": ""}, headers=ZH)
    assert unnamed.status_code == 422 and "wu.fang 有 2 项待办" in text(unnamed)
    herself = admin.post("/admin/people/wu.fang/deactivate", data={"hand_over_to": "wu.fang"}, headers=ZH)
    assert herself.status_code == 422 and "离职者以外的人" in text(herself)
    assert any_db_engine.org.directory().people["wu.fang"].active and org_events(any_db_engine) == 0

    left = admin.post("/admin/people/wu.fang/deactivate", data={"hand_over_to": "zhou.jie"}, headers=EN)
    assert left.status_code == 303 and left.headers["Location"] == "/admin/people/wu.fang"
    assert not any_db_engine.org.directory().people["wu.fang"].active
    for task in tasks:
        assert any_db_engine.work.task(OPERATOR, task)["assignee"] == "zhou.jie"
    person = text(admin.get("/admin/people/wu.fang", headers=EN))
    assert "2 open tasks went to 周杰 (zhou.jie)" in person and 'data-state="left"' in person
    record = person[person.index('id="record-h"'):]
    assert 'data-kind="org_user_deactivated"' in record and f"Task {tasks[0]} handed over to 周杰 (zhou.jie)" in record
    assert app.test_client().post("/login", data={"username": "wu.fang", "password": "x"}).status_code == 200

    back = admin.post("/admin/people/wu.fang/reactivate", headers=EN)
    assert back.status_code == 303 and any_db_engine.org.directory().people["wu.fang"].active
    assert "is active again" in text(admin.get("/admin/people/wu.fang", headers=EN))
    admin.post("/admin/people/wu.fang/reactivate", headers=ZH)
    assert "wu.fang 已经是在职状态" in text(admin.get("/admin/people/wu.fang", headers=ZH))


def test_a_head_with_people_under_him_cannot_leave_and_the_page_says_what_to_change(
        client_as: ClientFor, web_engine: Engine) -> None:
    admin = client_as("admin")
    page = text(admin.get("/admin/people/jiang.hai/deactivate", headers=ZH))
    assert 'data-blocker="reports"' in page and "胡斌 (hu.bin)" in page and 'data-blocker="heads"' in page
    assert "安全科" in page and "disabled" in page
    refused = admin.post("/admin/people/jiang.hai/deactivate", data={}, headers=ZH)
    assert refused.status_code == 422 and "jiang.hai 暂时不能离职" in text(refused)
    assert web_engine.org.directory().people["jiang.hai"].active and org_events(web_engine) == 0
    myself = admin.post("/admin/people/admin/deactivate", data={}, headers=EN)
    assert myself.status_code == 422 and "You cannot deactivate yourself." in text(myself)


def test_a_reset_password_is_shown_once_and_signs_in(app: Flask, client_as: ClientFor) -> None:
    admin = client_as("admin")
    answer = admin.post("/admin/people/feng.yi/password", headers=EN)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    page = text(answer)
    password = page.split('id="password-value" class="token" value="')[1].split('"')[0]
    assert len(password) == 14 and "shown only this once" in page
    assert password not in text(admin.get("/admin/people/feng.yi"))
    signed = app.test_client().post("/login", data={"username": "feng.yi", "password": password})
    assert signed.status_code == 303


def test_roles_show_titles_and_holders_and_a_role_is_added(client_as: ClientFor, web_engine: Engine) -> None:
    admin = client_as("admin")
    page = text(admin.get("/admin/roles", headers=ZH))
    row = page[page.index('data-role="safety_head"'):]
    row = row[:row.index("</tr>")]
    assert "安全科科长" in row and "Safety Section Head" in row and "蒋海 (jiang.hai)" in row
    added = admin.post("/admin/roles", data={"key": "safety_inspector", "title": "Safety Inspector",
                                             "title_zh": "安全检查员", "effective_on": ""})
    assert added.status_code == 303
    listed = text(admin.get("/admin/roles", headers=ZH))
    assert 'data-role="safety_inspector"' in listed and "安全检查员" in listed
    assert "安全检查员" in text(admin.get("/admin/people/new", headers=ZH))  # it may be given now
    for sent, said in (({"key": "staff", "title": "Staff", "title_zh": "员工"}, "角色 staff 已存在"),
                       ({"key": "Bad Key", "title": "X", "title_zh": "某"}, "角色标识为 2 到 64"),
                       ({"key": "inspector", "title": "Inspector", "title_zh": ""}, "请输入中文名称")):
        refused = admin.post("/admin/roles", data=sent, headers=ZH)
        assert refused.status_code == 422 and said in text(refused), sent
        assert f'value="{sent["key"]}"' in text(refused)
    assert org_events(web_engine) == 1


def test_the_org_chart_draws_units_heads_people_and_reporting_lines(client_as: ClientFor,
                                                                    web_engine: Engine) -> None:
    web_engine.org.set_person(ADMIN, "zhou.jie", PersonSpec(roles=["research_supervisor"], unit="safety",
                                                           reports_to="jiang.hai"))
    page = text(client_as("admin").get("/admin/org-chart", headers=ZH))
    operations = page[page.index('data-unit="operations"'):]
    safety = operations[operations.index('data-unit="safety"'):]
    safety = safety[:safety.index('data-unit="', 10)] if 'data-unit="' in safety[10:] else safety
    assert "运营部" in operations and "安全科" in safety and 'data-head="jiang.hai"' in safety
    assert 'data-member="zhou.jie"' in safety and "市场调研主管" in safety
    lines = page[page.index('id="lines-h"'):]
    jiang = lines[lines.index('data-line="jiang.hai"'):]
    assert 'data-line="zhou.jie"' in jiang[:jiang.index('data-line="song.jia"')]
    english = text(client_as("admin").get("/admin/org-chart", headers=EN))
    assert "Safety Section" in english and "Reporting lines" in english


def test_forms_need_their_csrf_token(web_engine: Engine) -> None:
    client = sign_in_session(make_app(web_engine, csrf=True).test_client(), "admin")
    assert client.post("/admin/people/new", data=JOINER).status_code == 400
    assert client.post("/admin/people/feng.yi/password").status_code == 400
    assert "qian.bo" not in web_engine.org.directory().people
    token = csrf_token(client, "/admin/people/new")
    assert client.post("/admin/people/new", data={**JOINER, "csrf_token": token}).status_code == 303


def test_a_joiner_sets_a_password_through_the_e_mailed_link(app: Flask, client_as: ClientFor,
                                                             web_engine: Engine) -> None:
    from engine.scheduling.worker import Worker
    from tests.engine.scheduling.test_letters import Outbox
    outbox = Outbox()
    web_engine.collaborators.mailer = outbox
    admin = client_as("admin")
    assert admin.post("/admin/people/new", data=JOINER, headers=EN).status_code == 303
    sent = admin.post("/admin/people/qian.bo/password-link", headers=EN, follow_redirects=True)
    assert "A set-password link is on its way to qian.bo@example.com." in text(sent)
    Worker(web_engine.core, slots=5).run_once()
    _subject, body = outbox.sent["qian.bo@example.com"]
    link = body.split("http://localhost/")[1].split()[0]  # the web's own address: OPSFLOW_BASE_URL is not set
    visitor = app.test_client()
    form = text(visitor.get(f"/{link}", headers=ZH))
    assert "设置密码" in form and "钱波 (qian.bo)" in form
    differ = visitor.post(f"/{link}", data={"password": "joiner-secret-1", "password_again": "other"}, headers=EN)
    assert differ.status_code == 422 and "The two passwords differ" in text(differ)
    done = visitor.post(f"/{link}", data={"password": "joiner-secret-1", "password_again": "joiner-secret-1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/login?username=qian.bo")
    assert app.test_client().post("/login", data={"username": "qian.bo", "password": "joiner-secret-1"}
                                  ).status_code == 303
    used = visitor.get(f"/{link}", headers=EN)
    assert used.status_code == 410 and "This link is not valid any more" in text(used)
    record = text(admin.get("/admin/people/qian.bo", headers=EN))
    assert "Set-password link e-mailed" in record and "Set through the e-mailed link" in record


def test_units_are_drawn_added_moved_and_given_a_head(client_as: ClientFor, web_engine: Engine) -> None:
    admin = client_as("admin")
    page = text(admin.get("/admin/units", headers=ZH))
    assert 'data-unit="safety"' in page and "安全科" in page and "蒋海 (jiang.hai)" in page
    added = admin.post("/admin/units", data={"key": "metering", "name_zh": "计量班", "name_en": "Metering Team",
                                             "parent": "supply", "head": "tang.li"}, headers=EN)
    assert added.status_code == 303 and added.headers["Location"].endswith("/admin/units#unit-metering")
    [unit] = [u for u in web_engine.org.units(ADMIN) if u.key == "metering"]
    assert (unit.parent, unit.head, unit.depth) == ("supply", "tang.li", 2)
    form = text(admin.get("/admin/units/metering", headers=EN))
    assert "Change Metering Team" in form and 'value="计量班"' in form
    moved = admin.post("/admin/units/metering", data={"name_zh": "计量班", "name_en": "Metering Team",
                                                      "parent": "dispatch", "head": ""}, headers=EN)
    assert moved.status_code == 303
    [unit] = [u for u in web_engine.org.units(ADMIN) if u.key == "metering"]
    assert (unit.parent, unit.head) == ("dispatch", None)
    before = org_events(web_engine)
    cycle = admin.post("/admin/units/operations", data={"name_zh": "运营部", "name_en": "Operations Department",
                                                        "parent": "metering", "head": "chen.yu"}, headers=EN)
    assert cycle.status_code == 422 and "Nothing was changed" in text(cycle)
    assert org_events(web_engine) == before
    assert admin.get("/admin/units/no-such-unit").status_code == 404
    assert client_as("jiang.hai").get("/admin/units").status_code == 403
