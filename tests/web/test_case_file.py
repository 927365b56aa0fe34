"""The case file (案卷) as a page and a PDF, the checkpoints page (make one, verify now) and the search's
integrity column, on SQLite and PostgreSQL (``demo``), in zh and en."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from engine.facade import Engine
from engine.models import HistoryEvent
from engine.org.people import Operator
from tests.journey import DRAFT, decision, research_and_draft, start_plan, step
from tests.web.conftest import make_app, sign_in_session, text

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def _reviewed_plan(engine: Engine) -> int:
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("return", "Budget too high"))
    return plan


def test_the_case_file_reads_in_both_languages_with_the_path_and_the_proof(demo):
    plan = _reviewed_plan(demo)
    auditor = sign_in_session(make_app(demo).test_client(), "he.ping")
    zh = text(auditor.get(f"/audit/instances/{plan}/case", headers=ZH))
    assert "市场调研报告" in zh and "Budget too high" in zh  # (the chrome's Chinese comes with the catalogues)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="case-diagram"' in zh and 'data-element="research"' in zh
    en = text(auditor.get(f"/audit/instances/{plan}/case", headers=EN))
    assert "Case file" in en and "Market research report" in en and 'id="witness-cosignatures"' in en
    assert "leads to the signed root" in en  # the case file checkpointed the history and checked the audit path
    assert "No witness has cosigned this checkpoint yet." in en
    # The request's data in form order, labelled as the form labels it
    assert en.index("Market research report") < en.index("Every step")

    pdf = auditor.get(f"/audit/instances/{plan}/case.pdf", headers=ZH)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.get_data()))
    words = "".join(page.extract_text() for page in reader.pages)
    assert "市场调研报告" in words and "Budget too high" in words
    assert "leaf index" in words or "叶" in words  # the inclusion proof is in the PDF
    fonts = {str(f) for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts  # the fonts are embedded (WeasyPrint subsets them into the file)

    # Every export is in the access log; the director's department right does not reach case files.
    log = text(auditor.get("/audit/access-log", headers=EN))
    assert "case file" in log
    director = sign_in_session(make_app(demo).test_client(), "chen.yu")
    assert director.get(f"/audit/instances/{plan}/case").status_code == 403
    assert director.get(f"/audit/instances/{plan}/case.pdf").status_code == 403


def test_checkpoints_are_listed_made_and_verified_with_progress(demo):
    plan = _reviewed_plan(demo)
    auditor = sign_in_session(make_app(demo).test_client(), "he.ping")
    assert "No checkpoint yet." in text(auditor.get("/audit/checkpoints", headers=EN))
    tab = 'href="/audit/checkpoints"'
    assert tab in text(auditor.get("/audit/", headers=EN))  # a tab of the audit pages, for the audit right
    director = sign_in_session(make_app(demo).test_client(), "chen.yu")  # audits his department only
    assert tab not in text(director.get("/audit/", headers=EN))
    made = auditor.post("/audit/checkpoints", headers=EN, follow_redirects=True)
    page = text(made)
    assert "signed" in page and 'class="requests checkpoints"' in page
    assert text(auditor.post("/audit/checkpoints", headers=EN, follow_redirects=True)).count(
        "No new events") == 1  # nothing new: no second checkpoint
    assert page.count("<tr data-size=") == 1 and "opsflow/history" in page

    lines = [json.loads(line) for line in text(auditor.get("/audit/checkpoints/verify", headers=EN)).splitlines()]
    assert lines[0]["checked"] == 0 and lines[0]["total"] > 0
    assert lines[-1]["done"] and lines[-1]["ok"] and "History intact" in lines[-1]["text"]

    found = text(auditor.get("/audit/?process=market_plan", headers=ZH))
    assert 'data-integrity="checkpoint"' in found and "XES" in found and "OCEL" in found
    step(demo, "zhang.min", "draft_plan", plan, DRAFT)  # the plan came back to the draft: one more step
    assert 'data-integrity="pending"' in text(auditor.get("/audit/?process=market_plan", headers=EN))

    with demo.core.transaction() as session:  # an insider deletes the newest event: the column says so
        newest = session.query(HistoryEvent).filter_by(instance_id=plan).order_by(HistoryEvent.seq.desc()).first()
        assert newest is not None
        session.delete(newest)
    assert 'data-integrity="problem"' in text(auditor.get("/audit/?process=market_plan", headers=EN))
    lines = [json.loads(line) for line in text(auditor.get("/audit/checkpoints/verify", headers=EN)).splitlines()]
    assert lines[-1]["done"] and not lines[-1]["ok"] and "History altered" in lines[-1]["text"]
    assert any(f"instance {plan}" in p for p in lines[-1]["problems"])
    case = auditor.get(f"/audit/instances/{plan}/case", headers=EN)  # the case file says so too
    assert case.status_code == 200 and "checked, FAILED" in text(case)
    assert demo.audit.checkpoint(Operator("test")).size > 0  # the CLI's way, the same function
