"""Transfer, urge, withdraw and start again with the `opsflow` command alone (in process, on SQLite)."""

from __future__ import annotations

import json

from opsflow.cli import main
from tests.journey import START


def run(capsys, *args):
    capsys.readouterr()
    code = main([*args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def research_task(capsys, plan: int) -> str:
    code, out, _ = run(capsys, "tasks", "--as", "wang.lei", "--json")
    assert code == 0
    [task] = [t for t in json.loads(out) if t["instance_id"] == plan]
    return str(task["id"])


def test_the_moves_from_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["init", "--demo"]) == 0
    code, out, _ = run(capsys, "start", "market_plan", "--as", "li.na", "--data", json.dumps(START), "--json")
    plan = json.loads(out)["id"]
    research = research_task(capsys, plan)
    code, out, _ = run(capsys, "urge", research, "--as", "li.na", "--json")
    assert code == 0 and json.loads(out)["told"] == ["wang.lei"]
    code, _, err = run(capsys, "urge", research, "--as", "li.na")
    assert code == 10 and "may be urged again from" in err  # once an hour
    code, _, err = run(capsys, "transfer", research, "--to", "zhao.qiang", "--reason", "away", "--as", "wang.lei")
    assert code == 4 and "zhao.qiang is not one of them" in err  # the default rule
    code, out, _ = run(capsys, "transfer", research, "--to", "zhou.jie", "--reason", "出差", "--as", "wang.lei",
                       "--json")
    assert code == 0 and json.loads(out) == {"id": int(research), "instance_id": plan, "from": None,
                                             "to": "zhou.jie", "reason": "出差"}
    code, _, err = run(capsys, "withdraw", str(plan), "--reason", "too late", "--as", "li.na")
    assert code == 5 and "urge the holder instead" in err  # someone acted on it

    code, out, _ = run(capsys, "start", "market_plan", "--as", "li.na", "--data", json.dumps(START), "--json")
    regret = json.loads(out)["id"]
    code, out, _ = run(capsys, "withdraw", str(regret), "--reason", "方向有变", "--as", "li.na")
    assert code == 0 and out.strip() == f"instance {regret} withdrawn"
    code, out, _ = run(capsys, "restart-data", str(regret), "--as", "li.na", "--json")
    assert code == 0 and json.loads(out) == {"instance_id": regret, "process": "market_plan", "data": START}
    code, out, _ = run(capsys, "show", str(regret), "--json")
    assert (json.loads(out)["status"], json.loads(out)["end_event"]) == ("cancelled", "withdrawn")
