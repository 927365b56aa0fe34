"""Process packs listed, shown and installed: the CLI and the facade, as the operator, through the one deploy
check; a second install writes nothing; an unknown pack is refused with nothing changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.definitions.pack_install import PackNotFound
from engine.errors import NotAllowed
from engine.facade import build_engine
from engine.facade.definitions import PACKS_OPERATOR
from engine.models import HistoryEvent, ProcessDefinition
from engine.org.people import Person
from opsflow.cli import main

SHIPPED = {"overtime": ["overtime_request"], "expense": ["expense_approval"]}  # this branch's packs


def rows(engine, model):
    with engine.core.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def bare(db_url):
    """An engine after a plain ``init``: the roles and processes/, no pack."""
    engine = build_engine(db_url)
    engine.setup.init()
    yield engine
    engine.db.dispose()


def test_install_deploys_as_the_operator_with_the_packs_version_and_a_second_install_writes_nothing(bare):
    assert {p.key for p in bare.definitions.packs(PACKS_OPERATOR)} >= set(SHIPPED)
    [installed] = bare.definitions.install_pack(PACKS_OPERATOR, "overtime")
    assert (installed.pack, installed.process, installed.version, installed.status) == (
        "overtime", "overtime_request", 1, "installed")
    [version] = bare.modeler.versions(PACKS_OPERATOR, "overtime_request")
    assert version["deployed_by"] == "opsflow packs" and version["note"] == "pack overtime 1.0.0"
    before = (rows(bare, ProcessDefinition), rows(bare, HistoryEvent))
    [again] = bare.definitions.install_pack(PACKS_OPERATOR, "overtime")
    assert (again.version, again.status) == (1, "already installed")
    assert (rows(bare, ProcessDefinition), rows(bare, HistoryEvent)) == before


def test_an_unknown_pack_is_refused_by_name_and_nothing_is_installed(bare):
    before = rows(bare, ProcessDefinition)
    with pytest.raises(PackNotFound, match=r"no process pack 'payroll'; the packs are: .*overtime"):
        bare.definitions.install_pack(PACKS_OPERATOR, "payroll")
    assert rows(bare, ProcessDefinition) == before


def test_a_pack_is_read_with_its_readme(bare):
    detail = bare.definitions.pack(PACKS_OPERATOR, "expense")
    assert detail.pack.processes == ("expense_approval",) and detail.pack.title_zh == "费用支出审批（预算控制）"
    assert "所有费用支出都应有明确的预算依据" in detail.readme


def test_people_without_the_model_right_see_no_packs(engine):
    for use in (lambda who: engine.definitions.packs(who), lambda who: engine.definitions.pack(who, "overtime")):
        with pytest.raises(NotAllowed):
            use(Person("cao.jun"))
    assert "overtime" in {p.key for p in engine.definitions.packs(Person("gao.yan"))}  # an analyst
    assert engine.definitions.pack(Person("gao.yan"), "overtime").readme.startswith("# Overtime")


def test_init_demo_installs_every_pack(engine):
    deployed = {p["key"] for p in engine.work.processes(PACKS_OPERATOR)}
    for processes in SHIPPED.values():
        assert set(processes) <= deployed


def run(capsys, *args):
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys):
    return run(capsys, "packs", "list", "--json")[1]


def test_the_cli_lists_shows_and_installs_packs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'packs.sqlite'}")
    assert main(["init"]) == 0
    code, out, _ = run(capsys, "packs", "list", "--json")
    listed = {p["key"]: p for p in json.loads(out)}
    assert code == 0 and listed["overtime"] == {"key": "overtime", "title": "Overtime approved in advance",
                                                "title_zh": "加班事先报备审批", "version": "1.0.0",
                                                "processes": ["overtime_request"]}
    code, out, _ = run(capsys, "packs", "list")
    assert code == 0 and "expense  " in out and "1.0.0" in out
    code, out, _ = run(capsys, "packs", "show", "overtime")
    assert code == 0 and "加班需事先报备并获得批准" in out and "processes: overtime_request" in out
    code, out, err = run(capsys, "packs", "install", "nope")
    assert code == 3 and "no process pack 'nope'" in err and out == ""
    code, out, err = run(capsys, "packs", "install", "overtime", "--all")
    assert code == 6 and "not both" in err
    code, out, _ = run(capsys, "packs", "install", "overtime", "--json")
    assert code == 0 and json.loads(out) == [{"pack": "overtime", "process": "overtime_request", "version": 1,
                                              "status": "installed"}]
    code, out, _ = run(capsys, "packs", "install", "--all", "--json")
    statuses = {r["process"]: r["status"] for r in json.loads(out)}
    assert code == 0 and statuses["overtime_request"] == "already installed"
    assert statuses["expense_approval"] == "installed"
    code, out, _ = run(capsys, "packs", "install", "--all")
    every_process = sum(len(p["processes"]) for p in json.loads(run_json(capsys)))
    assert code == 0 and out.count("already installed") == every_process
