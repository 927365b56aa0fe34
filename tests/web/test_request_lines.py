""""My requests" rows as its tables show them (webui.instances.present): status, tone, steps, links."""

from __future__ import annotations

from flask import url_for

from webui.instances.present import RequestLines


def instance(instance_id: int, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": instance_id, "title": "Spring launch", "process": "market_plan", "status": "running",
        "end_event": None, "started_at": "2026-03-02T01:30:00Z", "open_tasks": [],
    }
    return {**base, **changes}


def test_status_and_tone_follow_how_the_request_ended(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        lines = RequestLines()
        running, approved = lines.line(instance(1)), lines.line(instance(2, status="completed", end_event="approved"))
        vetoed = lines.line(instance(3, status="completed", end_event="vetoed"))
        assert [(x.status, x.tone) for x in (running, approved, vetoed)] == [
            ("Running", "muted"), ("Approved", "ok"), ("Vetoed", "warn")]
        assert running.href == url_for("instances.show", instance_id=1) and running.process == "Market plan"


def test_open_steps_say_who_holds_them_in_the_reader_language(app):
    steps = [{"id": 7, "title": "Research", "title_zh": "市场调研", "assignee": "zhou.jie",
              "role": "research_supervisor"},
             {"id": 8, "title": "Draft", "title_zh": "", "assignee": None, "role": "research_supervisor"}]
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        line = RequestLines().line(instance(1, open_tasks=steps))
        assert [(s.step, s.holder) for s in line.steps] == [("市场调研", "由周杰办理"), ("Draft", "待王磊认领")]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        line = RequestLines().line(instance(1, open_tasks=steps, process="gone"))
        assert [s.holder for s in line.steps] == ["held by 周杰", "open to 王磊"] and line.process == "gone"


def test_a_step_one_may_urge_carries_the_form_address_and_when_it_may_be_urged_again(app):
    steps = [{"id": 7, "title": "Research", "title_zh": "市场调研", "assignee": "zhou.jie",
              "role": "research_supervisor"},
             {"id": 8, "title": "Draft", "title_zh": "", "assignee": None, "role": "research_supervisor"},
             {"id": 9, "title": "Review", "title_zh": "", "assignee": "li.na", "role": "marketing_manager"}]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        line = RequestLines({7: None, 8: "2026-03-02T02:30:00.000000Z"}).line(instance(1, open_tasks=steps))
    assert [(s.urge_href, bool(s.urge_again)) for s in line.steps] == [
        ("/tasks/7/urge", False), ("/tasks/8/urge", True), ("", False)]
