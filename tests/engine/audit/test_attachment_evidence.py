"""An attached file's bytes changed in the database: ``opsflow verify`` names it; changed in an export
bundle: the bundle's verifier names it. Intact, both pass and the bundle carries the file."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.errors import HistoryTampered
from engine.facade import Engine
from engine.org.people import Person
from engine.runtime.file_types import Upload
from opsflow_verify.bundle import verify
from tests.journey import DRAFT, OPERATOR, RESEARCH, chains, only_task, start_plan, step
from tests.paths import REPO

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()
NAME = "营销方案.pdf"


def plan_with_a_document(engine: Engine) -> int:
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    draft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    engine.work.attach(Person("zhang.min"), draft, [Upload(NAME, PDF)], field="plan_document")
    engine.work.complete(Person("zhang.min"), draft, {**DRAFT, "plan_document": SHA})
    return plan


def change_the_bytes(engine: Engine) -> None:
    """As someone with database access would: the stored file is replaced, its hash key kept."""
    with engine.db.begin() as connection:
        changed = connection.execute(text("UPDATE attachment_blob SET content = :c WHERE sha256 = :s"),
                                     {"c": PDF.replace(b"Catalog", b"Katalog"), "s": SHA})
        assert changed.rowcount == 1


def verify_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opsflow.cli", "--database", db_url, "verify", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def test_opsflow_verify_names_an_attachment_whose_bytes_changed(engine, db_url):
    plan = plan_with_a_document(engine)
    assert chains(engine, plan) == (1, [])
    change_the_bytes(engine)
    _checked, problems = chains(engine, plan)
    [problem] = problems
    [event] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "attachment_added"]
    assert (problem.instance_id, problem.seq, problem.found_by) == (plan, event["seq"], "attachment")
    assert NAME in problem.message and "was changed" in problem.message
    broken = verify_cli(db_url, str(plan))
    assert broken.returncode == 8
    assert f"attachment '{NAME}'" in broken.stderr and "was changed" in broken.stderr


def test_a_row_pointing_at_other_bytes_is_named(engine):
    plan = plan_with_a_document(engine)
    with engine.db.begin() as connection:
        connection.execute(text("UPDATE attachment SET name = 'other.pdf' WHERE instance_id = :i"), {"i": plan})
    [problem] = chains(engine, plan)[1]
    assert "is no longer the file the history recorded" in problem.message


def export(engine: Engine, plan: int, path: Path) -> Path:
    engine.audit.checkpoint(OPERATOR)
    with open(path, "wb") as out:
        engine.audit.export_bundle(Person("he.ping"), [plan], out)
    return path


def test_the_bundle_carries_the_file_and_its_verifier_names_it_when_changed(engine, tmp_path):
    plan = plan_with_a_document(engine)
    path = export(engine, plan, tmp_path / "bundle.zip")
    intact = verify(str(path))
    assert intact.problems == [] and intact.attachments == 1
    with zipfile.ZipFile(path) as archive:
        assert archive.read(f"attachments/{SHA}") == PDF
        [entry] = json.loads(archive.read("manifest.json"))["attachments"]
    assert (entry["instance_id"], entry["name"], entry["sha256"], entry["size"]) == (plan, NAME, SHA, len(PDF))
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(changed, "w") as out:
        for item in source.infolist():
            content = source.read(item.filename)
            out.writestr(item, content.replace(b"Catalog", b"Katalog") if item.filename.startswith("attachments/")
                         else content)
    result = verify(str(changed))
    assert result.problems == [f"attachment '{NAME}' (instance {plan} event #{entry['seq']}) was changed: the bytes "
                               f"of attachments/{SHA} do not have the SHA-256 the history recorded"]
    run = subprocess.run([sys.executable, "-m", "opsflow_verify", str(changed)], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 8 and NAME in run.stderr


def test_a_bundle_is_refused_while_a_file_in_the_database_is_changed(engine, tmp_path):
    plan = plan_with_a_document(engine)
    change_the_bytes(engine)
    engine.audit.checkpoint(OPERATOR)
    with pytest.raises(HistoryTampered, match=r"营销方案\.pdf"), open(tmp_path / "b.zip", "wb") as out:
        engine.audit.export_bundle(Person("he.ping"), [plan], out)
