"""`opsflow simulate`, `opsflow preview` and `opsflow simulate-backtest` (in process, on SQLite)."""

from __future__ import annotations

import json

from opsflow.cli import main
from tests.journey import START


def run(capsys, *args):
    capsys.readouterr()
    code = main([*args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_simulate_and_preview_from_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["init", "--demo"]) == 0
    code, out, _ = run(capsys, "simulate", "market_plan", "--cases", "30", "--seed", "4", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["cases"] == 30 and result["cycle_time"]["median"] <= result["cycle_time"]["p90"]
    assert {"waiting", "working"} <= set(result["steps"]["research"])
    # keyed by step id, each step carries its titles (the BPMN name and titleZh), in the figures and the fit
    assert (result["steps"]["manager_review"]["title"], result["steps"]["manager_review"]["title_zh"]) == (
        "Review the plan", "审核方案")
    assert result["fitted"]["durations"]["draft_plan"]["title"] == "Draft the marketing plan"
    assert result["bottleneck"]["title"] == result["steps"][result["bottleneck"]["step"]]["title"]
    assert result["fitted"]["people"]["research_supervisor"] == 1 and "durations" in result["fitted"]
    again = json.loads(run(capsys, "simulate", "market_plan", "--cases", "30", "--seed", "4", "--json")[1])
    assert again["cycle_time"] == result["cycle_time"]  # the same seed, the same figures
    code, out, _ = run(capsys, "simulate", "market_plan", "--cases", "10")
    assert code == 0 and "cycle time (hours): median" in out and "bottleneck:" in out
    assert "Market research report" in out  # the step table's title column
    scenario = tmp_path / "more.json"
    scenario.write_text(json.dumps({"people": {"research_supervisor": 3}}), encoding="utf-8")
    code, out, _ = run(capsys, "simulate", "market_plan", "--cases", "30", "--compare", "--compare-scenario",
                       str(scenario), "--json")
    assert code == 0 and json.loads(out)["right"]["people"]["research_supervisor"] == 3
    scenario.write_text(json.dumps({"people": {"research_supervisor": "many"}}), encoding="utf-8")
    code, _, err = run(capsys, "simulate", "market_plan", "--scenario", str(scenario))
    assert code == 6 and "people.research_supervisor" in err
    code, _, err = run(capsys, "simulate", "market_plan", "--draft", "--cases", "3")
    assert code == 3  # no draft of market_plan
    code, _, err = run(capsys, "simulate-backtest", "market_plan")
    assert code == 6 and "at least 20 instances" in err

    data = tmp_path / "plan.json"
    data.write_text(json.dumps({**START, "budget_cny": 1_500_000}), encoding="utf-8")
    code, out, _ = run(capsys, "preview", "market_plan", "--data", str(data), "--as", "zhang.min", "--json")
    assert code == 0
    route = json.loads(out)
    assert [s["step"] for s in route["steps"]][-2:] == ["joint_signoff", "joint_signoff"]
    code, out, _ = run(capsys, "preview", "market_plan", "--data", str(data), "--as", "zhang.min")
    assert code == 0 and "joint_signoff" in out and "approved" in out
    code, _, err = run(capsys, "preview", "market_plan", "--data", str(data), "--as", "wang.lei")
    assert code == 4
