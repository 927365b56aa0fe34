"""Browser walks of two packs, on a phone in Chinese and on a desktop in English:

- a shift handover (调度交接班) disputed by the incoming shift and settled by the dispatch head;
- a task dispatched head → middle manager → staff (任务派发), with a problem answered and two progress reports,
  then accepted by the head.

The packs are installed on the server's own database first (``opsflow init --demo`` deploys processes/ only).
Pages are saved as screenshots in ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import Engine, build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import OPERATOR, only_task
from tests.packs.support import install_pack

TEXTS = {
    "zh": {"locale": "zh-CN", "viewport": PHONE, "device": "phone", "done": "已提交",
           "take_over": "接班确认", "settle": "处理交接争议", "report": "汇报进度", "accept": "验收任务"},
    "en": {"locale": "en-US", "viewport": DESKTOP, "device": "desktop", "done": "submitted",
           "take_over": "Take over the shift", "settle": "Settle the handover dispute", "report": "Report progress",
           "accept": "Accept the finished task"},
}
HANDOVER = {
    "shift_date": "2027-03-01", "shift": "day", "incoming": "luo.qing",
    "supply_status": "北环管网 0.32 MPa，各场站运行正常", "equipment_status": "2号压缩机检修中",
    "open_matters": "工单 1187（换表）未完成", "records_keys_tools": True,
}


@contextmanager
def server_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        yield engine
    finally:
        engine.db.dispose()


def task_id(tmp_path: Path, username: str, name: str, instance: int) -> int:
    with server_engine(tmp_path) as engine:
        return int(only_task(engine, username, name, instance)["id"])


def submit(page: Page, base: str, texts: dict[str, object]) -> None:
    page.locator("form.generated button[type=submit]").click()
    page.wait_for_url(base + "/")
    expect(page.locator(".flash-success")).to_be_visible()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_shift_handover_disputed_and_settled(browser: Browser, server: str, tmp_path: Path, lang: str) -> None:
    texts, shots = TEXTS[lang], screenshot_folder(tmp_path)
    view, device = texts["viewport"], texts["device"]
    with server_engine(tmp_path) as engine:
        install_pack(engine, "shift_handover")
        handover = int(engine.work.start(Person("cao.jun"), "shift_handover", HANDOVER).id)

    luo = signed_in_page(browser, server, texts["locale"], "luo.qing", view)
    luo.goto(f"{server}/tasks/{task_id(tmp_path, 'luo.qing', 'take_over', handover)}")
    expect(luo.locator("h1")).to_contain_text(str(texts["take_over"]))
    expect(luo.locator("main")).to_contain_text("2号压缩机检修中")  # the outgoing shift's record, shown to check
    luo.check("input[name=decision][value=dispute]")
    luo.fill("#f-comment", "2号压缩机未记入值班记录；钥匙少一把")
    luo.screenshot(path=str(shots / f"shift-dispute-{lang}-{device}.png"), full_page=True)
    submit(luo, server, texts)

    xu = signed_in_page(browser, server, texts["locale"], "xu.tao", view)
    xu.goto(f"{server}/tasks/{task_id(tmp_path, 'xu.tao', 'settle_dispute', handover)}")
    expect(xu.locator("h1")).to_contain_text(str(texts["settle"]))
    expect(xu.locator("main")).to_contain_text("钥匙少一把")  # the dispute, shown to the head
    xu.check("input[name=decision][value=corrected]")
    xu.fill("#f-comment", "双方核实：压缩机已于 07:40 报修，钥匙在安保室")
    xu.fill("#f-corrections", "2号压缩机：07:40 报修，12:00 前修复；3号机房钥匙存安保室")
    xu.screenshot(path=str(shots / f"shift-settle-{lang}-{device}.png"), full_page=True)
    submit(xu, server, texts)

    luo.goto(f"{server}/tasks/{task_id(tmp_path, 'luo.qing', 'confirm_take_over', handover)}")
    expect(luo.locator("main")).to_contain_text("12:00 前修复")  # the ruling, before taking over
    luo.fill("#f-note", "08:20 接班")
    submit(luo, server, texts)
    xu.goto(f"{server}/instances/{handover}")
    xu.screenshot(path=str(shots / f"shift-settled-{lang}-{device}.png"), full_page=True)
    with server_engine(tmp_path) as engine:
        shown = engine.work.show(OPERATOR, handover)
        assert (shown["status"], shown["end_event"]) == ("completed", "taken_over_after_dispute")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_task_dispatched_head_manager_staff_with_reports_and_a_problem(
        browser: Browser, server: str, tmp_path: Path, lang: str) -> None:
    texts, shots = TEXTS[lang], screenshot_folder(tmp_path)
    view, device = texts["viewport"], texts["device"]
    with server_engine(tmp_path) as engine:
        install_pack(engine, "dispatch")

    head = signed_in_page(browser, server, texts["locale"], "zhao.qiang", view)
    head.goto(f"{server}/processes/dispatch")
    head.fill("#f-title", "北区阀门井巡检")
    head.fill("#f-description", "巡检北区全部阀门井并拍照记录")
    head.fill("#f-manager", "xu.tao")
    head.fill("#f-due_date", "2099-03-12")
    head.fill("#f-report_every_days", "2")
    head.screenshot(path=str(shots / f"dispatch-start-{lang}-{device}.png"), full_page=True)
    head.locator("form.generated button[type=submit]").click()
    head.wait_for_url(f"{server}/instances/*")
    task = int(head.url.rsplit("/", 1)[1])

    xu = signed_in_page(browser, server, texts["locale"], "xu.tao", view)
    xu.goto(f"{server}/tasks/{task_id(tmp_path, 'xu.tao', 'assign_staff', task)}")
    xu.fill("#f-staff", "cao.jun")
    xu.fill("#f-instructions", "本周内完成，每个阀门井拍照")
    submit(xu, server, texts)

    cao = signed_in_page(browser, server, texts["locale"], "cao.jun", view)
    cao.goto(f"{server}/tasks/{task_id(tmp_path, 'cao.jun', 'raise_problem', task)}")
    cao.fill("#f-problem", "东门阀门井上锁，无钥匙")
    submit(cao, server, texts)
    xu.goto(f"{server}/tasks/{task_id(tmp_path, 'xu.tao', 'answer_problem', task)}")
    expect(xu.locator("main")).to_contain_text("东门阀门井上锁")
    xu.check("input[name=decision][value=answer]")
    xu.fill("#f-answer", "钥匙在供应科韩梅处，已通知她")
    xu.screenshot(path=str(shots / f"dispatch-answer-{lang}-{device}.png"), full_page=True)
    submit(xu, server, texts)
    cao.goto(f"{server}/tasks/{task_id(tmp_path, 'cao.jun', 'raise_problem', task)}")
    expect(cao.locator("main")).to_contain_text("钥匙在供应科韩梅处")  # the answer, where problems are raised
    cao.screenshot(path=str(shots / f"dispatch-answered-{lang}-{device}.png"), full_page=True)

    for percent, status in ((50, "in_progress"), (100, "done")):
        cao.goto(f"{server}/tasks/{task_id(tmp_path, 'cao.jun', 'report_progress', task)}")
        expect(cao.locator("h1")).to_contain_text(str(texts["report"]))
        cao.fill("#f-progress", f"已巡检 {percent}%")
        cao.fill("#f-percent", str(percent))
        cao.check(f"input[name=decision][value={status}]")
        cao.screenshot(path=str(shots / f"dispatch-report-{percent}-{lang}-{device}.png"), full_page=True)
        submit(cao, server, texts)

    head.goto(f"{server}/tasks/{task_id(tmp_path, 'zhao.qiang', 'head_acceptance', task)}")
    expect(head.locator("h1")).to_contain_text(str(texts["accept"]))
    head.check("input[name=decision][value=accept]")
    head.screenshot(path=str(shots / f"dispatch-accept-{lang}-{device}.png"), full_page=True)
    submit(head, server, texts)
    head.goto(f"{server}/instances/{task}")
    head.screenshot(path=str(shots / f"dispatch-accepted-{lang}-{device}.png"), full_page=True)
    with server_engine(tmp_path) as engine:
        shown = engine.work.show(OPERATOR, task)
        assert (shown["status"], shown["end_event"]) == ("completed", "accepted")
        done = [e["task_name"] for e in engine.work.history(OPERATOR, task) if e["kind"] == "task_completed"]
        assert done == ["assign_staff", "raise_problem", "answer_problem", "report_progress", "report_progress",
                        "head_acceptance"]
