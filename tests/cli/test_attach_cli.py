"""``opsflow attach`` and ``opsflow attachments``, as a user runs them; ``opsflow verify`` names a changed file."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3

import pytest

from tests.cli.test_cli import ok_json, opsflow, task_id
from tests.journey import DRAFT, RESEARCH, START


@pytest.fixture
def cli_env(tmp_path):
    return {**os.environ, "OPSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_attach_a_pdf_to_the_draft_download_it_and_verify_names_it_once_changed(cli_env, tmp_path):
    assert opsflow(cli_env, "init", "--demo")[0] == 0
    plan = str(ok_json(cli_env, "start", "market_plan", "--as", "li.na", "--data", json.dumps(START))["id"])
    ok_json(cli_env, "complete", task_id(cli_env, "wang.lei", "research"), "--as", "wang.lei",
            "--data", json.dumps(RESEARCH))
    draft = task_id(cli_env, "zhang.min", "draft_plan")
    document = tmp_path / "营销方案.pdf"
    document.write_bytes(PDF)
    added = ok_json(cli_env, "attach", draft, str(document), "--field", "plan_document", "--as", "zhang.min")
    assert (added["name"], added["sha256"], added["field"]) == ("营销方案.pdf", hashlib.sha256(PDF).hexdigest(),
                                                                "plan_document")
    ok_json(cli_env, "complete", draft, "--as", "zhang.min", "--data",
            json.dumps({**DRAFT, "plan_document": added["sha256"]}))
    code, _out, err = opsflow(cli_env, "attach", draft, str(tmp_path / "none.pdf"), "--as", "zhang.min")
    assert code != 0 and "cannot read" in err
    script = tmp_path / "run.pdf"
    script.write_bytes(b"#!/bin/sh\nrm -rf /\n")
    code, _out, err = opsflow(cli_env, "attach", draft, str(script), "--as", "li.na")
    assert code != 0 and "run.pdf is not a PDF: it is a script" in err
    out = tmp_path / "saved.pdf"
    saved = ok_json(cli_env, "attachments", plan, "--as", "chen.yu", "--save", added["sha256"], "--out", str(out))
    assert out.read_bytes() == PDF and saved["name"] == "营销方案.pdf"
    assert opsflow(cli_env, "attachments", plan, "--as", "zhou.jie")[0] != 0  # may not see the request
    assert opsflow(cli_env, "verify")[0] == 0
    database = cli_env["OPSFLOW_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE attachment_blob SET content = ?", (PDF.replace(b"Catalog", b"Katalog"),))
    code, _out, err = opsflow(cli_env, "verify")
    assert code == 8 and "attachment '营销方案.pdf'" in err and "was changed" in err
