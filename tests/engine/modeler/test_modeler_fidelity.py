"""Other modelers' files: dotted process ids get a key (the id stays), event sub-processes and compensation
handlers are no "unreachable" steps, and a file rewritten by a modeler without a change is the same version."""

from __future__ import annotations

import json

import pytest

from engine.definitions.bundle import DefinitionBundle
from engine.definitions.canonical import canonical_xml, content_digest
from engine.definitions.parser import process_key
from engine.modeler.diff import describe_bpmn, diff_elements
from engine.org.people import Person
from tests.engine.definitions.test_deploy_bundle import NOTE, NOTE_FORM, bpmn, memo_bundle, versions
from tests.journey import OPERATOR
from tests.paths import REPO

ROUND_TRIP = REPO / "tests" / "fixtures" / "bpmn" / "round_trip"
UNREACHABLE = ("no sequence flow leads to it", "leads nowhere")


@pytest.mark.parametrize(("process_id", "key"), [
    ("Order.Fulfilment.v2", "Order_Fulfilment_v2"), ("sid-returns.v1.0", "sid-returns_v1_0"),
    ("market_plan", "market_plan"), ("1st.process", "_1st_process"), ("-x", "_-x"), ("流程.一", "____"),
])
def test_a_process_id_a_key_cannot_hold_gets_a_derived_key(process_id, key):
    assert process_key(process_id) == key


def rewritten(content: bytes) -> bytes:
    """What another modeler makes of a file it opens and saves: other prefix and layout, defaults written."""
    text = content.decode()
    text = text.replace("bpmn:", "semantic:").replace("xmlns:bpmn=", "xmlns:semantic=")
    text = text.replace('<semantic:startEvent id="start">', '<semantic:startEvent id="start" isInterrupting="true">')
    text = text.replace('isExecutable="true"', 'isExecutable="true" isClosed="false" processType="None"')
    text = text.replace('id="memo_definitions"', 'id="memo_definitions" exporter="Other Modeler"')
    return text.replace("><", ">\n    <").encode()


def test_a_dotted_process_id_deploys_under_its_key_and_runs_with_its_id_kept(engine):
    [result] = engine.definitions.deploy(Person("gao.yan"), [memo_bundle(process_id="Memo.Office.v2")], NOTE)
    assert (result.key, result.status) == ("Memo_Office_v2", "deployed")
    started = engine.work.start(Person("zhou.jie"), "Memo_Office_v2")
    task = engine.work.task(OPERATOR, engine.work.tasks(Person("zhou.jie"))[0]["id"])
    assert task["instance_id"] == started.id
    shown = engine.modeler.version(Person("gao.yan"), "Memo_Office_v2", 1)
    assert 'id="Memo.Office.v2"' in shown["bpmn"]


def test_a_draft_of_a_dotted_process_keeps_its_id_and_is_no_other_process(engine):
    draft = engine.modeler.save_draft(Person("gao.yan"), "Memo_Office_v2", bpmn("Memo.Office.v2").decode(),
                                      {"memo/note.json": {"kind": "form", "content": json.dumps(NOTE_FORM)}}, 0)
    assert [p for p in draft["problems"] if p["severity"] == "error"] == []
    other = engine.modeler.save_draft(Person("gao.yan"), "Memo_Office_v2", bpmn("Memo.Other").decode(),
                                      {"memo/note.json": {"kind": "form", "content": json.dumps(NOTE_FORM)}}, 1)
    assert any("keep the process id" in p["message"] for p in other["problems"])


def test_content_rewritten_by_a_modeler_deploys_as_unchanged_and_a_real_change_as_a_version(engine):
    engine.definitions.deploy(Person("gao.yan"), [memo_bundle()], NOTE)
    again = DefinitionBundle("memo.bpmn", rewritten(bpmn()),
                             forms={"memo/note.json": json.dumps(NOTE_FORM, indent=2).encode()})
    assert again.bpmn != bpmn()
    [result] = engine.definitions.deploy(Person("gao.yan"), [again], NOTE)
    assert (result.version, result.status) == (1, "unchanged")
    changed = DefinitionBundle("memo.bpmn", rewritten(bpmn()).replace(b"Write the memo", b"Write the note"),
                               forms={"memo/note.json": json.dumps(NOTE_FORM).encode()})
    [result] = engine.definitions.deploy(Person("gao.yan"), [changed], NOTE)
    assert (result.version, result.status) == (2, "deployed")
    assert versions(engine, "memo") == 2


def test_canonical_content_ignores_rewriting_but_not_changes():
    assert canonical_xml(rewritten(bpmn())) == canonical_xml(bpmn())
    assert canonical_xml(bpmn().replace(b'name="Memo"', b'name="Memo2"')) != canonical_xml(bpmn())
    not_interrupting = b'<bpmn:startEvent id="start" isInterrupting="false">'
    assert canonical_xml(bpmn().replace(b'<bpmn:startEvent id="start">', not_interrupting)) != canonical_xml(bpmn())
    layout = b'<dc:Bounds xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" x="%s" y="10" width="36" height="36"/>'
    assert canonical_xml(layout % b"100") == canonical_xml(layout % b"100.0")
    assert canonical_xml(layout % b"100") != canonical_xml(layout % b"101")
    form = json.dumps(NOTE_FORM).encode()
    assert content_digest({"a.bpmn": ("bpmn", bpmn()), "f.json": ("form", form)}) == content_digest(
        {"b.bpmn": ("bpmn", rewritten(bpmn())), "f.json": ("form", json.dumps(NOTE_FORM, indent=1).encode())})
    assert content_digest({"a.bpmn": ("bpmn", bpmn()), "f.json": ("form", form)}) != content_digest(
        {"a.bpmn": ("bpmn", bpmn()), "g.json": ("form", form)})


def test_the_diff_ignores_attributes_written_at_their_default_value():
    with_defaults = (ROUND_TRIP / "bizagi_claim_compensation.bpmn").read_text(encoding="utf-8")
    without = with_defaults.replace(' cancelActivity="true"', "").replace(' startQuantity="1"', "")
    assert without != with_defaults
    assert diff_elements(describe_bpmn(with_defaults), describe_bpmn(without)) == []
    not_interrupting = with_defaults.replace('cancelActivity="true"', 'cancelActivity="false"')
    [change] = diff_elements(describe_bpmn(with_defaults), describe_bpmn(not_interrupting))
    assert change["element"] == "Ev_compensate_pay"
    assert change["fields"] == [{"field": "cancelActivity", "before": None, "after": "false"}]


@pytest.mark.parametrize(("name", "started_by_events"), [
    ("camunda_order_collapsed.bpmn", {"EventSub_cancel"}),
    ("bizagi_claim_compensation.bpmn", {"Ac_refund"}),
    ("signavio_returns_legacy.bpmn", {"sid-reminders"}),
])
def test_event_sub_processes_and_compensation_handlers_are_not_unreachable(sqlite_engine, name, started_by_events):
    content = (ROUND_TRIP / name).read_bytes()
    problems = sqlite_engine.modeler.validate(Person("gao.yan"), DefinitionBundle(name, content))
    unreachable = {p["element"] for p in problems if any(words in p["message"] for words in UNREACHABLE)}
    assert not unreachable & started_by_events, problems
    assert not unreachable & {"Boundary_late", "Ev_compensate_pay"}
    # A step nothing leads to is still one.
    orphan = content.replace(b"<incoming>Fl_2</incoming>", b"").replace(
        b'targetRef="Ac_audit"', b'targetRef="Ev_closed"') if "bizagi" in name else None
    if orphan is not None:
        again = sqlite_engine.modeler.validate(Person("gao.yan"), DefinitionBundle(name, orphan))
        assert any(p["element"] == "Ac_audit" and UNREACHABLE[0] in p["message"] for p in again)


GRADE_DMN = (REPO / "processes" / "appraisal_grade.dmn").read_text(encoding="utf-8")


def grade_problems(engine, dmn: str) -> list[str]:
    from engine.definitions.bundle import bundle_from_file

    bundle = bundle_from_file(REPO / "processes" / "appraisal.bpmn", REPO / "forms")
    bundle = DefinitionBundle(bundle.bpmn_name, bundle.bpmn, {**bundle.dmn, "appraisal_grade.dmn": dmn.encode()},
                              bundle.forms)
    return [p["message"] for p in engine.modeler.validate(Person("gao.yan"), bundle) if p["severity"] == "error"]


def test_overlapping_rules_under_unique_are_an_error_and_exclusive_ones_are_not(sqlite_engine):
    assert not [m for m in grade_problems(sqlite_engine, GRADE_DMN) if "both match" in m]
    overlapping = GRADE_DMN.replace("&gt;= 4.5</text>", "&gt;= 4.0</text>")
    assert overlapping != GRADE_DMN
    assert ("appraisal_grade.dmn: rules 1 and 2 of 'appraisal_grade' both match some inputs, but the hit policy "
            "UNIQUE allows one match: make them exclusive, or use COLLECT") in grade_problems(sqlite_engine,
                                                                                           overlapping)
    collect = overlapping.replace('hitPolicy="UNIQUE"', 'hitPolicy="COLLECT"')
    assert not [m for m in grade_problems(sqlite_engine, collect) if "both match" in m]


@pytest.mark.parametrize(("rules", "pairs"), [
    ([[">= 4.5"], [">= 3.5 and score < 4.5"], ["< 3.5"]], []),
    ([[">= 4"], [">= 3.5 and score < 4.5"]], [(1, 2)]),
    ([["< 3"], [">= 3"]], []), ([["<= 3"], [">= 3"]], [(1, 2)]),
    ([['"east"', "-"], ['"west"', "-"], ["-", "> 10"]], [(1, 3), (2, 3)]),
    ([['"east"', "< 5"], ['"east"', ">= 5"]], []),
    ([["len(x) > 2"], ["-"]], []),  # not understood: never called overlapping
    ([["3"], ["== 3"]], [(1, 2)]),
])
def test_overlaps_are_found_only_where_they_can_be_proved(rules, pairs):
    from engine.definitions.dmn_overlap import overlapping_rules

    assert overlapping_rules(rules) == pairs


def test_a_decision_table_is_tried_with_inputs_as_the_engine_runs_it(sqlite_engine):
    from engine.errors import InvalidInput, NotAllowed

    tried = sqlite_engine.modeler.try_decision(Person("gao.yan"), GRADE_DMN, "appraisal_grade",
                                               {"weighted_score": 3.7})
    assert tried == {"decision": "appraisal_grade", "hit_policy": "UNIQUE", "matched": [2], "result": {"grade": "B"}}
    assert sqlite_engine.modeler.try_decision(Person("gao.yan"), GRADE_DMN, "appraisal_grade",
                                              {"weighted_score": 4.5})["result"] == {"grade": "A"}
    with pytest.raises(InvalidInput, match=r"fails on these inputs: .*weighted_score"):
        sqlite_engine.modeler.try_decision(Person("gao.yan"), GRADE_DMN, "appraisal_grade", {})
    with pytest.raises(InvalidInput, match="'nothing'"):
        sqlite_engine.modeler.try_decision(Person("gao.yan"), GRADE_DMN, "nothing", {"weighted_score": 1})
    with pytest.raises(InvalidInput, match="hit policy FIRST"):
        sqlite_engine.modeler.try_decision(Person("gao.yan"), GRADE_DMN.replace('hitPolicy="UNIQUE"',
                                                                                'hitPolicy="FIRST"'),
                                           "appraisal_grade", {"weighted_score": 1})
    with pytest.raises(NotAllowed):
        sqlite_engine.modeler.try_decision(Person("zhou.jie"), GRADE_DMN, "appraisal_grade", {"weighted_score": 1})


def test_an_unknown_x_form_key_is_a_warning_on_the_steps_that_use_the_form(sqlite_engine):
    form = {**NOTE_FORM, "x-titel-zh": "备注"}  # a typo of x-title-zh
    bundle = DefinitionBundle("memo.bpmn", bpmn(), forms={"memo/note.json": json.dumps(form).encode()})
    problems = sqlite_engine.modeler.validate(Person("gao.yan"), bundle)
    [warning] = [p for p in problems if "x-titel-zh" in p["message"]]
    assert (warning["element"], warning["file"], warning["severity"]) == ("write", "memo/note.json", "warning")
    assert warning["message"].startswith("memo/note.json: 'x-titel-zh' is not a form key opsflow reads")
    assert not [p for p in problems if p["severity"] == "error"]
    known = sqlite_engine.modeler.validate(Person("gao.yan"), memo_bundle())
    assert not [p for p in known if "form key" in p["message"]]
