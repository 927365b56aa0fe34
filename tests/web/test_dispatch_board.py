"""The dispatch board (/boards/dispatch): overdue dispatched tasks — past their deadline or with a late step —
among those the reader may see, in zh and en."""

from __future__ import annotations

from engine.org.people import Person
from tests.journey import step
from tests.packs.support import install_pack
from tests.packs.walkthrough import on_monday
from tests.web.conftest import make_app, sign_in_session, text

TASK = {"description": "Inspect and log", "report_every_days": 3}


def dispatch(engine, title: str, manager: str, due: str, staff: str | None) -> int:
    instance = engine.work.start(Person("zhao.qiang"), "dispatch",
                                 {**TASK, "title": title, "manager": manager, "due_date": due}).id
    if staff:
        step(engine, manager, "assign_staff", instance, {"staff": staff, "instructions": "Go"})
    return instance


def three_tasks(engine, clock) -> tuple[int, int, int]:
    """Monday: valves (xu.tao → cao.jun, due Wednesday), meters (xu.tao, not assigned), stock (pan.yong →
    tang.li); then Thursday 10:00 in China, when all three are overdue."""
    on_monday(clock)
    install_pack(engine, "dispatch")
    valves = dispatch(engine, "Valve survey", "xu.tao", "2027-03-03", "cao.jun")
    meters = dispatch(engine, "Meter swap", "xu.tao", "2027-03-20", None)
    stock = dispatch(engine, "Stock count", "pan.yong", "2027-03-20", "tang.li")
    clock.advance(days=3, hours=1)
    return valves, meters, stock


def test_the_board_lists_what_is_overdue_to_whom_may_see_it(demo, clock):
    valves, meters, stock = three_tasks(demo, clock)
    board = demo.boards.dispatch(Person("zhao.qiang"))  # the head started all three
    assert board.running == 3
    assert [t.instance_id for t in board.overdue] == [valves, meters, stock]  # a day past its deadline first
    first = board.overdue[0]
    assert (first.manager, first.staff, first.days_past_deadline) == ("xu.tao", "cao.jun", 1)
    assert [(s.name, s.holder) for s in first.late_steps] == [("report_progress", "cao.jun")]
    assert [(s.name, s.holder) for s in board.overdue[1].late_steps] == [("assign_staff", "xu.tao")]
    assert board.overdue[1].staff == "" and board.overdue[1].days_past_deadline == 0
    mine = demo.boards.dispatch(Person("xu.tao"))  # his tasks; not the supply section's
    assert [t.instance_id for t in mine.overdue] == [valves, meters]
    assert [t.instance_id for t in demo.boards.dispatch(Person("cao.jun")).overdue] == [valves]
    assert demo.boards.dispatch(Person("luo.qing")).overdue == []
    step(demo, "cao.jun", "report_progress", valves, {"progress": "done", "percent": 100, "decision": "done"})
    after = demo.boards.dispatch(Person("xu.tao")).overdue
    assert [t.instance_id for t in after] == [valves, meters]  # still past its deadline, no late step now
    assert after[0].late_steps == ()


def test_the_board_page_in_zh_and_en(demo, clock):
    three_tasks(demo, clock)
    app = make_app(demo)
    head = sign_in_session(app.test_client(), "xu.tao")
    head.post("/language", data={"lang": "en"})
    page = text(head.get("/boards/dispatch"))
    assert 'href="/boards/dispatch"' in page  # in the navigation of a section head
    assert "Overdue dispatched tasks" in page and "Valve survey" in page and "Meter swap" in page
    assert "Stock count" not in page and "1 day past" in page and "Report progress" in page
    head.post("/language", data={"lang": "zh"})
    page = text(head.get("/boards/dispatch"))
    assert "逾期的派发任务" in page and "汇报进度" in page and "分配任务给基层员工" in page
    staff = sign_in_session(app.test_client(), "luo.qing")
    page = text(staff.get("/boards/dispatch"))
    assert 'href="/boards/dispatch"' not in page.split("<main", 1)[0]  # not offered in the navigation
    assert "Valve survey" not in page
