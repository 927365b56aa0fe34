"""Returning a request to an earlier step (驳回) with `opsflow return`, and straight back."""

from __future__ import annotations

import json

from opsflow.cli import main
from tests.journey import DRAFT, RESEARCH, START


def run(capsys, *args):
    capsys.readouterr()
    code = main([*args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def task_of(capsys, user, name):
    code, out, _ = run(capsys, "tasks", "--as", user, "--json")
    assert code == 0
    [found] = [t for t in json.loads(out) if t["name"] == name]
    return str(found["id"])


def test_the_director_returns_the_plan_to_research_from_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["init", "--demo"]) == 0
    assert run(capsys, "start", "market_plan", "--as", "li.na", "--data", json.dumps(START))[0] == 0
    for user, name, data in (("wang.lei", "research", RESEARCH), ("zhang.min", "draft_plan", DRAFT),
                             ("li.na", "manager_review", {"decision": "approve"})):
        assert run(capsys, "complete", task_of(capsys, user, name), "--as", user, "--data", json.dumps(data))[0] == 0
    signoff = task_of(capsys, "chen.yu", "director_signoff")
    code, out, _ = run(capsys, "return", signoff, "--as", "chen.yu", "--json")
    assert code == 0 and [t["name"] for t in json.loads(out)["targets"]] == ["research", "draft_plan", "manager_review"]
    code, _, err = run(capsys, "return", signoff, "--as", "li.na", "--to", "research", "--reason", "x")
    assert code == 4 and "director" in err  # not hers to return
    code, _, err = run(capsys, "return", signoff, "--as", "chen.yu", "--to", "research")
    assert code == 6 and "reason" in err
    code, _, err = run(capsys, "return", signoff, "--as", "chen.yu", "--to", "nowhere", "--reason", "x")
    assert code == 6 and "may be returned to: research, draft_plan, manager_review" in err
    code, out, _ = run(capsys, "return", signoff, "--as", "chen.yu", "--to", "research", "--reason", "数据过时")
    assert code == 0 and "returned to research" in out and "straight back to director_signoff" in out
    code, _, err = run(capsys, "return", signoff, "--as", "chen.yu", "--to", "research", "--reason", "again")
    assert code == 5 and "already returned" in err
    research = task_of(capsys, "wang.lei", "research")
    code, out, _ = run(capsys, "complete", research, "--as", "wang.lei", "--data", json.dumps(RESEARCH), "--json")
    assert code == 0 and json.loads(out)["next_tasks"] == ["director_signoff"]
