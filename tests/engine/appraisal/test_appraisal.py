"""Appraisal cycles: opening, one appraisal end to end, the rating table, deadlines and the dashboard."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, FormInvalid, NotAllowed
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of, wait_until_past
from tests.journey import OPERATOR, chains, deploy_files
from tests.paths import REPO

# employee -> (appraiser, calibrator) in the demo organisation
EXPECTED_LINES = {
    "sun.hao": ("chen.yu", "chen.yu"), "li.na": ("chen.yu", "chen.yu"),
    "wang.lei": ("li.na", "chen.yu"), "zhang.min": ("li.na", "chen.yu"), "liu.yang": ("li.na", "chen.yu"),
    "zhou.jie": ("wang.lei", "li.na"), "wu.fang": ("wang.lei", "li.na"), "zheng.hui": ("zhang.min", "li.na"),
    "feng.yi": ("liu.yang", "li.na"), "zhao.qiang": ("chen.yu", "chen.yu"),
    # the gas company's four sections: their heads report to the operations manager
    **{head: ("zhao.qiang", "chen.yu") for head in ("pan.yong", "xu.tao", "jiang.hai", "song.jia")},
    **{staff: (head, "zhao.qiang") for head, people in (("pan.yong", ("tang.li", "han.mei")),
                                                        ("xu.tao", ("cao.jun", "luo.qing")),
                                                        ("jiang.hai", ("hu.bin", "lin.xue")),
                                                        ("song.jia", ("yang.fan", "guo.lin"))) for staff in people},
}


def test_opening_a_cycle_creates_one_appraisal_per_reporting_line(engine):
    cycle = open_cycle(engine)
    assert cycle.hook_result["appraisals"] == 22
    children = [engine.work.show(OPERATOR, i) for i in cycle.hook_result["appraisal_ids"]]
    lines = {c["data"]["start"]["employee"]: (c["data"]["start"]["appraiser"], c["data"]["start"]["calibrator"])
             for c in children}
    assert lines == EXPECTED_LINES
    for employee in EXPECTED_LINES:
        task = task_of(engine, employee, "self_assessment", employee)
        assert task["mine"] is True and task["due_at"] is not None
    assert [t["name"] for t in engine.work.tasks(Person("gao.yan"))] == []  # not in a reporting line, nothing to do
    with pytest.raises(Conflict, match="2026-Q4"):
        open_cycle(engine)
    assert len(engine.work.instances(OPERATOR, "appraisal")) == 22


def test_only_a_director_opens_a_cycle(sqlite_engine):
    with pytest.raises(NotAllowed):
        sqlite_engine.work.start(Person("li.na"), "appraisal_cycle", {"period": "2026-Q4", "period_type": "quarterly"})
    with pytest.raises(FormInvalid) as refused:
        sqlite_engine.work.start(Person("chen.yu"), "appraisal_cycle", {"period": "2026-Q9",
                                                                        "period_type": "quarterly"})
    assert "period" in refused.value.fields
    assert sqlite_engine.work.instances(OPERATOR) == []


def test_one_appraisal_from_self_assessment_to_objection_review(engine):
    open_cycle(engine)
    task = task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")
    with pytest.raises(NotAllowed):
        engine.work.complete(Person("wu.fang"), task["id"], self_assessment(5, 5, 5,
                                                                            5))  # a colleague, not the employee
    engine.work.complete(Person("zhou.jie"), task["id"], self_assessment(4, 4, 5, 3))
    scoring = task_of(engine, "wang.lei", "manager_scoring", "zhou.jie")
    context = engine.work.task(OPERATOR, scoring["id"])["context"]
    assert context["self_assessment"]["teamwork"] == 5  # the self-assessment is shown beside each criterion
    engine.work.complete(Person("wang.lei"), scoring["id"], scores(4, 4, 4, 3))  # 1.6 + 1.2 + 0.6 + 0.45 = 3.85 -> B
    calibration = task_of(engine, "li.na", "calibration", "zhou.jie")
    rating = engine.work.task(OPERATOR, calibration["id"])["context"]["rating"]
    assert (rating["weighted_score"], rating["grade"]) == (3.85, "B")
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("li.na"), calibration["id"], {"decision": "adjust"})
    assert {"grade", "comment"} <= set(refused.value.fields)
    engine.work.complete(Person("li.na"), calibration["id"], {"decision": "adjust", "grade": "A",
                                                              "comment": "Led the launch"})
    acknowledge = task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")
    assert engine.work.task(OPERATOR, acknowledge["id"])["context"]["final_grade"] == "A"
    with pytest.raises(FormInvalid):
        engine.work.complete(Person("zhou.jie"), acknowledge["id"],
                             {"decision": "object"})  # an objection needs a reason
    engine.work.complete(Person("zhou.jie"), acknowledge["id"], {"decision": "object",
                                                                 "comment": "Teamwork undervalued"})
    review = task_of(engine, "li.na", "objection_review", "zhou.jie")
    result = engine.work.complete(Person("li.na"), review["id"], {"decision": "change", "grade": "B",
                                                                  "comment": "Back to B"})
    assert (result["status"], result["end_event"]) == ("completed", "recorded")
    instance = engine.work.show(OPERATOR, review["instance_id"])
    assert instance["data"]["result"] | {} == {
        "employee": "zhou.jie", "period": "2026-Q4", "grade": "B", "rule_grade": "B", "weighted_score": 3.85,
        "suggestion": "Reward: standard bonus", "suggestion_zh": "奖励：标准奖金", "self_assessment_submitted": True,
        "calibrated": True, "objection": True}
    history = engine.work.history(OPERATOR, review["instance_id"])
    steps = [(e["task_name"], e["actor"]) for e in history if e["kind"] == "task_completed"]
    assert steps == [("self_assessment", "zhou.jie"), ("manager_scoring", "wang.lei"), ("calibration", "li.na"),
                     ("acknowledge", "zhou.jie"), ("objection_review", "li.na")]
    for person in ("zhou.jie", "wang.lei", "li.na"):  # the result is visible to all three
        assert engine.work.show(Person(person), review["instance_id"])["data"]["result"]["grade"] == "B"
        assert any(n.kind == "result" for n in engine.work.notifications(Person(person)))
    with pytest.raises(NotAllowed):
        engine.work.show(Person("wu.fang"), review["instance_id"])
    assert any(n.kind == "decided" for n in engine.work.notifications(Person("zhou.jie")))


@pytest.mark.parametrize(("marks", "score", "grade"), [
    ((5, 5, 5, 5), 5.0, "A"),
    ((5, 4, 5, 5), 4.7, "A"),
    ((5, 4, 4, 4), 4.4, "B"),    # just under A
    ((2, 4, 5, 5), 3.5, "B"),    # exactly on the B boundary
    ((1, 3, 4, 4), 2.5, "C"),    # exactly on the C boundary
    ((3, 4, 3, 3), 3.3, "C"),
    ((3, 2, 2, 2), 2.4, "D"),    # just under C
    ((1, 1, 1, 1), 1.0, "D"),
])
def test_the_rating_table_grades_known_scores(sqlite_engine, marks, score, grade):
    engine = sqlite_engine
    open_cycle(engine)
    engine.work.complete(Person("zheng.hui"), task_of(engine, "zheng.hui", "self_assessment", "zheng.hui")["id"],
                         self_assessment(3, 3, 3, 3))
    scoring = task_of(engine, "zhang.min", "manager_scoring", "zheng.hui")
    engine.work.complete(Person("zhang.min"), scoring["id"], scores(*marks))
    calibration = task_of(engine, "li.na", "calibration", "zheng.hui")
    rating = engine.work.task(OPERATOR, calibration["id"])["context"]["rating"]
    assert (rating["weighted_score"], rating["grade"]) == (score, grade)


def test_self_assessment_window_closes_it_as_not_submitted(engine):
    open_cycle(engine, self_assessment_window="PT2S")
    task = task_of(engine, "wu.fang", "self_assessment", "wu.fang")
    first = Worker(engine.core).run_once()  # the self-assessments' reminders are due at once (a 2 s window)
    assert first.incidents == 0 and first.done >= 9
    wait_until_past(task["due_at"])
    report = Worker(engine.core).run_once()
    # then their timers; with 22 appraisals the first run may outlast the window and fire some of them already
    assert report.incidents == 0 and first.done + report.done >= 18
    assert all(t["name"] != "self_assessment" for t in engine.work.tasks(Person("wu.fang")))
    scoring = task_of(engine, "wang.lei", "manager_scoring", "wu.fang")
    assert engine.work.task(OPERATOR, scoring["id"])["context"]["self_assessment"] == {"status": "not_submitted"}
    kinds = [e["kind"] for e in engine.work.history(OPERATOR, task["instance_id"])]
    assert "timer_fired" in kinds and "task_expired" in kinds
    expired = [e for e in engine.work.history(OPERATOR, task["instance_id"]) if e["kind"] == "task_expired"]
    assert expired[0]["task_name"] == "self_assessment"
    assert any(n.kind == "reminder" for n in engine.work.notifications(Person("wu.fang")))
    # The step closed at its deadline by design: nobody is told it is overdue.
    assert not any(n.kind in ("overdue", "escalation") for n in engine.work.notifications(Person("wu.fang")))
    assert not any(n.kind == "escalation" for n in engine.work.notifications(Person("wang.lei")))
    assert Worker(engine.core).run_once().done == 0  # every job ran once; nothing is left that is due
    assert chains(engine, task["instance_id"])[1] == []
    # She is told her step closed, and the appraisal stays in "where I take part" (issue 19: it vanished).
    [closed] = [n for n in engine.work.notifications(Person("wu.fang")) if n.kind == "expired"]
    assert closed.task_id == task["id"] and "Self-assessment" in closed.subject
    assert task["instance_id"] in [i["id"] for i in engine.work.my_requests(Person("wu.fang")).involved]


def test_dashboard_counts_steps_overdue_and_grades(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine, scoring_window="PT1S")
    engine.work.complete(Person("feng.yi"), task_of(engine, "feng.yi", "self_assessment", "feng.yi")["id"],
                         self_assessment(4, 4, 4, 4))
    scoring = task_of(engine, "liu.yang", "manager_scoring", "feng.yi")
    wait_until_past(scoring["due_at"])
    board = engine.appraisal.dashboard(Person("li.na"), "2026-Q4")
    assert board.by_stage == {"self_assessment": 21, "manager_scoring": 1}
    assert [(o.step, o.holder) for o in board.overdue] == [("manager_scoring", "liu.yang")]
    engine.work.complete(Person("liu.yang"), scoring["id"], scores(5, 5, 5, 5))
    engine.work.complete(Person("li.na"), task_of(engine, "li.na", "calibration", "feng.yi")["id"],
                         {"decision": "confirm"})
    engine.work.complete(Person("feng.yi"), task_of(engine, "feng.yi", "acknowledge", "feng.yi")["id"],
                         {"decision": "accept"})
    board = engine.appraisal.dashboard(OPERATOR, "2026-Q4")
    assert board.grades == {"A": 1, "B": 0, "C": 0, "D": 0}
    assert board.by_stage["recorded"] == 1
    with pytest.raises(NotAllowed):
        engine.appraisal.dashboard(Person("zhou.jie"), "2026-Q4")


def test_a_new_rating_table_applies_to_cycles_opened_afterwards(sqlite_engine, tmp_path):
    import shutil

    engine = sqlite_engine
    root = REPO / "processes"
    open_cycle(engine, "2026-Q3")
    copy = tmp_path / "processes"
    shutil.copytree(root, copy)
    table = copy / "appraisal_grade.dmn"
    table.write_text(table.read_text(encoding="utf-8").replace("&gt;= 4.5", "&gt;= 4.0")
                     .replace("&gt;= 3.5 and weighted_score &lt; 4.5", "&gt;= 3.5 and weighted_score &lt; 4.0"),
                     encoding="utf-8")
    deployed = {r.key: (r.version, r.status) for r in deploy_files(engine, [copy], "gao.yan")}
    assert deployed == {"appraisal": (2, "deployed"), "appraisal_cycle": (1, "unchanged"),
                        "market_plan": (1, "unchanged")}
    open_cycle(engine, "2026-Q4")

    def grade_for(period):
        def find(user, name):
            return next(t for t in engine.work.tasks(Person(user))
                        if t["name"] == name and period in t["instance_title"])

        task = find("zheng.hui", "self_assessment")
        engine.work.complete(Person("zheng.hui"), task["id"], self_assessment(4, 4, 4, 4))
        engine.work.complete(Person("zhang.min"), find("zhang.min", "manager_scoring")["id"], scores(4, 4, 4, 4))
        calibration = find("li.na", "calibration")
        grade = engine.work.task(OPERATOR, calibration["id"])["context"]["rating"]["grade"]
        return grade, engine.work.show(OPERATOR, task["instance_id"])["version"]

    assert grade_for("2026-Q3") == ("B", 1)   # opened before: keeps the old table
    assert grade_for("2026-Q4") == ("A", 2)   # opened after: 4.0 is now an A


def test_a_step_assigned_by_the_process_cannot_be_released(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    task = task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")
    assert task["releasable"] is False
    view = engine.work.task(Person("zhou.jie"), task["id"])
    assert view["may_complete"] is True and view["may_release"] is False
    with pytest.raises(NotAllowed, match="cannot be released"):
        engine.work.unclaim(Person("wang.lei"), task["id"])  # even the employee's manager
    assert engine.work.task(Person("wang.lei"), task["id"])["may_complete"] is False


def test_an_appraisal_lists_its_steps_in_flow_order(sqlite_engine):
    first = open_cycle(sqlite_engine).hook_result["appraisal_ids"][0]
    assert [k for k in sqlite_engine.work.forms(OPERATOR, first) if k != "start"] == [
        "self_assessment", "manager_scoring", "calibration", "acknowledge", "objection_review"]


def test_the_recorded_suggestion_follows_the_final_grade_not_the_rules(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    for employee, manager, calibrator, review in [("zhou.jie", "wang.lei", "li.na", None),
                                                  ("wu.fang", "wang.lei", "li.na", "D")]:
        engine.work.complete(Person(employee), task_of(engine, employee, "self_assessment", employee)["id"],
                             self_assessment(3, 3, 3, 3))
        engine.work.complete(Person(manager), task_of(engine, manager, "manager_scoring", employee)["id"],
                             scores(3, 3, 3, 3))
        calibration = task_of(engine, calibrator, "calibration", employee)
        rating = engine.work.task(OPERATOR, calibration["id"])["context"]["rating"]
        assert (rating["grade"], rating["suggestion"]) == ("C", "Improvement plan agreed with the manager")
        engine.work.complete(Person(calibrator), calibration["id"], {"decision": "adjust", "grade": "A",
                                                                     "comment": "Launch"})
        acknowledge = task_of(engine, employee, "acknowledge", employee)
        if review is None:
            done = engine.work.complete(Person(employee), acknowledge["id"], {"decision": "accept"})
        else:
            engine.work.complete(Person(employee), acknowledge["id"], {"decision": "object",
                                                                       "comment": "Too generous?"})
            done = engine.work.complete(Person(calibrator),
                                        task_of(engine, calibrator, "objection_review", employee)["id"],
                                        {"decision": "change", "grade": review, "comment": "Missed targets"})
        result = engine.work.show(OPERATOR, done["instance_id"])["data"]["result"]
        expected = {"A": ("Reward: performance bonus and public recognition", "奖励：绩效奖金并公开表彰"),
                    "D": ("Formal improvement plan with a review in one period", "正式改进计划，下一周期复查")}
        assert (result["grade"], result["rule_grade"]) == (review or "A", "C")
        assert (result["suggestion"], result["suggestion_zh"]) == expected[review or "A"]


@pytest.mark.parametrize("window", ["P", "PT", "P1M", "PT1D", "abc"])
def test_a_window_that_is_no_duration_is_refused_before_any_appraisal_exists(sqlite_engine, window):
    with pytest.raises(FormInvalid) as refused:
        open_cycle(sqlite_engine, scoring_window=window)
    assert list(refused.value.fields) == ["scoring_window"]
    assert sqlite_engine.work.instances(OPERATOR) == []


def test_appraisals_are_started_by_their_cycle_only(sqlite_engine):
    start = {"period_type": "quarterly", "period": "2025-Q1", "employee": "zhou.jie", "employee_name": "周杰",
             "appraiser": "zhou.jie", "calibrator": "zhou.jie", "cycle_id": 999}
    with pytest.raises(NotAllowed, match="started by 'appraisal_cycle'"):
        sqlite_engine.work.start(Person("chen.yu"), "appraisal", start)
    assert "appraisal" not in {p["key"] for p in sqlite_engine.work.processes(Person("chen.yu"))}
    assert "appraisal_cycle" in {p["key"] for p in sqlite_engine.work.processes(Person("chen.yu"))}
    with pytest.raises(NotAllowed):
        sqlite_engine.ops.add_schedule(Person("chen.yu"), "appraisal", "quarterly", {})
    assert sqlite_engine.work.instances(OPERATOR) == []


def test_a_schedule_is_checked_when_it_is_added(sqlite_engine):
    with pytest.raises(FormInvalid) as refused:
        sqlite_engine.ops.add_schedule(Person("chen.yu"), "appraisal_cycle", "monthly",
                                       {"self_assessment_window": "P1M"})
    assert list(refused.value.fields) == ["self_assessment_window"]
    assert sqlite_engine.ops.schedules(OPERATOR) == []
    sqlite_engine.ops.add_schedule(Person("chen.yu"), "appraisal_cycle", "quarterly", {"self_assessment_window": "P3D"})
    with pytest.raises(Conflict, match="already starts 'appraisal_cycle' quarterly"):
        sqlite_engine.ops.add_schedule(Person("chen.yu"), "appraisal_cycle", "quarterly", {})
    assert len(sqlite_engine.ops.schedules(OPERATOR)) == 1


def test_closing_a_cycle_with_open_appraisals_needs_the_choice_to_cancel_them(engine):
    cycle = open_cycle(engine)
    close = next(t for t in engine.work.tasks(Person("chen.yu")) if t["name"] == "close_cycle")
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("chen.yu"), close["id"], {"summary": "closing early"})
    assert "22 appraisal(s)" in refused.value.fields["cancel_open_appraisals"][0]
    assert {engine.work.show(OPERATOR, i)["status"] for i in cycle.hook_result["appraisal_ids"]} == {"running"}
    assert engine.work.show(OPERATOR, cycle.id)["status"] == "running"
    engine.work.complete(Person("chen.yu"), close["id"], {"summary": "closing early", "cancel_open_appraisals": True})
    assert engine.work.show(OPERATOR, cycle.id)["status"] == "completed"
    assert {engine.work.show(OPERATOR, i)["status"] for i in cycle.hook_result["appraisal_ids"]} == {"cancelled"}
    cancelled = [e for e in engine.work.history(OPERATOR, cycle.hook_result["appraisal_ids"][0])
                 if e["kind"] == "instance_cancelled"]
    assert cancelled[0]["actor"] == "chen.yu" and "2026-Q4 closed" in cancelled[0]["payload"]["reason"]
    assert not any(t["name"] == "self_assessment" for t in engine.work.tasks(Person("zhou.jie")))


def test_a_cycle_whose_appraisals_are_all_over_closes_without_the_choice(sqlite_engine):
    cycle = open_cycle(sqlite_engine)
    for appraisal_id in cycle.hook_result["appraisal_ids"]:
        sqlite_engine.work.cancel(Person("chen.yu"), appraisal_id, "reorganisation")
    close = next(t for t in sqlite_engine.work.tasks(Person("chen.yu")) if t["name"] == "close_cycle")
    sqlite_engine.work.complete(Person("chen.yu"), close["id"], {"summary": "done"})
    assert sqlite_engine.work.show(OPERATOR, cycle.id)["status"] == "completed"


def up_to_calibration(engine, employee, appraiser, calibrator, marks):
    """Self-assessment and scoring with the same marks; the calibration task that follows."""
    engine.work.complete(Person(employee), task_of(engine, employee, "self_assessment", employee)["id"],
                         self_assessment(*marks))
    engine.work.complete(Person(appraiser), task_of(engine, appraiser, "manager_scoring", employee)["id"],
                         scores(*marks))
    return task_of(engine, calibrator, "calibration", employee)


def test_a_grade_given_with_confirm_or_uphold_is_refused_not_silently_stored(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    calibration = up_to_calibration(engine, "zhou.jie", "wang.lei", "li.na", marks=(3, 3, 3, 3))
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("li.na"), calibration["id"], {"decision": "confirm", "grade": "D"})
    assert refused.value.fields == {"grade": ["must be left empty with this decision"]}
    engine.work.complete(Person("li.na"), calibration["id"], {"decision": "confirm"})
    engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")["id"],
                         {"decision": "object", "comment": "Undervalued"})
    review = task_of(engine, "li.na", "objection_review", "zhou.jie")
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("li.na"), review["id"], {"decision": "uphold", "grade": "A", "comment": "Stays"})
    assert list(refused.value.fields) == ["grade"]


def test_adjust_and_change_must_name_another_grade(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    calibration = up_to_calibration(engine, "zhou.jie", "wang.lei", "li.na", marks=(3, 3, 3, 3))  # the rule gave C
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("li.na"), calibration["id"], {"decision": "adjust", "grade": "C",
                                                                  "comment": "Same"})
    assert refused.value.fields == {"grade": ["is already the grade (C): choose confirm, or another grade"]}
    engine.work.complete(Person("li.na"), calibration["id"], {"decision": "adjust", "grade": "B", "comment": "Launch"})
    engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")["id"],
                         {"decision": "object", "comment": "Too low"})
    review = task_of(engine, "li.na", "objection_review", "zhou.jie")
    with pytest.raises(FormInvalid, match=r"already the grade \(B\): choose uphold"):
        engine.work.complete(Person("li.na"), review["id"], {"decision": "change", "grade": "B", "comment": "Same"})
    engine.work.complete(Person("li.na"), review["id"], {"decision": "change", "grade": "A", "comment": "Fair"})
    assert engine.work.show(OPERATOR, review["instance_id"])["data"]["result"]["grade"] == "A"
