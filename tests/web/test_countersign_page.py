"""The task page of a countersign (会签): who else is in the round and who decided what, in zh and en;
the request's timeline names the round."""

from __future__ import annotations

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, decision, step
from tests.web.conftest import ClientFor, World, text


def joint_task(engine: Engine, username: str, plan: int) -> int:
    [task] = [t["id"] for t in engine.work.tasks(Person(username))
              if t["instance_id"] == plan and t["name"] == "joint_signoff"]
    return int(task)


def test_the_task_page_shows_the_round_and_who_decided_what(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    step(web_engine, "zhang.min", "draft_plan", world.plan, {**DRAFT, "budget_cny": 2000000})
    step(web_engine, "li.na", "manager_review", world.plan, decision("approve"))
    director = joint_task(web_engine, "chen.yu", world.plan)
    step(web_engine, "sun.hao", "joint_signoff", world.plan, decision("approve", "分公司同意"))
    for language, heading, decided, waiting, approved in (
            ("en", "Countersign (2 people)", "Decided", "To decide", "Approve"),
            ("zh-CN", "会签（2 人）", "已决定", "待审批", "批准")):
        page = text(client_as("chen.yu").get(f"/tasks/{director}", headers={"Accept-Language": language}))
        shown = page[page.index('id="countersign"'):page.index("</section>", page.index('id="countersign"'))]
        assert heading in shown
        rows = shown.split("<tr")[2:]
        assert len(rows) == 2
        mine = next(r for r in rows if 'class="mine"' in r)
        other = next(r for r in rows if 'class="mine"' not in r)
        assert waiting in mine and "—" in mine
        assert decided in other and approved in other and "分公司同意" in other
        assert 'id="assign-user"' not in page  # a round's task is not handed on
    page = text(client_as("chen.yu").get(f"/instances/{world.plan}", headers={"Accept-Language": "zh-CN"}))
    assert "陈宇、孙浩 会签" in page  # the timeline names the round
    assert "等待 孙浩 办理" in page and "等待 陈宇 办理" in page  # and whose each of its steps is
