"""The audit search page's "move made" filter (审批操作): offered in zh and en, kept in the next page's link, and
an unknown move refused by name with nothing found."""

from __future__ import annotations

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import only_task, start_plan
from tests.web.conftest import ClientFor, World, text

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def rows(page: str) -> int:
    return page.count('class="task-link" href="/audit/instances/')


def test_the_auditor_finds_the_urged_plan_in_chinese_and_in_english(client_as: ClientFor, web_engine: Engine,
                                                                    world: World) -> None:
    urged = start_plan(web_engine)
    web_engine.work.urge(Person("li.na"), int(only_task(web_engine, "wang.lei", "research", urged)["id"]))
    auditor = client_as("he.ping")
    page = text(auditor.get("/audit/?move=urged", headers=ZH))
    assert '<label for="f-move">审批操作</label>' in page
    assert '<option value="urged" selected>催办</option>' in page and ">转办</option>" in page
    assert f'href="/audit/instances/{urged}"' in page and rows(page) == 1
    everything = text(auditor.get("/audit/", headers=ZH))
    assert rows(everything) > 1 and f'href="/audit/instances/{world.plan}"' in everything
    english = text(auditor.get("/audit/?move=urged&status=running", headers=EN))
    assert '<option value="urged" selected>Urged</option>' in english and rows(english) == 1
    assert rows(text(auditor.get("/audit/?move=withdrawn", headers=EN))) == 0
    first = text(auditor.get("/audit/?move=transferred&limit=1", headers=EN))
    assert rows(first) == 0  # nothing transferred yet
    web_engine.work.claim(Person("wang.lei"), int(only_task(web_engine, "wang.lei", "research", world.plan)["id"]))
    two = start_plan(web_engine)
    for plan in (world.plan, two):
        task = int(only_task(web_engine, "wang.lei", "research", plan)["id"])
        if plan == two:
            web_engine.work.claim(Person("wang.lei"), task)
        web_engine.work.transfer(Person("wang.lei"), task, "zhou.jie", "出差")
    paged = text(auditor.get("/audit/?move=transferred&limit=1", headers=EN))
    assert rows(paged) == 1 and 'rel="next"' in paged and "move=transferred" in paged.split('rel="next"')[0].rsplit(
        "href=", 1)[1]


def test_an_unknown_move_is_refused_by_name(client_as: ClientFor) -> None:
    auditor = client_as("he.ping")
    response = auditor.get("/audit/?move=teleported", headers=EN)
    assert response.status_code == 303 and response.headers["Location"] == "/audit/"  # back to the plain search
    page = text(auditor.get("/audit/", headers=EN))
    assert "move: unknown move &#39;teleported&#39;" in page
