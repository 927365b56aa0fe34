"""The one deploy check: the CLI refuses what the API refuses, in the same words; every deploy reads each
file once; ``opsflow init`` and a document with two executable processes go through the same check."""

from __future__ import annotations

from collections import Counter

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.definitions import xml_safety
from engine.definitions.bundle import DefinitionBundle, bundle_from_file
from engine.definitions.parser import parse_processes, read_documents
from engine.errors import DeploymentRejected
from engine.facade import build_engine
from engine.org.people import Person
from opsflow.cli import main
from tests.api.helpers import ApiUser, make_app
from tests.engine.definitions.test_deploy_bundle import bpmn
from tests.journey import OPERATOR
from tests.modeler_steps import MARKET_PLAN
from tests.paths import REPO

ROOT = REPO
FORM = "market_plan/research.json"  # a form of the project's forms folder, which the CLI reads
LEADS_NOWHERE = "'write' leads nowhere: add an outgoing sequence flow"


def leads_nowhere() -> bytes:
    """The memo process with its task's way to the end removed: the BPMN library accepts it, the lint does not."""
    return (bpmn(form=FORM).replace(b"<bpmn:outgoing>f2</bpmn:outgoing>", b"")
            .replace(b'<bpmn:sequenceFlow id="f2" sourceRef="write" targetRef="done" />', b""))


def test_opsflow_deploy_refuses_what_the_api_refuses_with_the_same_message(sqlite_engine, sqlite_url, tmp_path,
                                                                             capsys):
    content = leads_nowhere()
    form = (ROOT / "forms" / FORM).read_bytes()
    assert [p.key for p in parse_processes(read_documents(DefinitionBundle("memo.bpmn", content, forms={FORM: form})),
                                           {"staff"})] == ["memo"]  # what the CLI's parser-only check let through

    api = ApiUser(make_app(sqlite_engine).test_client(), "gao.yan",
                  sqlite_engine.org.create_token(Person("gao.yan"), "test"))
    answer = api.post("/process-definitions", {"bpmn_name": "memo.bpmn", "bpmn": content.decode(), "note": "x",
                                               "forms": {FORM: form.decode()}})
    assert answer.status_code == 400, answer.get_json()
    refused = answer.get_json()
    assert {"element": "write", "file": None, "severity": "error", "message": LEADS_NOWHERE} in refused["errors"]

    (tmp_path / "memo.bpmn").write_bytes(content)
    capsys.readouterr()
    code = main(["--database", sqlite_url, "deploy", str(tmp_path / "memo.bpmn"), "--as", "gao.yan", "--note", "x"])
    stderr = capsys.readouterr().err
    assert code == 6
    assert stderr.splitlines()[0] == f"error: {refused['message']}"  # the same words: "memo.bpmn: ..."
    assert all(f"  - {error['message']}" in stderr.splitlines() for error in refused["errors"]), stderr
    assert LEADS_NOWHERE in stderr
    assert "memo" not in {p["key"] for p in sqlite_engine.work.processes(OPERATOR)}


def test_opsflow_deploy_needs_a_change_note_as_the_api_does(sqlite_engine, sqlite_url, capsys):
    path = str(ROOT / "processes" / "market_plan.bpmn")
    api = ApiUser(make_app(sqlite_engine).test_client(), "gao.yan",
                  sqlite_engine.org.create_token(Person("gao.yan"), "test"))
    answer = api.post("/process-definitions", {"bpmn": MARKET_PLAN, "note": "  "})
    assert answer.status_code == 400
    capsys.readouterr()
    assert main(["--database", sqlite_url, "deploy", path, "--as", "gao.yan"]) == 6
    assert capsys.readouterr().err == f"error: {answer.get_json()['message']}\n"
    assert answer.get_json()["message"] == "a deploy needs a change note: say what changed and why"
    assert main(["--database", sqlite_url, "deploy", path, "--as", "gao.yan", "--note", "Same again"]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_a_deploy_reads_each_file_once_and_the_library_parses_once(sqlite_engine, monkeypatch):
    reads: Counter[str] = Counter()
    parser, add_bpmn_xml = xml_safety._parser, SpiffBpmnParser.add_bpmn_xml

    def counted_parser():  # one hardened XML parse of one file
        reads["xml"] += 1
        return parser()

    def counted_add(self, *args, **kwargs):
        reads["library"] += 1
        return add_bpmn_xml(self, *args, **kwargs)

    monkeypatch.setattr(xml_safety, "_parser", counted_parser)
    monkeypatch.setattr(SpiffBpmnParser, "add_bpmn_xml", counted_add)
    bundle = bundle_from_file(ROOT / "processes" / "appraisal.bpmn", ROOT / "forms")  # the BPMN and the 4 DMN tables
    changed = DefinitionBundle(bundle.bpmn_name, bundle.bpmn.replace(b"Appraisal", b"Appraisal (revised)", 1),
                               bundle.dmn, bundle.forms)
    reads.clear()
    [result] = sqlite_engine.definitions.deploy(Person("gao.yan"), [changed], "Renamed")
    # The check reads each of the 5 files once; as the bytes differ from the latest version's, the BPMN and the
    # 3 DMN tables it calls are read once more on each side to compare canonical content (``canonical``).
    assert (result.status, dict(reads)) == ("deployed", {"xml": 5 + 4 + 4, "library": 1})

    opened = sqlite_engine.modeler.open_draft(Person("gao.yan"), "market_plan")
    saved = sqlite_engine.modeler.save_draft(Person("gao.yan"), "market_plan", opened["bpmn"].replace(
        "max_returns = 5", "max_returns = 4"), opened["files"], 0)
    reads.clear()
    deployed = sqlite_engine.modeler.deploy_draft(Person("gao.yan"), "market_plan", saved["version"], "Fewer rounds")
    # its BPMN and its DMN table, then both again on each side for the canonical comparison
    assert (deployed["status"], dict(reads)) == ("deployed", {"xml": 2 + 2 + 2, "library": 1})


def test_one_bpmn_document_deploys_one_process_on_every_channel(sqlite_engine):
    second = bpmn(process_id="memo_two").split(b"<bpmn:process ", 1)[1].split(b"</bpmn:process>")[0]
    second = second.replace(b'id="lanes"', b'id="lanes_two"').replace(b'id="lane_staff"', b'id="lane_two"')
    for old in (b"write", b"start", b"done", b"f1", b"f2"):
        second = second.replace(b'"' + old + b'"', b'"' + old + b'_two"').replace(
            b">" + old + b"<", b">" + old + b"_two<")
    content = bpmn().replace(b"</bpmn:definitions>", b"<bpmn:process " + second + b"</bpmn:process>\n"
                             b"</bpmn:definitions>")
    bundle = DefinitionBundle("memos.bpmn", content, forms={"memo/note.json": b'{"type": "object"}'})
    with pytest.raises(DeploymentRejected) as refused:
        sqlite_engine.definitions.deploy(Person("gao.yan"), [bundle], "Two memos")
    assert [(p.element, str(p)) for p in refused.value.problems] == [
        ("memo_two", "the diagram defines 2 executable processes (memo, memo_two): deploy one process per BPMN "
                     "document")]


def test_opsflow_init_puts_the_shipped_processes_through_the_same_check(tmp_path):
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "memo.bpmn").write_bytes(leads_nowhere())
    engine = build_engine(f"sqlite:///{tmp_path / 'init.sqlite'}")
    try:
        engine.collaborators.processes_root = processes
        with pytest.raises(DeploymentRejected, match="leads nowhere"):
            engine.setup.init(demo=True)
        engine.collaborators.processes_root = ROOT / "processes"
        deployed = engine.setup.init(demo=True).deployments
        shipped = {(d.key, d.status) for d in deployed if not d.source.startswith("packs/")}  # the packs apart
        assert shipped == {("market_plan", "deployed"), ("appraisal", "deployed"), ("appraisal_cycle", "deployed")}
        assert {d.status for d in deployed} == {"deployed"}
        assert {v["note"] for v in engine.modeler.versions(Person("admin"), "market_plan")} == {""}
    finally:
        engine.db.dispose()
