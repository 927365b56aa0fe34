"""Attachments (附件): who may attach what, where; what is refused (nothing stored then); the record; downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, FormInvalid, InvalidInput, NotAllowed, NotFound
from engine.models import Attachment, AttachmentBlob
from engine.org.people import Person
from engine.runtime.file_types import DEFAULT_MAX_BYTES, Limits, Upload, check_file
from tests.journey import DRAFT, OPERATOR, RESEARCH, only_task, start_plan, step

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_SHA = hashlib.sha256(PDF).hexdigest()
ZHANG, DIRECTOR, STAFF = Person("zhang.min"), Person("chen.yu"), Person("zhou.jie")


def at_draft(engine) -> tuple[int, int]:
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    draft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    engine.work.claim(ZHANG, draft)
    return plan, draft


def stored(engine) -> tuple[int, int]:
    with engine.core.reading() as session:
        return (int(session.scalar(select(func.count()).select_from(Attachment)) or 0),
                int(session.scalar(select(func.count()).select_from(AttachmentBlob)) or 0))


def test_zhang_min_attaches_a_pdf_to_the_draft_and_the_director_downloads_it(engine):
    plan, draft = at_draft(engine)
    [added] = engine.work.attach(ZHANG, draft, [Upload("营销方案 2027.pdf", PDF)], field="plan_document")
    assert (added["name"], added["sha256"], added["size"], added["content_type"], added["field"]) == (
        "营销方案 2027.pdf", PDF_SHA, len(PDF), "application/pdf", "plan_document")
    engine.work.complete(ZHANG, draft, {**DRAFT, "plan_document": PDF_SHA})
    [event] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "attachment_added"]
    assert event["actor"] == "zhang.min" and event["task_name"] == "draft_plan"
    assert event["payload"] == {"attachment_id": added["id"], "name": "营销方案 2027.pdf", "sha256": PDF_SHA,
                                "size": len(PDF), "content_type": "application/pdf", "field": "plan_document"}
    got = engine.work.attachment(DIRECTOR, plan, PDF_SHA)
    assert got.content == PDF and got.name == "营销方案 2027.pdf"
    assert engine.work.attachment(DIRECTOR, plan, str(added["id"])).content == PDF
    assert [a["name"] for a in engine.work.attachments(DIRECTOR, plan)] == ["营销方案 2027.pdf"]
    with pytest.raises(NotAllowed):
        engine.work.attachment(STAFF, plan, PDF_SHA)  # may not see the request
    with pytest.raises(NotFound):
        engine.work.attachment(DIRECTOR, plan, "0" * 64)
    with pytest.raises(Conflict):  # the draft is done: its form takes no more files
        engine.work.attach(ZHANG, draft, [Upload("again.pdf", PDF)], field="plan_document")


def test_the_same_bytes_are_stored_once_and_never_overwritten(engine):
    plan, draft = at_draft(engine)
    engine.work.attach(ZHANG, draft, [Upload("a.pdf", PDF)], field="plan_document")
    engine.work.attach(ZHANG, draft, [Upload("b.pdf", PDF)])
    assert stored(engine) == (2, 1)
    assert [a["name"] for a in engine.work.attachments(ZHANG, plan)] == ["a.pdf", "b.pdf"]


@pytest.mark.parametrize(("name", "content", "says"), [
    ("plan.pdf", b"", "is empty"),
    ("../../etc/plan.pdf", PDF, "is a path"),
    ("C:\\temp\\plan.pdf", PDF, "is a path"),
    ("plan.exe", b"MZ\x90\x00" + b"\x00" * 60, ".exe files are not accepted"),
    ("plan.pdf", b"MZ\x90\x00" + b"\x00" * 60, "it is a Windows program"),
    ("page.html", b"<html><script>alert(1)</script></html>", ".html files are not accepted"),
    ("logo.svg", b"<svg onload='alert(1)'/>", ".svg files are not accepted"),
    ("notes.txt", b"<!DOCTYPE html><script>alert(1)</script>", "is not a text file"),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "files are limited to 20.0 MB"),
])
def test_hostile_files_are_refused_with_a_clear_message_and_nothing_is_stored(engine, name, content, says):
    plan, draft = at_draft(engine)
    with pytest.raises(InvalidInput, match=says.replace(".", r"\.").replace("(", r"\(")):
        engine.work.attach(ZHANG, draft, [Upload("ok.pdf", PDF), Upload(name, content)], field="plan_document")
    assert stored(engine) == (0, 0)
    assert not [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "attachment_added"]


def test_who_may_attach_where(engine):
    plan, draft = at_draft(engine)
    with pytest.raises(NotAllowed):  # may see the request, but does not hold the draft
        engine.work.attach(Person("wang.lei"), draft, [Upload("x.pdf", PDF)], field="plan_document")
    with pytest.raises(NotAllowed):
        engine.work.attach(STAFF, draft, [Upload("x.pdf", PDF)])
    with pytest.raises(NotAllowed):  # auditors only read
        engine.work.attach(Person("he.ping"), draft, [Upload("x.pdf", PDF)])
    with pytest.raises(InvalidInput, match="no field 'budget_cny' for files"):
        engine.work.attach(ZHANG, draft, [Upload("x.pdf", PDF)], field="budget_cny")
    with pytest.raises(FormInvalid) as refused:  # the form names a file that was not attached to it
        engine.work.complete(ZHANG, draft, {**DRAFT, "plan_document": PDF_SHA})
    assert refused.value.fields == {"plan_document": ["is not a file attached to this field"]}
    # whoever may comment attaches files with a comment (the director, who oversees it)
    [added] = engine.work.attach(DIRECTOR, draft, [Upload("意见.pdf", PDF)], comment="见附件")
    assert added["comment_id"] is not None and added["field"] is None
    kinds = [e["kind"] for e in engine.work.history(OPERATOR, plan)][-2:]
    assert kinds == ["comment_added", "attachment_added"]
    assert engine.work.request_comments(ZHANG, plan)[-1]["body"] == "见附件"


def test_the_limits_are_configured_from_the_environment(monkeypatch):
    assert Limits.from_env() == Limits(DEFAULT_MAX_BYTES)
    monkeypatch.setenv("OPSFLOW_ATTACHMENT_MAX_MB", "0.0001")
    monkeypatch.setenv("OPSFLOW_ATTACHMENT_TYPES", "pdf, .PNG")
    limits = Limits.from_env()
    assert limits.max_bytes == 104 and limits.extensions == frozenset({"pdf", "png"})
    assert check_file(Upload("ok.pdf", PDF[:100]), limits).content_type == "application/pdf"
    with pytest.raises(InvalidInput, match="files are limited to"):
        check_file(Upload("big.pdf", PDF + b"0" * 100), limits)
    with pytest.raises(InvalidInput, match=r"\.docx files are not accepted \(accepted: pdf, png\)"):
        check_file(Upload("a.docx", b"PK\x03\x04"), limits)
    monkeypatch.setenv("OPSFLOW_ATTACHMENT_TYPES", "exe")
    with pytest.raises(ValueError, match="cannot check exe files"):
        Limits.from_env()


def office_file(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


DOCX = office_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("计划.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    ("budget.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "application/vnd.ms-excel"),
    ("notes.txt", "调研纪要\n第二行\n".encode(), "text/plain; charset=utf-8"),
])
def test_office_documents_images_and_text_are_read_from_their_bytes(name, content, content_type):
    assert check_file(Upload(name, content), Limits()).content_type == content_type


@pytest.mark.parametrize(("name", "content"), [
    ("plan.docx", office_file({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"})),  # a workbook
    ("plan.docx", b"PK\x03\x04 not a zip"),
    ("plan.xlsx", DOCX),
    ("notes.txt", b"\x00\x01binary"),
])
def test_a_file_whose_bytes_are_not_its_extension_is_refused(name, content):
    with pytest.raises(InvalidInput, match="is not a"):
        check_file(Upload(name, content), Limits())
