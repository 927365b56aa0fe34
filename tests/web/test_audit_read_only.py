"""An auditor reads (审计只读): no "Start" link nor "Start a request" button, no comment box on a task page (the
server refuses an auditor's comment anyway), and the audit search's sort labels say what they sort by."""

from __future__ import annotations

from engine.facade import Engine
from tests.journey import OPERATOR, start_plan
from tests.web.conftest import ClientFor, text

ZH = {"Accept-Language": "zh-CN"}


def test_the_auditor_is_offered_nothing_the_server_would_refuse(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    [task] = web_engine.work.show(OPERATOR, plan)["open_tasks"]
    auditor = client_as("he.ping")
    inbox = text(auditor.get("/", headers=ZH))
    assert 'href="/processes"' not in inbox and "发起申请" not in inbox
    page = text(auditor.get(f"/tasks/{task['id']}", headers=ZH))
    assert 'id="comment-body"' not in page and 'id="comment-read-only"' in page
    assert auditor.post(f"/tasks/{task['id']}/comments", data={"body": "x"}).status_code in (403, 422)
    researcher = text(client_as("wang.lei").get(f"/tasks/{task['id']}", headers=ZH))
    assert 'id="comment-body"' in researcher
    assert 'href="/processes"' in text(client_as("li.na").get("/", headers=ZH))
    search = text(auditor.get("/audit/", headers=ZH))
    assert "降序（最新的在前）" in search and "升序（最早的在前）" in search and "发起时间" in search
    assert "等待最久优先" not in search


def test_scrolling_tables_can_be_reached_by_keyboard(client_as: ClientFor, web_engine: Engine) -> None:
    """axe's scrollable-region-focusable: a table that scrolls sideways sits in a focusable, named region."""
    start_plan(web_engine)
    auditor = client_as("he.ping")
    for page in ("/audit/processes/market_plan/versions/1", "/audit/", "/audit/access-log", "/audit/processes"):
        shown = text(auditor.get(page, headers=ZH))
        wraps = shown.count('class="table-wrap"')
        assert wraps and shown.count('class="table-wrap" tabindex="0" role="region"') == wraps, page
