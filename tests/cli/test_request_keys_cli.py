"""``opsflow start``/``complete`` with ``--request-key`` (issue 24): a script that runs a start again after a timeout
gets the first instance's id again (exit 0) and nothing new is started; the same key with other data is refused
(exit 11) and nothing is done; without a key, a command is done as ever (two runs, two starts). On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.facade import Engine
from engine.models import ProcessInstance
from engine.org.people import Person
from opsflow.cli import main
from tests.journey import RESEARCH, START, only_task


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def started(engine: Engine, title: str) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessInstance)
                                  .where(ProcessInstance.title.contains(title))) or 0)


def data_file(tmp_path: Path, name: str, data: dict[str, Any]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return f"@{path}"


def test_a_start_run_again_with_its_key_prints_the_first_instance(
        engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = data_file(tmp_path, "plan", {**START, "title": "Keyed plan"})
    start = ["--database", db_url, "start", "market_plan", "--as", "li.na", "--data", plan, "--request-key", "run-7"]
    code, out, err = run(capsys, *start, "--json")
    assert code == 0, err
    first = json.loads(out)
    code, out, err = run(capsys, *start, "--json")  # the script's retry after a timeout
    assert code == 0 and json.loads(out) == first
    assert "used before" in err and "nothing done now" in err
    code, out, _ = run(capsys, *start)  # the text view names the same instance
    assert code == 0 and out.startswith(f"instance {first['id']} running; next: ")
    assert started(engine, "Keyed plan") == 1

    other = data_file(tmp_path, "other", {**START, "title": "Another plan"})
    code, out, err = run(capsys, "--database", db_url, "start", "market_plan", "--as", "li.na", "--data", other,
                         "--request-key", "run-7")
    assert (code, out) == (11, "") and "was used before with other arguments" in err
    assert started(engine, "Another plan") == 0
    code, _, _ = run(capsys, "--database", db_url, "start", "market_plan", "--as", "chen.yu", "--data", other,
                     "--request-key", "run-7")
    assert code == 0 and started(engine, "Another plan") == 1  # a key is its user's own

    for _ in range(2):  # without a key, as ever: two runs, two starts (the CLI makes no key up)
        assert run(capsys, "--database", db_url, "start", "market_plan", "--as", "li.na", "--data", other)[0] == 0
    assert started(engine, "Another plan") == 3


def test_a_complete_run_again_with_its_key_is_done_once(
        engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = engine.work.start(Person("li.na"), "market_plan", START).id
    task = str(only_task(engine, "wang.lei", "research", plan)["id"])
    complete = ["--database", db_url, "complete", task, "--as", "wang.lei", "--data",
                data_file(tmp_path, "research", RESEARCH), "--json"]
    code, out, err = run(capsys, *complete, "--request-key", "research-1")
    assert code == 0, err
    code, again, _ = run(capsys, *complete, "--request-key", "research-1")
    assert code == 0 and json.loads(again) == json.loads(out)
    code, _, err = run(capsys, *complete)  # without the key: the task is done already
    assert code == 5, err
    assert [e["kind"] for e in engine.work.history(Person("li.na"), plan)].count("task_completed") == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "clé"], ids=["empty", "too long", "not ASCII"])
def test_a_malformed_key_is_refused_and_nothing_is_started(
        sqlite_engine: Engine, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str) -> None:
    plan = data_file(tmp_path, "plan", {**START, "title": "Badly keyed"})
    code, _, err = run(capsys, "--database", sqlite_url, "start", "market_plan", "--as", "li.na", "--data", plan,
                       "--request-key", key)
    assert code == 6 and "--request-key must be 1 to 255 printable ASCII characters" in err
    assert started(sqlite_engine, "Badly keyed") == 0


def test_the_help_of_start_says_what_a_reused_key_exits(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["start", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--request-key KEY" in shown and "exits 11" in shown
