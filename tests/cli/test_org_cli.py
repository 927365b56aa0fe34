"""``opsflow user set|deactivate|reactivate``, ``unit add|move``, ``org import|export|at`` (issue 20), in process,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from engine.org.record import china_today
from opsflow.cli import main
from tests.journey import START


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", db_url)
    assert main(["init", "--demo"]) == 0
    return main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_user_set_promotes_and_org_at_answers_for_a_day(cli, capsys):
    code, out, _ = run(capsys, "user", "set", "zhou.jie", "--role", "research_supervisor", "--reports-to", "li.na")
    assert code == 0 and "roles: staff -> research_supervisor" in out and "reports_to: wang.lei -> li.na" in out
    code, out, _ = run(capsys, "user", "set", "zhou.jie", "--role", "research_supervisor", "--json")
    assert code == 0 and json.loads(out)["changes"] == []
    today = china_today(datetime.now(UTC)).isoformat()
    code, out, _ = run(capsys, "org", "at", "zhou.jie", "--date", today, "--json")
    shown = json.loads(out)
    assert code == 0 and (shown["roles"], shown["reports_to"]) == (["research_supervisor"], "li.na")
    code, out, _ = run(capsys, "org", "at", "zhou.jie", "--date", "2001-01-01")
    assert code == 0 and "was not in the organisation on 2001-01-01" in out
    code, _, err = run(capsys, "user", "set", "li.na", "--reports-to", "zhou.jie")
    assert code == 6 and "circle" in err
    code, _, err = run(capsys, "user", "set", "li.na", "--role", "wizard")
    assert code == 6 and "unknown role(s): wizard" in err
    code, _, err = run(capsys, "user", "set", "no.one", "--unit", "safety")
    assert code == 3 and "unknown user" in err
    code, _, err = run(capsys, "user", "set", "li.na", "--unit", "safety", "--as", "wang.lei")
    assert code == 4 and "administer the organisation" in err
    code, _, err = run(capsys, "user", "set", "li.na")
    assert code == 6 and "nothing to set" in err


def test_deactivate_needs_a_hand_over_then_the_task_moves_and_sign_in_is_refused(cli, capsys):
    assert run(capsys, "start", "market_plan", "--as", "li.na", "--data", json.dumps(START))[0] == 0
    code, out, _ = run(capsys, "tasks", "--as", "wang.lei", "--json")
    [research] = json.loads(out)
    assert run(capsys, "transfer", str(research["id"]), "--to", "wu.fang", "--reason", "her estates",
               "--as", "wang.lei")[0] == 0
    code, _, err = run(capsys, "user", "deactivate", "wu.fang")
    assert code == 5 and "holds 1 open task" in err
    code, out, _ = run(capsys, "user", "deactivate", "wu.fang", "--hand-over-to", "zhou.jie", "--json")
    assert code == 0 and json.loads(out)["handed_over"][0]["to"] == "zhou.jie"
    code, out, _ = run(capsys, "tasks", "--as", "zhou.jie", "--json")
    assert [t["id"] for t in json.loads(out)] == [research["id"]]
    code, out, _ = run(capsys, "history", str(research["instance_id"]), "--json")
    assert any(e["payload"].get("reason") == "handed over from 吴芳" for e in json.loads(out))
    code, _, err = run(capsys, "tasks", "--as", "wu.fang")
    assert code == 3  # no longer a user anyone may act as
    code, out, _ = run(capsys, "user", "reactivate", "wu.fang")
    assert code == 0 and "active: False -> True" in out


def test_units_add_and_move_with_the_tree_checked(cli, capsys):
    code, out, _ = run(capsys, "unit", "add", "gas_lab", "--name-zh", "燃气化验室", "--name-en", "Gas Laboratory",
                       "--parent", "safety", "--head", "jiang.hai")
    assert code == 0 and "gas_lab: added" in out
    code, out, _ = run(capsys, "unit", "move", "gas_lab", "--parent", "supply", "--json")
    assert code == 0 and json.loads(out)["changes"] == [{"field": "parent", "before": "safety", "after": "supply"}]
    code, _, err = run(capsys, "unit", "move", "operations", "--parent", "gas_lab")
    assert code == 6 and "circle" in err
    code, _, err = run(capsys, "unit", "move", "nowhere", "--top")
    assert code == 3 and "unknown unit" in err
    code, out, _ = run(capsys, "units", "--json")
    assert {u["key"]: u["parent"] for u in json.loads(out)}["gas_lab"] == "supply"


@pytest.mark.parametrize("form", ["csv", "json"])
def test_org_import_of_the_same_file_twice_reports_no_changes_the_second_time(cli, capsys, tmp_path, form):
    exported = tmp_path / f"org.{form}"
    assert run(capsys, "org", "export", "--output", str(exported))[0] == 0
    text = exported.read_text(encoding="utf-8")
    if form == "csv":
        assert text.splitlines()[0].startswith("kind,key,name,name_en")
        text += "person,qin.feng,秦峰,,,,,zh,staff,jiang.hai,safety,yes\n"
        text = text.replace("person,feng.yi,冯怡,,,,feng.yi@example.com,,staff,liu.yang,marketing,yes",
                            "person,feng.yi,冯怡,,,,feng.yi@example.com,,staff,jiang.hai,safety,yes")
    else:
        document = json.loads(text)
        document["people"].append({"username": "qin.feng", "name": "秦峰", "language": "zh", "roles": ["staff"],
                                   "reports_to": "jiang.hai", "unit": "safety"})
        next(p for p in document["people"] if p["username"] == "feng.yi").update(reports_to="jiang.hai",
                                                                                  unit="safety")
        text = json.dumps(document, ensure_ascii=False)
    changed = tmp_path / f"changed.{form}"
    changed.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "org", "import", str(changed), "--json")
    assert code == 0 and json.loads(out) == {"units_added": 0, "units_changed": 0, "people_added": 1,
                                             "people_changed": 1, "events": 3}
    code, out, _ = run(capsys, "org", "import", str(changed))
    assert code == 0 and out.strip() == "no changes"
    code, out, _ = run(capsys, "verify", "--json")
    assert json.loads(out)["events"] == 3 and json.loads(out)["ok"] is True  # and no event from the second run
    again = tmp_path / f"again.{form}"
    assert run(capsys, "org", "export", "--output", str(again))[0] == 0
    assert run(capsys, "org", "import", str(again))[1].strip() == "no changes"


def test_org_import_refuses_a_bad_file_whole(cli, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,key,name,roles,reports_to\nperson,feng.yi,冯怡,staff,zhang.min\nteam,x,y,,\n",
                   encoding="utf-8")
    code, _, err = run(capsys, "org", "import", str(bad))
    assert code == 6 and "line 3: kind is unit or person" in err
    code, out, _ = run(capsys, "users", "--json")
    assert next(u for u in json.loads(out) if u["username"] == "feng.yi")["reports_to"] == "liu.yang"
