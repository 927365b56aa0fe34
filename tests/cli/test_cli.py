"""The command line, as a user runs it: a fresh SQLite database and nothing but `opsflow`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from opsflow.cli import main
from tests.journey import DRAFT, RESEARCH, START


@pytest.fixture
def cli_env(tmp_path):
    return {**os.environ, "OPSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}


def opsflow(env, *args):
    """Run the real console entry point in a new process."""
    proc = subprocess.run([sys.executable, "-m", "opsflow.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def ok_json(env, *args):
    code, out, err = opsflow(env, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def task_id(env, user, name):
    tasks = [t for t in ok_json(env, "tasks", "--as", user) if t["name"] == name]
    assert len(tasks) == 1, tasks
    return str(tasks[0]["id"])


def test_approve_path_with_the_cli_alone(cli_env):
    env = cli_env
    assert opsflow(env, "init", "--demo")[0] == 0
    assert opsflow(env, "init", "--demo")[1].startswith("database ready: 0 role(s) and 0 user(s) added")
    processes = {p["key"]: p for p in ok_json(env, "processes")}  # processes/ and the packs (init --demo)
    packs = {key for pack in ok_json(env, "packs", "list") for key in pack["processes"]}
    assert sorted(processes) == sorted({"appraisal", "appraisal_cycle", "market_plan"} | packs)
    assert {p["version"] for p in processes.values()} == {1}  # the second init deployed nothing again
    assert processes["market_plan"]["start_form"]["properties"]["period_type"]["enum"] == [
        "annual", "quarterly", "monthly"]
    users = {u["username"]: u for u in ok_json(env, "users")}
    assert users["wang.lei"]["reports_to"] == "li.na" and users["chen.yu"]["roles"] == ["director"]
    started = ok_json(env, "start", "market_plan", "--as", "li.na", "--data", json.dumps(START))
    assert started["status"] == "running"
    research = task_id(env, "wang.lei", "research")
    shown = ok_json(env, "task", research)
    assert shown["form"]["required"][0] == "target_customers" and shown["context"]["start"] == START
    assert opsflow(env, "claim", research, "--as", "wang.lei")[0] == 0
    assert opsflow(env, "complete", research, "--as", "wang.lei", "--data", json.dumps(RESEARCH))[0] == 0
    assert opsflow(env, "complete", task_id(env, "zhang.min", "draft_plan"), "--as", "zhang.min",
                   "--data", json.dumps(DRAFT))[0] == 0
    assert opsflow(env, "complete", task_id(env, "li.na", "manager_review"), "--as", "li.na",
                   "--data", '{"decision": "approve"}')[0] == 0
    done = ok_json(env, "complete", task_id(env, "chen.yu", "director_signoff"), "--as", "chen.yu",
                   "--data", '{"decision": "approve", "comment": "Good plan"}')
    assert done["status"] == "completed" and done["end_event"] == "approved"
    instance = ok_json(env, "show", str(started["id"]))
    assert (instance["status"], instance["end_event"]) == ("completed", "approved")
    assert instance["data"]["director_signoff"] == {"decision": "approve", "comment": "Good plan"}
    assert [i["id"] for i in ok_json(env, "instances", "--process", "market_plan")] == [started["id"]]
    history = ok_json(env, "history", str(started["id"]))
    actors = [(e["task_name"], e["actor"]) for e in history if e["kind"] == "task_completed"]
    assert actors == [("research", "wang.lei"), ("draft_plan", "zhang.min"), ("manager_review", "li.na"),
                      ("director_signoff", "chen.yu")]
    code, out, _ = opsflow(env, "verify")
    assert code == 0 and "intact" in out


def test_errors_go_to_stderr_with_a_code_per_kind(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["init", "--demo"]) == 0
    assert main(["start", "market_plan", "--as", "li.na", "--data", json.dumps(START)]) == 0
    capsys.readouterr()
    assert main(["complete", "1", "--as", "zhang.min", "--data", "{}"]) == 4
    assert "research_supervisor" in capsys.readouterr().err
    assert main(["complete", "1", "--as", "wang.lei", "--data", '{"findings": 1}']) == 6
    err = capsys.readouterr().err
    assert "findings:" in err and "target_customers: is required" in err
    assert main(["complete", "1", "--as", "wang.lei", "--data", "{not json"]) == 6
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["complete", "99", "--as", "wang.lei", "--data", "{}"]) == 3
    assert "no task with id 99" in capsys.readouterr().err
    assert main(["tasks", "--as", "ghost"]) == 3
    assert "unknown user" in capsys.readouterr().err
    assert main(["user", "add", "qian.bo", "--role", "wizard"]) == 6
    assert "wizard" in capsys.readouterr().err
    assert main(["user", "add", "qian.bo", "--role", "staff", "--reports-to", "wang.lei"]) == 0
    assert main(["cancel", "1", "--as", "li.na", "--reason", "x"]) == 4
    assert main(["cancel", "1", "--as", "chen.yu", "--reason", "Budget frozen"]) == 0
    capsys.readouterr()
    assert main(["show", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "cancelled"


def test_uninitialised_database_gets_a_clear_message(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["tasks", "--as", "li.na"]) == 1
    assert "opsflow init" in capsys.readouterr().err


def test_init_without_demo_creates_an_empty_organisation(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["users", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["user", "add", "boss", "--role", "director"]) == 0
    assert main(["user", "add", "clerk", "--role", "marketing_manager", "--reports-to", "boss"]) == 0
    assert main(["start", "market_plan", "--as", "clerk", "--data", json.dumps(START), "--json"]) == 0


def test_tables_line_up_chinese_names_and_list_roles_plainly(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["init", "--demo"]) == 0
    capsys.readouterr()
    assert main(["users"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header, chen = lines[0], next(line for line in lines if line.startswith("chen.yu"))
    assert "director" in chen and "[" not in chen
    # 陈宇 takes four terminal columns, so ROLES starts two characters earlier on chen.yu's line.
    assert chen.index("director") == header.index("ROLES") - 2


def test_a_closed_pipe_ends_the_output_quietly(cli_env):
    """`opsflow processes --json | head -1`: the reader has gone before the output is written."""
    assert opsflow(cli_env, "init", "--demo")[0] == 0
    proc = subprocess.Popen([sys.executable, "-m", "opsflow.cli", "processes", "--json"], env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        errors = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and errors == ""


def test_typed_results_print_the_json_objects_they_always_did(cli_env, capsys, monkeypatch):
    """The operators' and the dashboard's commands: the same keys, whatever type the engine hands out."""
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])

    def printed(*args):
        assert main([*args, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    report = printed("init", "--demo")
    assert set(report) == {"roles_added", "users_added", "calendar_days_added", "deployments"}
    assert set(report["deployments"][0]) == {"key", "version", "status", "source"}
    assert set(printed("users")[0]) == {"username", "name", "email", "roles", "reports_to", "active", "unit"}
    data = json.dumps({"self_assessment_window": "P3D"})
    added = printed("schedule", "add", "appraisal_cycle", "--every", "quarterly", "--as", "chen.yu", "--data", data)
    assert set(added) == {"id", "process", "cadence", "next_run_at"}
    [listed] = printed("schedule", "list")
    assert set(listed) == {"id", "process", "cadence", "owner", "data", "next_run_at"}
    assert listed["data"] == {"self_assessment_window": "P3D"}
    printed("start", "appraisal_cycle", "--as", "chen.yu", "--data",
            json.dumps({"period": "2026-Q4", "period_type": "quarterly", "self_assessment_window": "P3D"}))
    [cycle] = printed("cycles")
    assert set(cycle) == {"id", "period", "status", "started_at"}
    board = printed("cycle", "2026-Q4")
    assert set(board) == {"period", "cycle_id", "status", "appraisals", "opening", "by_stage", "overdue", "grades",
                          "instances", "hidden", "step_titles", "too_few", "opened_at"}  # the last two: issue 20
    assert board["opening"] == {"planned": 22, "opened": 22, "finished": True}
    assert set(board["instances"][0]) == {"id", "title", "stage", "grade"}
    assert set(next(iter(board["step_titles"].values()))) == {"title", "title_zh"}
    assert set(printed("calendar", "2027")[0]) == {"date", "weekday", "working", "name", "source"}


def test_calendar_lists_a_years_holidays_and_make_up_days(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["init"]) == 0  # the days operators entered are kept in the database
    capsys.readouterr()
    assert main(["calendar", "2026", "--json"]) == 0
    days = {d["date"]: d for d in json.loads(capsys.readouterr().out)}
    assert days["2026-10-01"] == {"date": "2026-10-01", "weekday": "Thu", "working": False,
                                  "name": "National Day", "source": "package"}
    assert days["2026-10-10"]["working"] is True and "2026-11-27" not in days


def test_an_admin_enters_calendar_days_that_count_from_then_on(cli_env, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["init", "--demo"]) == 0
    assert main(["calendar-day", "set", "2027-02-08", "--name", "Spring Festival", "--as", "li.na"]) == 4
    assert "edit calendar right" in capsys.readouterr().err
    assert main(["calendar-day", "set", "2027-02-08", "--name", "Spring Festival", "--as", "admin"]) == 0
    assert main(["calendar-day", "set", "2027-02-14", "--working", "--name", "Spring Festival", "--as", "admin"]) == 0
    file = tmp_path / "days.json"
    file.write_text(json.dumps({"holidays": {"2027-02-09": "Spring Festival", "2027-02-08": "other name"}}))
    assert main(["calendar-day", "import", str(file), "--as", "admin"]) == 0
    assert "1 day(s) entered" in capsys.readouterr().out  # 02-08 was entered already and is kept
    assert main(["calendar", "2027", "--json"]) == 0
    days = {d["date"]: d for d in json.loads(capsys.readouterr().out)}
    assert (days["2027-02-08"]["working"], days["2027-02-08"]["name"], days["2027-02-08"]["source"]) == (
        False, "Spring Festival", "entered")
    assert days["2027-02-14"]["working"] is True and days["2027-02-09"]["source"] == "entered"
    assert main(["calendar-day", "unset", "2027-02-09", "--as", "admin"]) == 0
    assert "the package's data counts again" in capsys.readouterr().out
    assert main(["calendar", "2027", "--json"]) == 0
    assert "2027-02-09" not in {d["date"] for d in json.loads(capsys.readouterr().out)}
    file.write_text('{"holidays": {"2027-13-01": "x"}}')
    assert main(["calendar-day", "import", str(file), "--as", "admin"]) == 6
    assert "is not an ISO date" in capsys.readouterr().err


def test_bad_arguments_are_errors_not_tracebacks(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", cli_env["OPSFLOW_DATABASE_URL"])
    assert main(["init", "--demo"]) == 0
    capsys.readouterr()
    cases = [
        (["start", "market_plan", "--as", "li.na", "--data", "@/nonexistent/start.json"], 6, "cannot read the file"),
        (["calendar", "99999"], 6, "out of range"),
        (["verify", "9999"], 3, "no process instance with id 9999"),
        (["cycle", "2026-Q3"], 3, "no appraisal cycle for period '2026-Q3'"),
        (["start", "market_plan", "--as", "li.na", "--data", "[" * 100_000], 6, "nested too deeply"),
        (["start", "market_plan", "--as", "li.na", "--data", '{"title": NaN}'], 6, "NaN is not a JSON number"),
    ]
    for argv, code, message in cases:
        assert main(argv) == code, argv
        out, err = capsys.readouterr()
        assert message in err and out == "", (argv, out, err)
