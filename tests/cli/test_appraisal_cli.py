"""An appraisal cycle driven with the `opsflow` command alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from opsflow.cli import main
from tests.appraisal_steps import scores, self_assessment, wait_until_past


def run(capsys, *args):
    capsys.readouterr()
    code = main([*args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def task_for(capsys, user, name, employee):
    code, out, _ = run(capsys, "tasks", "--as", user, "--json")
    assert code == 0
    found = [t for t in json.loads(out) if t["name"] == name and f"({employee})" in t["instance_title"]]
    assert len(found) == 1, found
    return found[0]


def test_a_cycle_with_the_cli_worker_and_an_objection(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", url)
    assert main(["init", "--demo"]) == 0
    cycle = {"period": "2026-Q4", "period_type": "quarterly", "self_assessment_window": "PT2S"}
    code, out, _ = run(capsys, "start", "appraisal_cycle", "--as", "chen.yu", "--data", json.dumps(cycle), "--json")
    assert code == 0 and json.loads(out)["appraisals"] == 22
    code, _, err = run(capsys, "start", "appraisal_cycle", "--as", "chen.yu", "--data", json.dumps(cycle))
    assert code == 5 and "already exists" in err
    # zhou.jie submits in time; wu.fang lets the window pass
    mine = task_for(capsys, "zhou.jie", "self_assessment", "zhou.jie")
    assert run(capsys, "complete", str(mine["id"]), "--as", "zhou.jie", "--data",
               json.dumps(self_assessment(5, 4, 4, 4)))[0] == 0
    wait_until_past(task_for(capsys, "wu.fang", "self_assessment", "wu.fang")["due_at"])
    worker = subprocess.run([sys.executable, "-m", "opsflow.cli", "worker", "--once", "--json"],
                            env={**os.environ, "OPSFLOW_DATABASE_URL": url}, capture_output=True, text=True,
                            timeout=120, check=True)
    assert json.loads(worker.stdout)["incidents"] == 0
    late = task_for(capsys, "wang.lei", "manager_scoring", "wu.fang")
    code, out, _ = run(capsys, "task", str(late["id"]), "--json")
    assert json.loads(out)["context"]["self_assessment"] == {"status": "not_submitted"}
    # zhou.jie: scoring (5,5,4,4) = 2.0 + 1.5 + 0.6 + 0.6 = 4.7 -> A by the table
    scoring = task_for(capsys, "wang.lei", "manager_scoring", "zhou.jie")
    assert run(capsys, "complete", str(scoring["id"]), "--as", "wang.lei", "--data",
               json.dumps(scores(5, 5, 4, 4)))[0] == 0
    calibration = task_for(capsys, "li.na", "calibration", "zhou.jie")
    code, out, _ = run(capsys, "task", str(calibration["id"]), "--json")
    assert json.loads(out)["context"]["rating"]["grade"] == "A"
    assert run(capsys, "complete", str(calibration["id"]), "--as", "li.na", "--data",
               '{"decision": "adjust", "grade": "B", "comment": "Targets were set low"}')[0] == 0
    acknowledge = task_for(capsys, "zhou.jie", "acknowledge", "zhou.jie")
    assert run(capsys, "complete", str(acknowledge["id"]), "--as", "zhou.jie", "--data",
               '{"decision": "object", "comment": "Targets were set by my manager"}')[0] == 0
    review = task_for(capsys, "li.na", "objection_review", "zhou.jie")
    assert run(capsys, "complete", str(review["id"]), "--as", "li.na", "--data",
               '{"decision": "change", "grade": "A", "comment": "Agreed, back to A"}')[0] == 0
    code, out, _ = run(capsys, "show", str(review["instance_id"]), "--json")
    shown = json.loads(out)
    assert (shown["status"], shown["end_event"], shown["data"]["result"]["grade"]) == ("completed", "recorded", "A")
    code, out, _ = run(capsys, "history", str(review["instance_id"]), "--json")
    done = [(e["task_name"], e["actor"], e["payload"].get("decision")) for e in json.loads(out)
            if e["kind"] == "task_completed"]
    assert done == [("self_assessment", "zhou.jie", None), ("manager_scoring", "wang.lei", None),
                    ("calibration", "li.na", "adjust"), ("acknowledge", "zhou.jie", "object"),
                    ("objection_review", "li.na", "change")]
    code, out, _ = run(capsys, "history", str(review["instance_id"]))  # the text view shows the grades too
    lines = out.splitlines()
    assert any('"rating": {' in line and '"weighted_score": 4.7' in line and '"grade": "A"' in line
               for line in lines), out
    assert any("calibration" in line and '"decision": "adjust"' in line and '"grade": "B"' in line for line in lines)
    assert any("objection_review" in line and '"grade": "A"' in line for line in lines)
    code, out, _ = run(capsys, "cycle", "2026-Q4", "--json")
    board = json.loads(out)
    assert board["grades"]["A"] == 1 and board["by_stage"]["recorded"] == 1
    code, out, _ = run(capsys, "notifications", "--as", "zhou.jie", "--json")
    assert {"new_task", "decided", "result"} <= {n["kind"] for n in json.loads(out)}
    code, out, _ = run(capsys, "notifications", "--as", "wu.fang", "--json")
    # The worker first ran after her deadline: no late reminder and no overdue notice, but she is told her
    # self-assessment closed unsubmitted (issue 19: the lapsed step's notice).
    kinds = [n["kind"] for n in json.loads(out)]
    assert sorted(kinds) == ["expired", "new_task"]
    assert run(capsys, "verify")[0] == 0
