"""Process-mining exports and conformance, checked the way a tool reads them.

The XES is validated against the IEEE 1849-2016 structure (tests/fixtures/xes/ieee-1849-2016.xsd:
element names, namespace, attribute types, required attributes) and parsed back trace by trace.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from lxml import etree
from sqlalchemy import text

from engine.audit.xes import LogFilter
from engine.errors import NotAllowed, ProcessNotFound
from engine.org.people import Person
from tests.journey import OPERATOR
from tests.paths import REPO
from tests.process_paths import approve, plans_over_every_path

ROOT = REPO
XES = "{http://www.xes-standard.org/}"
SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "fixtures" / "xes" / "ieee-1849-2016.xsd")))


@pytest.fixture(scope="module")
def mined(tmp_path_factory):
    """52 market plans over the approve, rework, return-to-research and veto paths (SQLite)."""
    from engine.facade import build_engine

    path = tmp_path_factory.mktemp("mining") / "db.sqlite"
    engine = build_engine(f"sqlite:///{path}")
    engine.setup.init(demo=True)
    made = plans_over_every_path(engine, 13)
    yield engine, made
    engine.db.dispose()


def xes_of(engine, wanted: LogFilter) -> bytes:
    return "".join(engine.audit.xes_log(Person("he.ping"), wanted)).encode("utf-8")


def test_the_xes_is_ieee_1849_valid_and_holds_one_trace_per_instance(mined):
    engine, made = mined
    document = etree.parse(io.BytesIO(xes_of(engine, LogFilter("market_plan"))))
    SCHEMA.assertValid(document)
    log = document.getroot()
    assert log.tag == f"{XES}log" and log.get("xes.version") == "1849-2016"
    assert {e.get("prefix") for e in log.findall(f"{XES}extension")} == {"concept", "time", "lifecycle", "org"}
    traces = log.findall(f"{XES}trace")
    assert len(traces) == sum(len(v) for v in made.values()) == 52
    by_id = {t.find(f"{XES}string[@key='concept:name']").get("value"): t for t in traces}
    rework = by_id[str(made["rework"][0])]
    every = rework.findall(f"{XES}event")

    def attr(event, kind, key):
        found = event.find(f"{XES}{kind}[@key='{key}']")
        return None if found is None else found.get("value")

    assert [(attr(e, "string", "concept:name"), attr(e, "string", "lifecycle:transition")) for e in every] == [
        ("Plan requested", "start"), ("Initialise rework counter", "complete"),
        ("Market research report", "assign"), ("Market research report", "complete"),
        ("Draft the marketing plan", "assign"), ("Draft the marketing plan", "complete"),
        ("Review the plan", "assign"), ("Review the plan", "complete"), ("Count the return", "complete"),
        ("Draft the marketing plan", "assign"), ("Draft the marketing plan", "complete"),
        ("Review the plan", "assign"), ("Review the plan", "complete"), ("Who signs off? (DMN)", "complete"),
        ("Director sign-off", "assign"), ("Director sign-off", "complete"), ("Plan approved", "unknown")]
    elements = [attr(e, "string", "opsflow:element") for e in every]
    assert elements[:4] == ["start", "init_counters", "research", "research"]
    assert [attr(e, "string", "opsflow:move") for e in every][:3] == ["instance_started", None, "task_created"]
    assert attr(every[1], "boolean", "opsflow:automatic") == "true" and attr(every[1], "int", "opsflow:seq") is None
    assert attr(every[0], "string", "org:resource") == "li.na"  # who started it
    assert attr(every[2], "string", "org:role") == "research_supervisor"  # offered to the role
    events = [e for e in every if attr(e, "string", "lifecycle:transition") == "complete"
              and attr(e, "boolean", "opsflow:automatic") is None]
    first_review = events[2]

    assert attr(first_review, "string", "org:resource") == "li.na"
    assert attr(first_review, "string", "org:role") == "marketing_manager"
    assert attr(first_review, "string", "opsflow:decision") == "return"
    assert attr(first_review, "string", "lifecycle:transition") == "complete"
    assert attr(first_review, "string", "opsflow:title") == "Review the plan"
    assert len(attr(first_review, "string", "opsflow:hash")) == 64
    assert int(attr(first_review, "int", "opsflow:seq")) > 1
    assert attr(first_review, "date", "time:timestamp").endswith("+00:00")
    for trace in traces:  # what every trace and event must carry (the log's globals)
        assert trace.find(f"{XES}string[@key='concept:name']") is not None
        for event in trace.findall(f"{XES}event"):
            assert attr(event, "string", "concept:name") and attr(event, "date", "time:timestamp")
    vetoed = by_id[str(made["veto"][0])]
    assert vetoed.find(f"{XES}string[@key='opsflow:end_event']").get("value") == "vetoed"
    [end] = [e for e in vetoed.findall(f"{XES}event") if attr(e, "string", "opsflow:move") == "instance_ended"]
    assert (attr(end, "string", "concept:name"), attr(end, "string", "opsflow:element")) == ("Plan vetoed", "vetoed")


def test_label_id_names_events_by_element_id_and_a_bad_label_is_refused(mined):
    from engine.audit.xes import parse_label
    from engine.errors import InvalidInput

    engine, made = mined
    document = etree.parse(io.BytesIO(xes_of(engine, LogFilter("market_plan", label="id"))))
    SCHEMA.assertValid(document)
    [trace] = [t for t in document.getroot().iter(f"{XES}trace")
               if t.find(f"{XES}string[@key='concept:name']").get("value") == str(made["veto"][0])]
    named = {(e.find(f"{XES}string[@key='concept:name']").get("value"),
              e.find(f"{XES}string[@key='opsflow:element']").get("value")) for e in trace.findall(f"{XES}event")}
    assert ("director_signoff", "director_signoff") in named and ("vetoed", "vetoed") in named
    assert all(name == element for name, element in named)
    with pytest.raises(InvalidInput, match="label"):
        parse_label("title", "label")


def test_the_xes_is_streamed_in_pieces(mined):
    engine, _made = mined
    pieces = list(engine.audit.xes_log(OPERATOR, LogFilter("market_plan")))
    assert pieces[0].startswith("<?xml") and pieces[-1] == "</log>\n"
    assert len(pieces) == 52 + 2 and all(p.startswith("<trace>") for p in pieces[1:-1])


def test_filters_and_rights(mined):
    engine, _ = mined
    assert b"<trace>" not in xes_of(engine, LogFilter("market_plan", start=__import__("datetime").date(2099, 1, 1)))
    assert xes_of(engine, LogFilter("market_plan", version=1)).count(b"<trace>") == 52
    with pytest.raises(ProcessNotFound):
        engine.audit.xes_log(OPERATOR, LogFilter("market_plan", version=9))
    with pytest.raises(NotAllowed):
        engine.audit.xes_log(Person("zhou.jie"), LogFilter("market_plan"))
    with pytest.raises(NotAllowed):
        engine.audit.conformance(Person("li.na"), LogFilter("market_plan"))


def test_every_instance_fits_its_model(mined):
    engine, made = mined
    verdicts = engine.audit.conformance(Person("he.ping"), LogFilter("market_plan"))
    assert len(verdicts) == 52
    assert [(v.instance_id, v.deviation) for v in verdicts if not v.fits] == []
    steps = {v.instance_id: v.steps for v in verdicts}
    assert steps[made["return_to_research"][0]] == 7 and steps[made["veto"][0]] == 4


def test_ocel_2_holds_instances_tasks_and_people(mined):
    engine, _made = mined
    log = engine.audit.ocel_log(Person("he.ping"), LogFilter("market_plan"))
    assert {t["name"] for t in log["objectTypes"]} == {"instance", "task", "person"}
    kinds = {o["type"] for o in log["objects"]}
    assert kinds == {"instance", "task", "person"}
    people = {o["id"] for o in log["objects"] if o["type"] == "person"}
    assert people == {"person:li.na", "person:wang.lei", "person:zhang.min", "person:chen.yu"}
    assert {e["type"] for e in log["events"]} == {
        "Market research report", "Draft the marketing plan", "Review the plan", "Director sign-off",
        "Initialise rework counter", "Count the return", "Who signs off? (DMN)",
        "instance started", "task created", "instance ended"}
    event = next(e for e in log["events"] if e["type"] == "Review the plan")
    qualifiers = {r["qualifier"] for r in event["relationships"]}
    assert qualifiers == {"instance", "task", "completed by"}
    ids = {o["id"] for o in log["objects"]}
    assert all(r["objectId"] in ids for e in log["events"] for r in e["relationships"])


def test_a_history_edited_to_skip_the_manager_review_deviates(engine):
    from tests.journey import start_plan

    plan = start_plan(engine)
    approve(engine, plan)
    history = engine.work.history(OPERATOR, plan)
    review = next(e for e in history if e["kind"] == "task_completed" and e["task_name"] == "manager_review")
    signoff = next(e for e in history if e["kind"] == "task_completed" and e["task_name"] == "director_signoff")
    skipped = [e["seq"] for e in history if review["seq"] <= e["seq"] < signoff["seq"]]
    with engine.db.begin() as connection:  # the review's step, removed as an insider would
        connection.execute(text("DELETE FROM history_event WHERE instance_id = :i AND seq >= :a AND seq < :b"),
                           {"i": plan, "a": skipped[0], "b": signoff["seq"]})
    [verdict] = [v for v in engine.audit.conformance(OPERATOR, LogFilter("market_plan")) if v.instance_id == plan]
    assert verdict.fits is False and verdict.seq == signoff["seq"]
    assert verdict.deviation == "director_signoff was completed, but the model was waiting for manager_review"


def test_the_cli_exports_and_checks_conformance(engine, db_url, tmp_path):
    from tests.journey import start_plan

    approve(engine, start_plan(engine))
    base = [sys.executable, "-m", "opsflow.cli", "--database", db_url]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)

    out = run("export", "xes", "--process", "market_plan", "-o", str(tmp_path / "log.xes"), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["traces"] == 1 and out.stderr == ""  # no progress bar off a terminal
    SCHEMA.assertValid(etree.parse(str(tmp_path / "log.xes")))
    out = run("export", "ocel", "--process", "market_plan", "-o", str(tmp_path / "log.json"))
    assert out.returncode == 0 and json.loads((tmp_path / "log.json").read_text())["events"]
    out = run("conformance", "market_plan", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["fit"] == 1
    assert run("export", "xes", "--process", "nope", "-o", str(tmp_path / "x.xes")).returncode == 3
    assert run("export", "xes", "--process", "market_plan", "--from", "soon", "-o", "x.xes").returncode == 6


def test_the_progress_bar_draws_on_a_terminal_only():
    from opsflow.cli.progress import ProgressBar

    screen = io.StringIO()
    bar = ProgressBar("xes", True, screen)
    for done in range(1, 11):
        bar(done, 10)
    bar.close()
    assert screen.getvalue().endswith("[" + "#" * 30 + "] 10/10 100%\n")
    quiet = io.StringIO()
    ProgressBar("xes", False, quiet)(5, 10)
    assert quiet.getvalue() == ""
