"""Attachments (附件) in the web: the draft's file field and the comment form take files (multipart, with CSRF);
the task and request pages list them with their size and a download link; refusals are said in zh and en."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, START, only_task, step
from tests.web.conftest import CSRF_FIELD, ClientFor, World, make_app, sign_in_session, text

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NAME = "营销方案.pdf"


def draft_fields() -> dict[str, Any]:
    """DRAFT as the draft page's form sends it."""
    fields: dict[str, Any] = {k: str(v) for k, v in DRAFT.items() if not isinstance(v, list)}
    fields.update({f"channels-{i}": v for i, v in enumerate(DRAFT["channels"])})
    for i, activity in enumerate(DRAFT["activities"]):
        fields.update({f"activities-{i}-{k}": v for k, v in activity.items()})
    return fields


def the_draft(engine: Engine, plan: int) -> int:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    return int(only_task(engine, "zhang.min", "draft_plan", plan)["id"])


def send_draft(client: FlaskClient, draft: int, name: str, content: bytes, **extra: str):
    return client.post(f"/tasks/{draft}/complete", content_type="multipart/form-data",
                       data={**draft_fields(), "upload:plan_document": (io.BytesIO(content), name), **extra})


def test_zhang_min_attaches_a_pdf_to_the_draft_and_the_director_downloads_it(any_db_engine: Engine) -> None:
    app = make_app(any_db_engine)
    plan = int(any_db_engine.work.start(Person("li.na"), "market_plan", START).id)
    draft = the_draft(any_db_engine, plan)
    zhang = sign_in_session(app.test_client(), "zhang.min")
    page = text(zhang.get(f"/tasks/{draft}"))
    assert 'enctype="multipart/form-data"' in page and 'name="upload:plan_document" type="file"' in page
    sent = send_draft(zhang, draft, NAME, PDF)
    assert sent.status_code == 303, text(sent)
    [attached] = any_db_engine.work.attachments(Person("chen.yu"), plan)
    assert attached["field"] == "plan_document" and attached["name"] == NAME
    assert any_db_engine.work.show(Person("chen.yu"), plan)["data"]["draft_plan"]["plan_document"] == \
        attached["sha256"]
    director = sign_in_session(app.test_client(), "chen.yu")
    shown = text(director.get(f"/instances/{plan}"))
    link = f"/instances/{plan}/attachments/{attached['id']}"
    assert f'href="{link}"' in shown and NAME in shown and "attached 营销方案.pdf" in shown  # list and timeline
    download = director.get(link)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME)}" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    review = only_task(any_db_engine, "li.na", "manager_review", plan)["id"]
    assert f'href="{link}"' in text(sign_in_session(app.test_client(), "li.na").get(f"/tasks/{review}"))
    assert sign_in_session(app.test_client(), "zhou.jie").get(link).status_code == 403


@pytest.mark.parametrize(("lang", "says"), [("en", "is not what its extension says"),
                                            ("zh", "与其扩展名不符")])
def test_a_refused_file_is_said_beside_its_field_and_nothing_is_stored(client_as: ClientFor, web_engine: Engine,
                                                                      world: World, lang: str, says: str) -> None:
    draft = the_draft(web_engine, world.plan)
    zhang = client_as("zhang.min")
    zhang.post("/language", data={"lang": lang})
    refused = send_draft(zhang, draft, "plan.pdf", b"MZ\x90\x00 a program")
    assert refused.status_code == 422 and says in text(refused)
    assert web_engine.work.attachments(Person("zhang.min"), world.plan) == []
    assert only_task(web_engine, "zhang.min", "draft_plan", world.plan)["id"] == draft  # not completed


def test_files_with_a_comment_with_csrf(web_engine: Engine, world: World) -> None:
    app = make_app(web_engine, csrf=True)
    li_na = sign_in_session(app.test_client(), "li.na")
    page = text(li_na.get(f"/tasks/{world.research}"))
    form = re.search(r'<form method="post" action="/tasks/\d+/comments".*?</form>', page, re.S)
    assert form is not None and 'enctype="multipart/form-data"' in form.group(0)
    assert 'name="files" type="file" multiple' in form.group(0)
    token = CSRF_FIELD.search(form.group(0))
    assert token is not None
    without = li_na.post(f"/tasks/{world.research}/comments", content_type="multipart/form-data",
                         data={"body": "见附件", "files": (io.BytesIO(PDF), "brief.pdf")})
    assert without.status_code == 400  # no CSRF token: refused
    posted = li_na.post(f"/tasks/{world.research}/comments", content_type="multipart/form-data",
                        data={"csrf_token": token.group(1), "body": "见附件", "files": (io.BytesIO(PDF), "brief.pdf")})
    assert posted.status_code == 303
    [attached] = web_engine.work.attachments(Person("li.na"), world.plan)
    assert attached["comment_id"] is not None and attached["name"] == "brief.pdf"
    shown = text(li_na.get(f"/tasks/{world.research}"))
    assert shown.count("brief.pdf") == 2 and f"{len(PDF)} B" in shown  # under the comment, in the list, sized
    hostile = li_na.post(f"/tasks/{world.research}/comments", content_type="multipart/form-data",
                         data={"csrf_token": token.group(1), "body": "x", "files": (io.BytesIO(b"<svg/>"), "a.svg")})
    assert hostile.status_code == 303
    assert len(web_engine.work.request_comments(Person("li.na"), world.plan)) == 1  # the comment was not stored
    assert "this type of file is not accepted" in text(li_na.get(f"/tasks/{world.research}"))
