"""The audit commands as an operator or auditor runs them: search, an instance step by step, heatmap, access log."""

from __future__ import annotations

import json

import pytest

from engine.facade import build_engine
from opsflow.cli import main
from tests.journey import DRAFT, decision, research_and_draft, start_plan, step


@pytest.fixture
def plan_db(sqlite_url):
    engine = build_engine(sqlite_url)
    engine.setup.init(demo=True)
    try:
        plan = start_plan(engine)
        research_and_draft(engine, plan)
        step(engine, "li.na", "manager_review", plan, decision("return", "More detail"))
        step(engine, "zhang.min", "draft_plan", plan, DRAFT)
        step(engine, "li.na", "manager_review", plan, decision("approve"))
        step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
        start_plan(engine)
    finally:
        engine.db.dispose()
    return sqlite_url, plan


def run(url, capsys, *args):
    code = main(["--database", url, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_audit_commands_find_show_and_sum_up(plan_db, capsys):
    url, plan = plan_db
    code, out, _ = run(url, capsys, "audit", "instances", "--as", "he.ping", "--end", "approved", "--rework", "true",
                       "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)["items"]] == [plan]
    code, out, _ = run(url, capsys, "audit", "instances", "--as", "he.ping", "--limit", "1")
    assert code == 0 and "more: --after " in out
    cursor = out.rsplit("--after ", 1)[1].strip()
    code, out, _ = run(url, capsys, "audit", "instances", "--as", "he.ping", "--limit", "1", "--after", cursor,
                       "--json")
    assert [r["id"] for r in json.loads(out)["items"]] == [plan]
    code, out, _ = run(url, capsys, "audit", "show", str(plan), "--as", "he.ping")
    assert code == 0
    # 25 of its steps, and the copy to the operations manager its end made (copyTo)
    assert "chain: intact over 26 events; checkpoint inclusion and signature: not checked" in out
    assert "draft_plan ×2" in out and "inferred from the model (not logged): init_counters" in out
    code, out, _ = run(url, capsys, "replay", str(plan))
    assert code == 0 and len(out.strip().splitlines()) == 7 and "decision=return" in out
    code, out, _ = run(url, capsys, "replay", str(plan), "--step", "4")
    assert code == 0 and "after step 4 of 7" in out and "draft_plan" in out
    code, out, _ = run(url, capsys, "audit", "heatmap", "market_plan", "--as", "he.ping", "--json")
    heat = json.loads(out)
    elements = {e["id"]: (e["instances"], e["passes"]) for e in heat["elements"]}
    assert heat["instances"] == 2 and elements["draft_plan"] == (1, 2) and elements["research"] == (2, 2)
    assert {e["id"]: e["open_now"] for e in heat["elements"]}["research"] == 1
    code, out, _ = run(url, capsys, "audit", "log", "--as", "admin", "--json")
    looks = json.loads(out)["items"]
    assert [r["what"] for r in looks] == ["heatmap", "replay", "instance", "instance", "search", "search", "search"]
    assert looks[1]["viewer"].startswith("opsflow cli") and looks[1]["detail"] == "step 4 of 7"


def test_the_audit_commands_refuse_those_without_the_right(plan_db, capsys):
    url, plan = plan_db
    assert run(url, capsys, "audit", "instances", "--as", "zhou.jie")[0] == 4
    assert run(url, capsys, "replay", str(plan), "--step", "1", "--as", "li.na")[0] == 4
    assert run(url, capsys, "audit", "log", "--as", "chen.yu")[0] == 4
    code, _, err = run(url, capsys, "audit", "instances", "--as", "he.ping", "--status", "lost")
    assert code == 6 and "status: unknown status" in err
    assert run(url, capsys, "replay", "999", "--step", "1")[0] == 3


def test_breaches_lists_late_steps_and_refuses_a_bad_day(sqlite_url, capsys):
    from tests.clocks import FakeClock
    engine = build_engine(sqlite_url, clock=FakeClock())
    engine.setup.init(demo=True)
    try:
        plan = start_plan(engine)
    finally:
        engine.db.dispose()
    code, out, _ = run(sqlite_url, capsys, "breaches", "--as", "he.ping", "--json")
    assert code == 0 and json.loads(out) == []  # the CLI's clock is now: research is not due yet
    month_ago = FakeClock()
    month_ago.advance(days=-30)
    late = build_engine(sqlite_url, clock=month_ago)
    try:
        old = start_plan(late)  # started a month ago: its research is long overdue
    finally:
        late.db.dispose()
    code, out, _ = run(sqlite_url, capsys, "breaches", "--as", "he.ping", "--json")
    assert code == 0 and [(b["instance_id"], b["state"]) for b in json.loads(out)] == [(old, "open")]
    code, out, _ = run(sqlite_url, capsys, "breaches", "--process", "market_plan")
    rows = out.strip().split("\n")[1:]  # the table's head first
    assert code == 0 and len(rows) == 1 and "(open)" in rows[0] and rows[0].split()[1] == str(old)
    assert plan != old
    code, _, err = run(sqlite_url, capsys, "breaches", "--from", "soon")
    assert code != 0 and "from/to" in err


def test_the_case_file_is_written_as_pdf_and_html_in_the_readers_language(plan_db, capsys, tmp_path):
    from pypdf import PdfReader

    url, plan = plan_db
    pdf = tmp_path / "case.pdf"
    code, out, _ = run(url, capsys, "export", "case", str(plan), "-o", str(pdf), "--as", "he.ping", "--json")
    assert code == 0 and json.loads(out)["inclusion_ok"] is True
    words = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "市场调研报告" in words and "More detail" in words  # Chinese step titles, the return's reason
    page = tmp_path / "case.html"
    code, out, _ = run(url, capsys, "export", "case", str(plan), "-o", str(page), "--lang", "en")
    assert code == 0 and f"case file {page} of instance {plan} (en): in checkpoint" in out
    html = page.read_text(encoding="utf-8")
    assert "Market research report" in html and "<svg" in html and 'id="witness-cosignatures"' in html
    code, _, err = run(url, capsys, "export", "case", str(plan), "-o", str(tmp_path / "case.txt"))
    assert code != 0 and ".pdf or .html" in err and not (tmp_path / "case.txt").exists()
    code, _, err = run(url, capsys, "export", "case", str(plan), "-o", str(pdf), "--as", "li.na")
    assert code != 0 and "may not" in err  # the audit right outright
