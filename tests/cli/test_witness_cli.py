"""The witness round as operators and auditors type it: ``opsflow checkpoint --publish``, ``opsflow-verify witness``
(its real entry point, in a process of its own), ``opsflow checkpoint cosign FILE``, ``opsflow verify`` needing
the quorum (exit 8, naming the checkpoint and the witness), ``checkpoint proof`` and ``list``; ``serve`` and
``worker`` refusing a signing key beside the database in production."""

from __future__ import annotations

import json
import subprocess
import sys

from engine.facade import build_engine
from opsflow.cli import main
from tests.journey import RESEARCH, start_plan, step


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def verifier(*args):
    proc = subprocess.run([sys.executable, "-m", "opsflow_verify", *args], capture_output=True, text=True,
                          timeout=120, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_publish_witness_cosign_and_verify_with_a_quorum(sqlite_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", sqlite_url)
    published, mine = tmp_path / "published", tmp_path / "he.ping"
    monkeypatch.setenv("OPSFLOW_PUBLISH_DIR", str(published))
    assert main(["init", "--demo"]) == 0
    engine = build_engine(sqlite_url)
    try:
        plan = start_plan(engine)
    finally:
        engine.db.dispose()
    code, out, _ = run(capsys, "checkpoint", "--publish")
    assert code == 0 and f"published (folder): copied to {published}" in out
    code, out, _ = verifier("witness", "init", "--name", "audit.example.com/he.ping", "--dir", str(mine))
    assert code == 0
    witness_key = out.strip().splitlines()[-1]
    code, out, err = verifier("witness", "--dir", str(mine), "--from", str(published), "--log-key",
                              str(published / "log.vkey"), "-o", str(tmp_path / "cosigned"))
    assert code == 0, err
    monkeypatch.setenv("OPSFLOW_WITNESSES", witness_key)
    code, _, err = run(capsys, "verify")
    assert code == 8 and "was never cosigned by witness audit.example.com/he.ping" in err
    code, out, _ = run(capsys, "checkpoint", "cosign", str(tmp_path / "cosigned"))
    assert code == 0 and "cosignature(s) of audit.example.com/he.ping kept" in out
    code, out, _ = run(capsys, "verify")
    assert code == 0 and "history intact" in out and "cosigned by 1 witness(es): audit.example.com/he.ping" in out
    # Another checkpoint, a proof from the size the witness saw, the list.
    engine = build_engine(sqlite_url)
    try:
        step(engine, "wang.lei", "research", plan, RESEARCH)
    finally:
        engine.db.dispose()
    assert run(capsys, "checkpoint", "--publish")[0] == 0
    seen = json.loads((mine / "state.json").read_text())["logs"]["opsflow/history"]["size"]
    code, out, _ = run(capsys, "checkpoint", "proof", str(seen))
    assert code == 0 and out.startswith(f"consistency/v1\nopsflow/history\n{seen} ")
    (tmp_path / "proof").write_text(out)
    code, out, err = verifier("witness", "--dir", str(mine), "--checkpoint", str(sorted(published.glob(
        "checkpoint-*"))[-1]), "--proof", str(tmp_path / "proof"), "-o", str(tmp_path / "cosigned2"))
    assert code == 0, err
    assert run(capsys, "verify")[0] == 8  # the newest is not cosigned yet
    assert run(capsys, "checkpoint", "cosign", str(tmp_path / "cosigned2"))[0] == 0
    code, out, _ = run(capsys, "checkpoint", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [e["quorum_met"] for e in listed] == [True, True]
    assert listed[0]["cosignatures"][0]["witness"] == "audit.example.com/he.ping"
    assert run(capsys, "verify")[0] == 0
    code, _, err = run(capsys, "checkpoint", "cosign", str(tmp_path / "nothing"))
    assert code == 6 and "cannot read" in err


def test_serve_and_worker_refuse_a_key_beside_the_database_in_production(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("OPSFLOW_ENV", "production")
    monkeypatch.delenv("OPSFLOW_SIGNING_KEY")
    for command in (["serve"], ["worker", "--once"]):
        code, _, err = run(capsys, *command)
        assert code == 6 and "set OPSFLOW_SIGNING_KEY" in err, err
