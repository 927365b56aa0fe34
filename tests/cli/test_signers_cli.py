"""Delegating (委派) and adding, signing, removing signers (加签, 减签) from the command line."""

from __future__ import annotations

import json

import pytest

from opsflow.cli import main
from tests.journey import DRAFT, RESEARCH, START


@pytest.fixture
def cli_env(tmp_path):
    return {"OPSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}


def test_delegate_add_sign_and_remove_with_the_cli(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["init", "--demo"]) == 0
    assert main(["start", "market_plan", "--as", "li.na", "--data", json.dumps(START)]) == 0
    capsys.readouterr()
    assert main(["delegate", "1", "--to", "wu.fang", "--reason", "x", "--as", "zhou.jie"]) == 4  # not his
    assert main(["delegate", "1", "--to", "zhou.jie", "--reason", "请整理", "--as", "wang.lei", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["acting"] == "zhou.jie"
    assert main(["complete", "1", "--as", "zhou.jie", "--data", json.dumps(RESEARCH)]) == 0
    assert main(["complete", "1", "--as", "wang.lei", "--data", json.dumps(RESEARCH)]) == 0
    assert main(["delegate", "1", "--to", "zhou.jie", "--reason", "x", "--as", "wang.lei"]) == 5  # finished
    assert main(["complete", "2", "--as", "zhang.min", "--data", json.dumps(DRAFT)]) == 0
    assert main(["add-signer", "3", "--people", "zhao.qiang", "--before", "--reason", "x", "--as", "zhou.jie"]) == 4
    assert main(["add-signer", "3", "--people", "zhao.qiang", "wang.lei", "--after", "--reason", "联签",
                 "--as", "li.na"]) == 0
    assert main(["complete", "3", "--as", "li.na", "--data", '{"decision": "approve"}']) == 0
    capsys.readouterr()
    assert main(["signers", "3"]) == 0
    shown = capsys.readouterr().out
    assert "held by li.na, with zhao.qiang now" in shown and "approve, return, return_research" in shown
    assert main(["sign", "3", "--decision", "approve", "--as", "wang.lei"]) == 5  # not his turn
    assert main(["sign", "3", "--decision", "approve", "--as", "zhao.qiang"]) == 0
    capsys.readouterr()
    assert main(["remove-signer", "3", "--person", "wang.lei", "--reason", "不必了", "--as", "li.na", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "completed"  # the held approval went on
    assert main(["remove-signer", "3", "--person", "zhao.qiang", "--as", "li.na"]) == 5
    capsys.readouterr()
    assert main(["show", "1", "--json"]) == 0
    assert [t["name"] for t in json.loads(capsys.readouterr().out)["open_tasks"]] == ["director_signoff"]
