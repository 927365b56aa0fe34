"""The inbox's rows as its tables show them (webui.inbox.present): links, buttons, times, titles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for

from engine.org.views import DirectoryPerson
from webui.i18n import ago
from webui.inbox.present import TaskLines
from webui.routing import link_by_id


def now() -> datetime:
    """The time now (read at each use: a module-level moment would age while a long suite runs)."""
    return datetime.now(UTC)
PROCESSES = {"market_plan": {"title": "Market plan", "title_zh": "市场计划"}}


def row(task_id: int, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": task_id, "title": "Research", "title_zh": "市场调研", "instance_title": "Spring <launch>",
        "process": "market_plan", "created_at": (now() - timedelta(hours=3)).isoformat(), "due_at": None,
        "assignee": None, "on_behalf_of": None, "mine": False, "releasable": False, "bulk_approve": False,
        "role": "research_supervisor",
        "state": "open",
    }
    return {**base, **changes}


def test_a_link_by_id_is_the_link_url_for_builds(app):
    for root in ("", "/opsflow"):
        with app.test_request_context("/", base_url=f"http://example.test{root}"):
            for endpoint in ("tasks.show", "tasks.claim", "tasks.unclaim", "tasks.assign"):
                link = link_by_id(endpoint, "task_id")
                for task_id in (1, 7, 987, 2_147_483_647):
                    assert link(task_id) == url_for(endpoint, task_id=task_id)
            assert link_by_id("tasks.show", "task_id")(5).startswith(f"{root}/")


def test_each_row_gets_the_button_its_holder_may_press(app):
    with app.test_request_context("/"):
        lines = TaskLines("wang.lei", PROCESSES, {})
        held = lines.line(row(1, assignee="wang.lei", mine=True, releasable=True))
        open_one = lines.line(row(2))
        fixed = lines.line(row(3, assignee="wang.lei", mine=True, releasable=False))  # a relationship role's task
        others = lines.line(row(4, assignee="zhou.jie", releasable=True))
        assert (held.action, held.action_href) == ("release", url_for("tasks.unclaim", task_id=1))
        assert (open_one.action, open_one.action_href) == ("claim", url_for("tasks.claim", task_id=2))
        assert (fixed.action, others.action) == (None, None)
        assert open_one.href == url_for("tasks.show", task_id=2)


ZHOU_JIE = DirectoryPerson("zhou.jie", "周杰", None, ["research_supervisor"], "li.na", True)


def test_offers_name_the_people_and_the_assign_link(app):
    with app.test_request_context("/"):
        lines = TaskLines("wang.lei", PROCESSES, {2: [ZHOU_JIE]})
        offered, plain = lines.line(row(2)), lines.line(row(3))
        assert [(o.username, o.name) for o in offered.offers] == [("zhou.jie", "周杰")]
        assert offered.assign_href == url_for("tasks.assign", task_id=2)
        assert (plain.offers, plain.assign_href) == ((), "")


def test_titles_and_times_follow_the_language(app):
    due = (now() - timedelta(days=1)).isoformat()
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        line = TaskLines("wang.lei", PROCESSES, {}).line(row(1, due_at=due))
        assert (line.step, line.process, line.request) == ("市场调研", "市场计划", "Spring <launch>")
        assert line.waiting == ago(row(1)["created_at"]) == "3小时前"
        assert line.overdue and line.due
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        lines = TaskLines("wang.lei", PROCESSES, {})
        line = lines.line(row(1, process="retired_process"))
        assert (line.step, line.process, line.waiting) == ("Research", "retired_process", "3 hours ago")
        assert (line.due, line.overdue) == ("", False)
        later = lines.line(row(2, due_at=(now() + timedelta(days=2)).isoformat()))
        assert later.due and not later.overdue
