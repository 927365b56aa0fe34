"""``opsflow backup`` and ``opsflow restore`` as an operator runs them (SQLite; the engine tests do both)."""

from __future__ import annotations

import json

from opsflow.cli import main
from tests.journey import RESEARCH, START


def test_backup_restore_refuse_acknowledge_verify_and_go_on(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("OPSFLOW_CHECKPOINT_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("OPSFLOW_SIGNING_KEY", str(tmp_path / "keys" / "signing_key"))
    backup = tmp_path / "nightly.backup"
    assert main(["init", "--demo"]) == 0
    assert main(["start", "market_plan", "--as", "li.na", "--data", json.dumps(START)]) == 0
    assert main(["checkpoint"]) == 0
    assert main(["backup", "-o", str(backup)]) == 0
    assert "the signing key and the checkpoints are not in it" in capsys.readouterr().out
    assert main(["tasks", "--as", "wang.lei", "--json"]) == 0
    task = json.loads(capsys.readouterr().out)[0]["id"]
    assert main(["complete", str(task), "--as", "wang.lei", "--data", json.dumps(RESEARCH)]) == 0
    capsys.readouterr()
    assert main(["checkpoint", "--json"]) == 0
    newer = json.loads(capsys.readouterr().out)["size"]

    assert main(["restore", str(backup)]) == 5
    err = capsys.readouterr().err
    assert f"the backup is older than checkpoint checkpoint-{newer:012d}" in err
    assert "restoring it rolls back history; say why with --acknowledge-rollback" in err
    assert main(["tasks", "--as", "wang.lei", "--json"]) == 0  # the research is still done: nothing changed
    assert json.loads(capsys.readouterr().out) == []

    assert main(["restore", str(backup), "--acknowledge-rollback", "db host lost; last night's backup",
                 "--by", "ops.zhao"]) == 0
    out = capsys.readouterr().out
    assert f"ROLLED BACK from {newer} to " in out
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "history intact" in out and f"ROLLBACK (signed note): rolled back from {newer} to " in out
    assert "by ops.zhao: db host lost; last night's backup" in out
    assert main(["tasks", "--as", "wang.lei", "--json"]) == 0  # the research is open again
    assert [t["id"] for t in json.loads(capsys.readouterr().out)] == [task]
    assert main(["start", "market_plan", "--as", "li.na", "--data", json.dumps(START)]) == 0
    assert main(["checkpoint"]) == 0
    capsys.readouterr()
    assert main(["verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and len(report["rollbacks"]) == 1
