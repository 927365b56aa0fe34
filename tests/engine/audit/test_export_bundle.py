"""The export bundle, verified offline by opsflow-verify: intact it passes; a flipped byte, a removed
event and two reordered events are each detected and named; it runs in a fresh virtualenv that has
nothing but ``cryptography``."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine.facade import Engine
from engine.org.people import Person
from opsflow_verify.bundle import verify
from tests.journey import DRAFT, OPERATOR, decision, research_and_draft, start_plan, step
from tests.paths import REPO

ROOT = REPO
STDLIB = set(sys.stdlib_module_names)


def reworked_plan(engine: Engine) -> int:
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("return", "Budget too high"))
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 400000})
    return plan


@pytest.fixture
def bundle(engine: Engine, tmp_path: Path) -> tuple[Path, list[int]]:
    plans = [reworked_plan(engine), start_plan(engine, "zhang.min")]
    engine.audit.checkpoint(OPERATOR)
    step(engine, "li.na", "manager_review", plans[0], decision("approve"))  # after the first checkpoint
    path = tmp_path / "bundle.zip"
    with open(path, "wb") as out:
        summary = engine.audit.export_bundle(Person("he.ping"), plans, out)
    assert summary.instances == plans and summary.events > 20
    return path, plans


def rewrite_member(path: Path, name: str, change) -> Path:
    """A copy of the bundle with one member changed (as a forger with the zip would)."""
    target = path.with_name(f"changed-{name.replace('/', '_')}.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            content = source.read(item.filename)
            out.writestr(item, change(content) if item.filename == name else content)
    return target


def test_an_intact_bundle_verifies_and_holds_what_an_auditor_needs(bundle):
    path, plans = bundle
    result = verify(str(path))
    assert result.problems == []
    assert result.instances == 2 and result.events > 20
    names = set(zipfile.ZipFile(path).namelist())
    assert {"README.md", "manifest.json", "manifest.sig", "events.jsonl", "proofs.jsonl", "checkpoint",
            "public_key.vkey"} <= names
    assert any(n.startswith("consistency/") for n in names)  # from the first checkpoint to the latest
    assert {"market_plan.bpmn", "market_plan/research.json"} <= {n.split("/", 2)[2] for n in names
                                                                 if n.startswith("definitions/")}
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert [i["id"] for i in manifest["instances"]] == plans
    assert all(len(d["sha256"]) == 64 for d in manifest["definitions"])


def test_a_flipped_byte_in_any_event_is_named(bundle):
    path, _plans = bundle
    lines = zipfile.ZipFile(path).read("events.jsonl").split(b"\n")
    for number in (1, 7, len(lines) - 1):  # lines are 1-based; the last element is the empty tail
        line = lines[number - 1]
        record = json.loads(line)
        for offset in (0, len(line) // 2, len(line) - 1):
            def flip(content: bytes, number=number, offset=offset) -> bytes:
                changed = content.split(b"\n")
                target = bytearray(changed[number - 1])
                target[offset] ^= 0x01
                changed[number - 1] = bytes(target)
                return b"\n".join(changed)

            problems = verify(str(rewrite_member(path, "events.jsonl", flip))).problems
            assert any(f"events.jsonl line {number} (instance {record['instance_id']} event #{record['seq']}"
                       in p for p in problems), (number, offset, problems)


def test_a_removed_event_is_named(bundle):
    path, _plans = bundle
    lines = zipfile.ZipFile(path).read("events.jsonl").split(b"\n")
    gone = json.loads(lines[4])
    problems = verify(str(rewrite_member(path, "events.jsonl", lambda c: b"\n".join(lines[:4] + lines[5:])))).problems
    assert any(f"event #{gone['seq']} is missing" in p and f"instance {gone['instance_id']}" in p for p in problems)
    last = json.loads(lines[-2])  # the newest event of the last instance: no gap follows it
    problems = verify(str(rewrite_member(path, "events.jsonl", lambda c: b"\n".join(lines[:-2] + lines[-1:])))).problems
    assert any(f"instance {last['instance_id']} event #{last['seq']} is listed by the manifest but missing" in p
               for p in problems), problems


def test_two_reordered_events_are_named(bundle):
    path, _ = bundle
    lines = zipfile.ZipFile(path).read("events.jsonl").split(b"\n")
    a, b = json.loads(lines[2]), json.loads(lines[3])
    swapped = [*lines[:2], lines[3], lines[2], *lines[4:]]
    problems = verify(str(rewrite_member(path, "events.jsonl", lambda c: b"\n".join(swapped)))).problems
    assert any(f"event #{b['seq']} stands where instance {a['instance_id']} event #{a['seq']} belongs" in p
               for p in problems), problems


def test_a_forged_manifest_or_checkpoint_is_found(bundle):
    path, _ = bundle
    problems = verify(str(rewrite_member(path, "manifest.json", lambda c: c.replace(b'"status"', b'"Status"'))))
    assert any("not what the key signed" in p for p in problems.problems)
    forged = rewrite_member(path, "checkpoint", lambda c: c.replace(c.split(b"\n")[1], b"1", 1))
    assert any("not signed by" in p for p in verify(str(forged)).problems)


def test_an_older_checkpoint_held_by_the_auditor_is_extended(engine, bundle, tmp_path):
    path, _ = bundle
    first = sorted(engine.collaborators.checkpoints.directory.glob("checkpoint-*"))[0].read_text()
    assert verify(str(path), first).problems == []
    fork = first.replace(first.split("\n")[2], "A" * 43 + "=")
    assert verify(str(path), fork).problems  # a root the bundle's tree does not extend (and an invalid signature)


def test_the_verifier_imports_only_the_standard_library_and_cryptography():
    imported = set()
    for module in (ROOT / "opsflow_verify").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert imported - STDLIB == {"cryptography"}


def test_opsflow_verify_runs_in_a_fresh_virtualenv_with_only_cryptography(bundle, tmp_path):
    path, plans = bundle
    source = tmp_path / "verifier-src"
    shutil.copytree(ROOT / "opsflow_verify", source / "opsflow_verify", ignore=shutil.ignore_patterns("__pycache__"))
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "opsflow-verify"\nversion = "0"\ndependencies = ["cryptography"]\n'
        '[project.scripts]\nopsflow-verify = "opsflow_verify.cli:main"\n'
        '[tool.setuptools]\npackages = ["opsflow_verify"]\n')
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "cryptography"], check=True, timeout=600, capture_output=True)
    subprocess.run([*pip, "--no-deps", str(source)], check=True, timeout=600, capture_output=True)
    listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"], check=True,
                            capture_output=True, text=True).stdout
    assert {p["name"].lower() for p in json.loads(listed)} - {"pip", "setuptools", "wheel"} == {
        "cryptography", "cffi", "pycparser", "opsflow-verify"}
    run = subprocess.run([str(venv / "bin" / "opsflow-verify"), str(path)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "verified:" in run.stdout and "of 2 instance(s)" in run.stdout
    flipped = rewrite_member(path, "events.jsonl", lambda c: c.replace(b"Budget too high", b"Budget too hig!", 1))
    run = subprocess.run([str(venv / "bin" / "opsflow-verify"), str(flipped)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert run.returncode == 8 and f"instance {plans[0]} event #" in run.stderr


def test_the_cli_writes_the_bundle(engine, db_url, tmp_path):
    plan = start_plan(engine)
    target = tmp_path / "out.zip"
    result = subprocess.run([sys.executable, "-m", "opsflow.cli", "--database", db_url, "export", "bundle",
                             str(plan), "-o", str(target), "--json"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["instances"] == [plan]
    assert verify(str(target)).problems == []
    refused = subprocess.run([sys.executable, "-m", "opsflow.cli", "--database", db_url, "export", "bundle",
                              str(plan), "-o", str(tmp_path / "x.zip"), "--as", "zhou.jie"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 4 and not (tmp_path / "x.zip").exists()


def test_the_bundle_carries_the_organisations_record_and_names_an_altered_change(engine, tmp_path):
    from engine.org.staffing import PersonSpec
    engine.org.set_person(OPERATOR, "zhou.jie", PersonSpec(roles=["research_supervisor"]))  # a promotion
    plan = start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    path = tmp_path / "bundle.zip"
    with open(path, "wb") as out:
        summary = engine.audit.export_bundle(Person("he.ping"), [plan], out)
    assert summary.org_events == 1
    result = verify(str(path))
    assert result.problems == [] and result.org_events == 1 and result.instances == 1
    first = json.loads(zipfile.ZipFile(path).read("events.jsonl").split(b"\n")[0])
    assert first["instance_id"] is None and first["kind"] == "org_user_changed"
    altered = rewrite_member(path, "events.jsonl", lambda c: c.replace(b'"after":["research_supervisor"]',
                                                                      b'"after":["director"]', 1))
    problems = verify(str(altered)).problems
    assert any("events.jsonl line 1 (organisation record event #1" in p and "was altered" in p
               for p in problems), problems
