"""Starting a request, "My requests" and an instance's timeline."""

from __future__ import annotations

from engine.facade import Engine
from tests.journey import DRAFT, OPERATOR, RESEARCH, decision, step
from tests.web.conftest import ClientFor, World, text


def test_start_a_request_from_its_start_form(client_as: ClientFor, web_engine: Engine) -> None:
    client = client_as("zhang.min")
    assert 'href="/processes/market_plan"' in text(client.get("/processes"))
    bad = client.post("/processes/market_plan", data={"title": "", "period_type": "annual", "period": "2027-Q1"})
    assert bad.status_code == 422
    assert "This is required." in text(bad) and 'value="2027-Q1"' in text(bad)
    response = client.post("/processes/market_plan", data={"title": "Summer fair", "period_type": "monthly",
                                                           "period": "2027-06", "brief": ""})
    assert response.status_code == 303
    instance_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert web_engine.work.show(OPERATOR, instance_id)["data"]["start"] == {
        "title": "Summer fair", "period_type": "monthly", "period": "2027-06"}
    assert "Started: Summer fair (2027-06)." in text(client.get(response.headers["Location"]))


def test_my_requests_show_status_current_step_and_who_holds_it(client_as: ClientFor, world: World) -> None:
    page = text(client_as("li.na").get("/requests"))
    plan_row = page.split(f'data-instance="{world.plan}"', 1)[1].split("</tr>", 1)[0]
    held_row = page.split(f'data-instance="{world.held_plan}"', 1)[1].split("</tr>", 1)[0]
    assert "Running" in plan_row and "Market research report" in plan_row and "open to 王磊" in plan_row
    assert "held by 王磊" in held_row
    assert "Spring launch" not in text(client_as("wang.lei").get("/requests"))


def test_the_timeline_says_who_did_what_when_with_decision_and_comment(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    step(web_engine, "zhang.min", "draft_plan", world.plan, DRAFT)
    step(web_engine, "li.na", "manager_review", world.plan, decision("approve"))
    step(web_engine, "chen.yu", "director_signoff", world.plan, decision("veto", "Not this year"))
    page = text(client_as("li.na").get(f"/instances/{world.plan}"))
    timeline = page.split('class="timeline"', 1)[1]
    for expected in ("李娜</strong> started the process", "王磊</strong> completed the step: Market research report",
                     "陈宇</strong> completed the step: Director sign-off", "Veto", "Not this year", "Vetoed"):
        assert expected in timeline, expected
    assert "gateway" not in timeline and "data_changed" not in timeline
    assert "<time datetime=" in timeline
    # What the engine did itself is told without a person in front of it.
    assert "The process ended" in timeline and "</strong> The process ended" not in timeline
    assert "Waiting for: " in timeline and "</strong> Waiting for" not in timeline
    row = text(client_as("li.na").get("/requests")).split(f'data-instance="{world.plan}"', 1)[1]
    assert "Vetoed" in row.split("</tr>", 1)[0]


def test_the_timeline_in_chinese(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    client = client_as("li.na")
    client.post("/language", data={"lang": "zh"})
    page = text(client.get(f"/instances/{world.plan}"))
    assert "王磊</strong> 完成了步骤：市场调研报告" in page
    assert "年" in page  # dates in the Chinese form


def test_the_breadcrumb_leads_back_to_where_the_reader_came_from(client_as: ClientFor, world: World) -> None:
    starter = text(client_as("li.na").get(f"/instances/{world.plan}"))
    worker = text(client_as("wang.lei").get(f"/instances/{world.plan}"))
    def crumbs(page: str) -> str:
        return page.split('class="crumbs"', 1)[1].split("</nav>", 1)[0]

    assert '<a href="/requests">My requests</a>' in crumbs(starter) and "Inbox" not in crumbs(starter)
    assert '<a href="/">Inbox</a>' in crumbs(worker) and "My requests" not in crumbs(worker)


def test_my_requests_also_list_what_others_started_and_i_worked_on(client_as: ClientFor, web_engine: Engine,
                                                                    world: World) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    page = text(client_as("wang.lei").get("/requests"))
    assert "You have not started any request yet." in page  # li.na started the plan
    involved = page.split('id="involved-h"', 1)[1]
    assert f'data-instance="{world.plan}"' in involved and f'data-instance="{world.held_plan}"' in involved
    assert 'id="involved-h"' not in text(client_as("zhou.jie").get("/requests"))  # took part in nothing
    starter = text(client_as("li.na").get("/requests"))
    assert 'id="involved-h"' not in starter  # what she started is listed once, above
    chinese = client_as("wang.lei")
    chinese.post("/language", data={"lang": "zh"})
    assert "我参与的" in text(chinese.get("/requests"))
