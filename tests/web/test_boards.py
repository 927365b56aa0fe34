"""The packs' boards (/boards/complaints, /boards/hazards): counts and rows of only the instances the viewer may
see, the SLA state with a moved clock, zh and en, and the navigation link for those who may follow the process."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy import text as sql_text

from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.journey import OPERATOR, step
from tests.packs.moved_timers import timers_follow
from tests.packs.support import install_pack
from tests.web.conftest import make_app, sign_in_session, text

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
COMPLAINT = {"customer": "王女士", "contact": "138 0000 0000", "channel": "phone", "category": "supply",
             "subject": "No gas", "description": "The stove does not light.", "handler": "yang.fan"}
HAZARD = {"location": "Station 3", "facility": "Regulator", "severity": "major", "description": "Gas smell",
          "responsible_section": "safety", "rectifier": "hu.bin"}


@pytest.fixture
def boards(demo, clock, monkeypatch):
    timers_follow(clock, monkeypatch)
    install_pack(demo, "complaints")
    install_pack(demo, "hazard")
    app = make_app(demo)
    return lambda user: sign_in_session(app.test_client(), user)


def sla_counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-sla-count="(\w+)"><dt>[^<]*</dt><dd[^>]*>(\d+)</dd>', page)}


def complaint(demo, by: str = "yang.fan") -> int:
    return int(demo.work.start(Person(by), "complaint_handling", COMPLAINT).id)


def past(demo, clock, instance: int, key: str) -> None:
    clock.now = datetime.fromisoformat(demo.work.show(OPERATOR, instance)["data"][key]) + timedelta(minutes=2)
    assert Worker(demo.core).run_once().incidents == 0


def test_the_complaints_board_counts_by_sla_state_only_what_the_viewer_may_see(demo, clock, boards):
    within, first_late, both_late = complaint(demo), complaint(demo), complaint(demo, by="guo.lin")
    step(demo, "yang.fan", "first_response", within, {"contacted_by": "phone", "response": "On our way"})
    past(demo, clock, first_late, "first_response_due")  # the head has it now (within's response came in time)
    past(demo, clock, both_late, "resolution_due")  # both of its deadlines passed: the ops manager has it
    head = text(boards("song.jia").get("/boards/complaints", headers=EN))
    assert sla_counts(head) == {"resolution_breached": 3, "first_response_breached": 0, "within": 0}
    assert head.index(f'data-instance="{within}"') > 0 and "Resolution late" in head
    zh = text(boards("chen.yu").get("/boards/complaints", headers=ZH))
    assert "未办结投诉" in zh and "办结超时" in zh and sla_counts(zh)["resolution_breached"] == 3
    # Someone in another section sees none of them, though the link is there for staff (who may record one).
    other = text(boards("zhou.jie").get("/boards/complaints", headers=EN))
    assert sla_counts(other) == {"resolution_breached": 0, "first_response_breached": 0, "within": 0}
    assert "No open complaints that you may see." in other and 'href="/boards/complaints"' in other


def test_the_sla_state_follows_the_clock_before_the_worker_runs(demo, clock, boards):
    responded, silent = complaint(demo), complaint(demo)
    step(demo, "yang.fan", "first_response", responded, {"contacted_by": "sms", "response": "Noted"})
    page = text(boards("song.jia").get("/boards/complaints", headers=EN))
    assert sla_counts(page) == {"resolution_breached": 0, "first_response_breached": 0, "within": 2}
    clock.now = datetime.fromisoformat(demo.work.show(OPERATOR, silent)["data"]["first_response_due"]) + \
        timedelta(minutes=1)  # no worker run: the timer has not fired, the board still tells
    page = text(boards("song.jia").get("/boards/complaints", headers=EN))
    assert sla_counts(page) == {"resolution_breached": 0, "first_response_breached": 1, "within": 1}
    assert re.search(rf'data-instance="{silent}" data-sla="first_response_breached"', page)


def test_the_hazards_board_counts_by_severity_and_age(demo, clock, boards):
    old = int(demo.work.start(Person("lin.xue"), "hazard_rectification", HAZARD).id)
    clock.advance(days=10)
    new = int(demo.work.start(Person("lin.xue"), "hazard_rectification", {**HAZARD, "severity": "general"}).id)
    page = text(boards("jiang.hai").get("/boards/hazards", headers=EN))
    assert re.search(r'data-severity="major">.*?data-band="8_30">1<', page, re.S)
    assert re.search(r'data-severity="general">.*?data-band="0_2">1<', page, re.S)
    assert page.index(f'data-instance="{old}"') < page.index(f'data-instance="{new}"')  # most severe first
    assert re.search(r'data-overdue class="overdue-text">1<', page)  # the major one is past its 1-day deadline
    zh = text(boards("jiang.hai").get("/boards/hazards", headers=ZH))
    assert "未销号隐患" in zh and "重大隐患" in zh and "安全科" in zh
    assert 'href="/boards/hazards"' in zh and 'href="/boards/complaints"' not in zh  # no complaints role, none seen
    other = text(boards("li.na").get("/boards/hazards", headers=EN))
    assert "No open hazards that you may see." in other and 'href="/boards/hazards"' not in other


def test_the_rectifier_is_told_why_the_re_inspection_is_refused_in_his_language(demo, boards):
    hazard = int(demo.work.start(Person("lin.xue"), "hazard_rectification", HAZARD).id)
    step(demo, "hu.bin", "rectify", hazard, {"measures": "Gasket replaced"})
    task = next(t for t in demo.work.tasks(Person("hu.bin")) if t["name"] == "reinspect")
    client = boards("hu.bin")
    refused = client.post(f"/tasks/{task['id']}/claim", headers=ZH, follow_redirects=True)
    page = text(refused)
    assert "不相容职责分离" in page and "胡斌 (hu.bin)" in page and "“隐患整改”" in page
    refused = client.post(f"/tasks/{task['id']}/complete", data={"decision": "pass"}, headers=EN,
                          follow_redirects=True)
    assert "Separation of duties: 胡斌 (hu.bin) did “Rectify the hazard”" in text(refused)
    assert demo.work.task(OPERATOR, task["id"])["state"] == "open"


def test_the_boards_offered_are_kept_a_minute_and_follow_the_directory_at_once(demo, clock, boards):
    """Every page's navigation asks which boards its viewer may follow: each node keeps the answer per viewer for a
    minute (``OfferedBoards``, no instance read again), and asks again at once when the directory moves."""
    looked_at: list[str] = []

    def seen(conn, cursor, statement, parameters, context, many):
        looked_at.append(statement)

    assert "hazard_rectification" not in demo.boards.offered(Person("li.na"))  # no role in it, none seen
    hazard = int(demo.work.start(Person("lin.xue"), "hazard_rectification", HAZARD).id)
    demo.work.copy(Person("lin.xue"), hazard, ["li.na"])  # now she may see one
    event.listen(demo.db, "before_cursor_execute", seen)
    try:
        kept = demo.boards.offered(Person("li.na"))
    finally:
        event.remove(demo.db, "before_cursor_execute", seen)
    assert "hazard_rectification" not in kept and not any("process_instance" in s for s in looked_at)
    clock.advance(seconds=61)
    assert "hazard_rectification" in demo.boards.offered(Person("li.na"))

    assert "hazard_rectification" not in demo.boards.offered(Person("gao.yan"))
    starter = sorted(demo.org.directory().processes["hazard_rectification"]["start_roles"])[0]
    with demo.db.begin() as connection:  # a role granted behind the engine's back: the directory revision moves
        connection.execute(sql_text("INSERT INTO user_role (user_id, role_key) SELECT id, :role FROM user_account "
                                    "WHERE username = 'gao.yan'"), {"role": starter})
    assert "hazard_rectification" in demo.boards.offered(Person("gao.yan"))  # the same minute
