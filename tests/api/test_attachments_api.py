"""POST /tasks/{id}/attachments and the downloads: what the headers say, what is refused (nothing stored)."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import quote

from tests.api.helpers import API
from tests.journey import RESEARCH, START

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NAME = "营销方案 (终稿).pdf"


def upload(users, username: str, task_id: int, name: str, content: bytes, **fields: str):
    return users[username].client.post(f"{API}/tasks/{task_id}/attachments", headers=users[username].headers,
                                       data={"file": (io.BytesIO(content), name), **fields},
                                       content_type="multipart/form-data")


def draft_task(users) -> tuple[int, int]:
    plan = users["li.na"].ok("POST", "/process-definitions/market_plan/start", {"data": START}, 201)["id"]
    users["wang.lei"].complete("research", plan, RESEARCH)
    return plan, users["zhang.min"].task_named("draft_plan", plan)["id"]


def test_a_pdf_on_the_draft_is_downloaded_by_the_director_as_an_attachment(users):
    _plan, draft = draft_task(users)
    answer = upload(users, "zhang.min", draft, NAME, PDF, field="plan_document")
    assert answer.status_code == 201, answer.get_json()
    [added] = answer.get_json()["items"]
    assert added["sha256"] == hashlib.sha256(PDF).hexdigest() and added["name"] == NAME
    response = users["chen.yu"].get(f"/tasks/{draft}/attachments/{added['sha256']}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME)}" in disposition  # RFC 5987: the Chinese name kept
    assert users["chen.yu"].get(f"/tasks/{draft}/attachments/{added['id']}").data == PDF
    assert users["zhou.jie"].get(f"/tasks/{draft}/attachments/{added['id']}").status_code == 403
    assert users["chen.yu"].get(f"/tasks/{draft}/attachments/..%2F..%2Fetc").status_code == 404


def test_hostile_uploads_are_refused_with_a_clear_message_and_nothing_is_stored(users):
    plan, draft = draft_task(users)
    for name, content, says in [
        ("../secret.pdf", PDF, "is a path"), ("plan.pdf", b"", "is empty"),
        ("setup.exe", b"MZ\x90\x00", ".exe files are not accepted"),
        ("plan.pdf", b"<html><script>alert(1)</script>", "its content does not match its extension"),
        ("a.svg", b"<svg onload='x'/>", ".svg files are not accepted"),
    ]:
        refused = upload(users, "zhang.min", draft, name, content, field="plan_document")
        assert refused.status_code == 400, (name, refused.get_json())
        assert says in refused.get_json()["message"], refused.get_json()
    # a body over the limit is refused before it is read (raw bytes: the test client spools no temporary file)
    too_big = users["zhang.min"].client.post(f"{API}/tasks/{draft}/attachments", headers=users["zhang.min"].headers,
                                             data=b"0" * (22 * 1024 * 1024),
                                             content_type="multipart/form-data; boundary=x")
    assert too_big.status_code == 413 and "20.0 MB" in too_big.get_json()["message"]
    no_file = users["zhang.min"].client.post(f"{API}/tasks/{draft}/attachments", headers=users["zhang.min"].headers,
                                             data={"field": "plan_document"}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and no_file.get_json()["fields"] == {"file": ["is required"]}
    as_json = users["zhang.min"].post(f"/tasks/{draft}/attachments", {"file": "x"})
    assert as_json.status_code == 400 and "multipart/form-data" in as_json.get_json()["message"]
    assert users["chen.yu"].ok("GET", f"/tasks/{draft}/attachments") == {"items": []}
    kinds = [e["kind"] for e in users["chen.yu"].ok("GET", f"/process-instances/{plan}/history")["items"]]
    assert "attachment_added" not in kinds


def test_files_with_a_comment(users):
    plan, draft = draft_task(users)
    answer = upload(users, "li.na", draft, "意见.pdf", PDF, comment="请看附件 @zhang.min")
    assert answer.status_code == 201, answer.get_json()
    [added] = answer.get_json()["items"]
    [comment] = users["zhang.min"].ok("GET", f"/process-instances/{plan}/comments")["items"]
    assert added["comment_id"] == comment["id"] and comment["body"] == "请看附件 @zhang.min"
    both = upload(users, "zhang.min", draft, "a.pdf", PDF, comment="x", field="plan_document")
    assert both.status_code == 400
