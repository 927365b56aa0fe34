"""``opsflow away`` (代理) and ``opsflow approve`` (批量审批) from the command line, in process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from engine.org.absences import china_today
from opsflow.cli import main
from tests.journey import RESEARCH, START


def test_away_sets_shows_and_ends_and_the_proxy_gets_the_task(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["init", "--demo"]) == 0
    today = china_today(datetime.now(UTC))
    window = ["--from", today.isoformat(), "--to", (today + timedelta(days=1)).isoformat()]
    assert main(["away", "--as", "wang.lei"]) == 3  # nothing set yet
    assert main(["away", *window, "--proxy", "wang.lei", "--as", "wang.lei"]) == 6
    assert main(["away", *window, "--as", "wang.lei"]) == 6  # dates without a proxy
    assert main(["away", *window, "--proxy", "zhou.jie", "--as", "zhou.jie", "--user", "wang.lei"]) == 4
    capsys.readouterr()
    assert main(["away", *window, "--proxy", "zhou.jie", "--as", "wang.lei", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["active"] is True
    assert main(["start", "market_plan", "--as", "li.na", "--data", json.dumps(START)]) == 0
    capsys.readouterr()
    assert main(["tasks", "--as", "zhou.jie", "--json"]) == 0
    [task] = json.loads(capsys.readouterr().out)
    assert (task["name"], task["on_behalf_of"]) == ("research", "wang.lei")
    assert main(["complete", str(task["id"]), "--as", "zhou.jie", "--data", json.dumps(RESEARCH)]) == 0
    assert main(["approve", "2", "--as", "zhang.min"]) == 6  # the shipped draft step does not allow it
    assert "does not allow bulk approval" in capsys.readouterr().out
    assert main(["away", "--off", "--as", "wang.lei"]) == 0
    assert "ended" in capsys.readouterr().out
