"""Appraisal cycles: opening, one appraisal end to end, the rating table, deadlines and the dashboard."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, FormInvalid, NotAllowed
from engine.scheduling.worker import Worker
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of, wait_until_past

# employee -> (appraiser, calibrator) in the demo organisation
EXPECTED_LINES = {
    "sun.hao": ("chen.yu", "chen.yu"), "li.na": ("chen.yu", "chen.yu"),
    "wang.lei": ("li.na", "chen.yu"), "zhang.min": ("li.na", "chen.yu"), "liu.yang": ("li.na", "chen.yu"),
    "zhou.jie": ("wang.lei", "li.na"), "wu.fang": ("wang.lei", "li.na"), "zheng.hui": ("zhang.min", "li.na"),
    "feng.yi": ("liu.yang", "li.na"), "zhao.qiang": ("chen.yu", "chen.yu"),
}


def test_opening_a_cycle_creates_one_appraisal_per_reporting_line(engine):
    cycle = open_cycle(engine)
    assert cycle["appraisals"] == 10
    children = [engine.show(i) for i in cycle["appraisal_ids"]]
    lines = {c["data"]["start"]["employee"]: (c["data"]["start"]["appraiser"], c["data"]["start"]["calibrator"])
             for c in children}
    assert lines == EXPECTED_LINES
    for employee in EXPECTED_LINES:
        task = task_of(engine, employee, "self_assessment", employee)
        assert task["mine"] is True and task["due_at"] is not None
    assert [t["name"] for t in engine.tasks("gao.yan")] == []  # not in a reporting line, nothing to do
    with pytest.raises(Conflict, match="2026-Q4"):
        open_cycle(engine)
    assert len(engine.instances("appraisal")) == 10


def test_only_a_director_opens_a_cycle(sqlite_engine):
    with pytest.raises(NotAllowed):
        sqlite_engine.start("appraisal_cycle", "li.na", {"period": "2026-Q4", "period_type": "quarterly"})
    with pytest.raises(FormInvalid) as refused:
        sqlite_engine.start("appraisal_cycle", "chen.yu", {"period": "2026-Q9", "period_type": "quarterly"})
    assert "period" in refused.value.fields
    assert sqlite_engine.instances() == []


def test_one_appraisal_from_self_assessment_to_objection_review(engine):
    open_cycle(engine)
    task = task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")
    with pytest.raises(NotAllowed):
        engine.complete(task["id"], "wu.fang", self_assessment(5, 5, 5, 5))  # a colleague, not the employee
    engine.complete(task["id"], "zhou.jie", self_assessment(4, 4, 5, 3))
    scoring = task_of(engine, "wang.lei", "manager_scoring", "zhou.jie")
    context = engine.task(scoring["id"])["context"]
    assert context["self_assessment"]["teamwork"] == 5  # the self-assessment is shown beside each criterion
    engine.complete(scoring["id"], "wang.lei", scores(4, 4, 4, 3))  # 1.6 + 1.2 + 0.6 + 0.45 = 3.85 -> B
    calibration = task_of(engine, "li.na", "calibration", "zhou.jie")
    rating = engine.task(calibration["id"])["context"]["rating"]
    assert (rating["weighted_score"], rating["grade"]) == (3.85, "B")
    with pytest.raises(FormInvalid) as refused:
        engine.complete(calibration["id"], "li.na", {"decision": "adjust"})
    assert {"grade", "comment"} <= set(refused.value.fields)
    engine.complete(calibration["id"], "li.na", {"decision": "adjust", "grade": "A", "comment": "Led the launch"})
    acknowledge = task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")
    assert engine.task(acknowledge["id"])["context"]["final_grade"] == "A"
    with pytest.raises(FormInvalid):
        engine.complete(acknowledge["id"], "zhou.jie", {"decision": "object"})  # an objection needs a reason
    engine.complete(acknowledge["id"], "zhou.jie", {"decision": "object", "comment": "Teamwork undervalued"})
    review = task_of(engine, "li.na", "objection_review", "zhou.jie")
    result = engine.complete(review["id"], "li.na", {"decision": "change", "grade": "B", "comment": "Back to B"})
    assert (result["status"], result["end_event"]) == ("completed", "recorded")
    instance = engine.show(review["instance_id"])
    assert instance["data"]["result"] | {} == {
        "employee": "zhou.jie", "period": "2026-Q4", "grade": "B", "rule_grade": "B", "weighted_score": 3.85,
        "suggestion": "Reward: standard bonus", "suggestion_zh": "奖励：标准奖金", "self_assessment_submitted": True,
        "calibrated": True, "objection": True}
    history = engine.history(review["instance_id"])
    steps = [(e["task_name"], e["actor"]) for e in history if e["kind"] == "task_completed"]
    assert steps == [("self_assessment", "zhou.jie"), ("manager_scoring", "wang.lei"), ("calibration", "li.na"),
                     ("acknowledge", "zhou.jie"), ("objection_review", "li.na")]
    for person in ("zhou.jie", "wang.lei", "li.na"):  # the result is visible to all three
        assert engine.show(review["instance_id"], person)["data"]["result"]["grade"] == "B"
        assert any(n["kind"] == "result" for n in engine.notifications(person))
    with pytest.raises(NotAllowed):
        engine.show(review["instance_id"], "wu.fang")
    assert any(n["kind"] == "decided" for n in engine.notifications("zhou.jie"))


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
    engine.complete(task_of(engine, "zheng.hui", "self_assessment", "zheng.hui")["id"], "zheng.hui",
                    self_assessment(3, 3, 3, 3))
    scoring = task_of(engine, "zhang.min", "manager_scoring", "zheng.hui")
    engine.complete(scoring["id"], "zhang.min", scores(*marks))
    calibration = task_of(engine, "li.na", "calibration", "zheng.hui")
    rating = engine.task(calibration["id"])["context"]["rating"]
    assert (rating["weighted_score"], rating["grade"]) == (score, grade)


def test_self_assessment_window_closes_it_as_not_submitted(engine):
    open_cycle(engine, self_assessment_window="PT2S")
    task = task_of(engine, "wu.fang", "self_assessment", "wu.fang")
    first = Worker(engine).run_once()  # the nine self-assessments' reminders are due at once (a 2 s window)
    assert first.incidents == 0 and first.done >= 9
    wait_until_past(task["due_at"])
    report = Worker(engine).run_once()
    assert report.incidents == 0 and report.done >= 9
    assert all(t["name"] != "self_assessment" for t in engine.tasks("wu.fang"))
    scoring = task_of(engine, "wang.lei", "manager_scoring", "wu.fang")
    assert engine.task(scoring["id"])["context"]["self_assessment"] == {"status": "not_submitted"}
    kinds = [e["kind"] for e in engine.history(task["instance_id"])]
    assert "timer_fired" in kinds and "task_expired" in kinds
    expired = [e for e in engine.history(task["instance_id"]) if e["kind"] == "task_expired"]
    assert expired[0]["task_name"] == "self_assessment"
    assert any(n["kind"] == "reminder" for n in engine.notifications("wu.fang"))
    # The step closed at its deadline by design: nobody is told it is overdue.
    assert not any(n["kind"] in ("overdue", "escalation") for n in engine.notifications("wu.fang"))
    assert not any(n["kind"] == "escalation" for n in engine.notifications("wang.lei"))
    assert Worker(engine).run_once().done == 0  # every job ran once; nothing is left that is due
    assert engine.verify(task["instance_id"])[1] == []


def test_dashboard_counts_steps_overdue_and_grades(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine, scoring_window="PT1S")
    engine.complete(task_of(engine, "feng.yi", "self_assessment", "feng.yi")["id"], "feng.yi",
                    self_assessment(4, 4, 4, 4))
    scoring = task_of(engine, "liu.yang", "manager_scoring", "feng.yi")
    wait_until_past(scoring["due_at"])
    board = engine.cycle_dashboard("2026-Q4", "li.na")
    assert board["by_stage"] == {"self_assessment": 9, "manager_scoring": 1}
    assert [(o["step"], o["holder"]) for o in board["overdue"]] == [("manager_scoring", "liu.yang")]
    engine.complete(scoring["id"], "liu.yang", scores(5, 5, 5, 5))
    engine.complete(task_of(engine, "li.na", "calibration", "feng.yi")["id"], "li.na", {"decision": "confirm"})
    engine.complete(task_of(engine, "feng.yi", "acknowledge", "feng.yi")["id"], "feng.yi", {"decision": "accept"})
    board = engine.cycle_dashboard("2026-Q4")
    assert board["grades"] == {"A": 1, "B": 0, "C": 0, "D": 0}
    assert board["by_stage"]["recorded"] == 1
    with pytest.raises(NotAllowed):
        engine.cycle_dashboard("2026-Q4", "zhou.jie")


def test_a_new_rating_table_applies_to_cycles_opened_afterwards(sqlite_engine, tmp_path):
    import shutil
    from pathlib import Path

    engine = sqlite_engine
    root = Path(__file__).resolve().parent.parent / "processes"
    open_cycle(engine, "2026-Q3")
    copy = tmp_path / "processes"
    shutil.copytree(root, copy)
    table = copy / "appraisal_grade.dmn"
    table.write_text(table.read_text(encoding="utf-8").replace("&gt;= 4.5", "&gt;= 4.0")
                     .replace("&gt;= 3.5 and weighted_score &lt; 4.5", "&gt;= 3.5 and weighted_score &lt; 4.0"),
                     encoding="utf-8")
    deployed = {r.key: (r.version, r.status) for r in engine.deploy_paths([copy], "gao.yan")}
    assert deployed == {"appraisal": (2, "deployed"), "appraisal_cycle": (1, "unchanged"),
                        "market_plan": (1, "unchanged")}
    open_cycle(engine, "2026-Q4")

    def grade_for(period):
        def find(user, name):
            return next(t for t in engine.tasks(user) if t["name"] == name and period in t["instance_title"])

        task = find("zheng.hui", "self_assessment")
        engine.complete(task["id"], "zheng.hui", self_assessment(4, 4, 4, 4))
        engine.complete(find("zhang.min", "manager_scoring")["id"], "zhang.min", scores(4, 4, 4, 4))
        calibration = find("li.na", "calibration")
        grade = engine.task(calibration["id"])["context"]["rating"]["grade"]
        return grade, engine.show(task["instance_id"])["version"]

    assert grade_for("2026-Q3") == ("B", 1)   # opened before: keeps the old table
    assert grade_for("2026-Q4") == ("A", 2)   # opened after: 4.0 is now an A


def test_a_step_assigned_by_the_process_cannot_be_released(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    task = task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")
    assert task["releasable"] is False
    view = engine.task(task["id"], "zhou.jie")
    assert view["may_complete"] is True and view["may_release"] is False
    with pytest.raises(NotAllowed, match="cannot be released"):
        engine.unclaim(task["id"], "wang.lei")  # even the employee's manager
    assert engine.task(task["id"], "wang.lei")["may_complete"] is False


def test_an_appraisal_lists_its_steps_in_flow_order(sqlite_engine):
    first = open_cycle(sqlite_engine)["appraisal_ids"][0]
    assert [k for k in sqlite_engine.forms(first) if k != "start"] == [
        "self_assessment", "manager_scoring", "calibration", "acknowledge", "objection_review"]


def test_the_recorded_suggestion_follows_the_final_grade_not_the_rules(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    for employee, manager, calibrator, review in [("zhou.jie", "wang.lei", "li.na", None),
                                                  ("wu.fang", "wang.lei", "li.na", "D")]:
        engine.complete(task_of(engine, employee, "self_assessment", employee)["id"], employee,
                        self_assessment(3, 3, 3, 3))
        engine.complete(task_of(engine, manager, "manager_scoring", employee)["id"], manager, scores(3, 3, 3, 3))
        calibration = task_of(engine, calibrator, "calibration", employee)
        rating = engine.task(calibration["id"])["context"]["rating"]
        assert (rating["grade"], rating["suggestion"]) == ("C", "Improvement plan agreed with the manager")
        engine.complete(calibration["id"], calibrator, {"decision": "adjust", "grade": "A", "comment": "Launch"})
        acknowledge = task_of(engine, employee, "acknowledge", employee)
        if review is None:
            done = engine.complete(acknowledge["id"], employee, {"decision": "accept"})
        else:
            engine.complete(acknowledge["id"], employee, {"decision": "object", "comment": "Too generous?"})
            done = engine.complete(task_of(engine, calibrator, "objection_review", employee)["id"], calibrator,
                                   {"decision": "change", "grade": review, "comment": "Missed targets"})
        result = engine.show(done["instance_id"])["data"]["result"]
        expected = {"A": ("Reward: performance bonus and public recognition", "奖励：绩效奖金并公开表彰"),
                    "D": ("Formal improvement plan with a review in one period", "正式改进计划，下一周期复查")}
        assert (result["grade"], result["rule_grade"]) == (review or "A", "C")
        assert (result["suggestion"], result["suggestion_zh"]) == expected[review or "A"]


@pytest.mark.parametrize("window", ["P", "PT", "P1M", "PT1D", "abc"])
def test_a_window_that_is_no_duration_is_refused_before_any_appraisal_exists(sqlite_engine, window):
    with pytest.raises(FormInvalid) as refused:
        open_cycle(sqlite_engine, scoring_window=window)
    assert list(refused.value.fields) == ["scoring_window"]
    assert sqlite_engine.instances() == []


def test_appraisals_are_started_by_their_cycle_only(sqlite_engine):
    start = {"period_type": "quarterly", "period": "2025-Q1", "employee": "zhou.jie", "employee_name": "周杰",
             "appraiser": "zhou.jie", "calibrator": "zhou.jie", "cycle_id": 999}
    with pytest.raises(NotAllowed, match="started by 'appraisal_cycle'"):
        sqlite_engine.start("appraisal", "chen.yu", start)
    assert "appraisal" not in {p["key"] for p in sqlite_engine.processes("chen.yu")}
    assert "appraisal_cycle" in {p["key"] for p in sqlite_engine.processes("chen.yu")}
    with pytest.raises(NotAllowed):
        sqlite_engine.add_schedule("appraisal", "quarterly", "chen.yu", {})
    assert sqlite_engine.instances() == []


def test_a_schedule_is_checked_when_it_is_added(sqlite_engine):
    with pytest.raises(FormInvalid) as refused:
        sqlite_engine.add_schedule("appraisal_cycle", "monthly", "chen.yu", {"self_assessment_window": "P1M"})
    assert list(refused.value.fields) == ["self_assessment_window"]
    assert sqlite_engine.schedules() == []
    sqlite_engine.add_schedule("appraisal_cycle", "quarterly", "chen.yu", {"self_assessment_window": "P3D"})
    with pytest.raises(Conflict, match="already starts 'appraisal_cycle' quarterly"):
        sqlite_engine.add_schedule("appraisal_cycle", "quarterly", "chen.yu", {})
    assert len(sqlite_engine.schedules()) == 1


def test_closing_a_cycle_with_open_appraisals_needs_the_choice_to_cancel_them(engine):
    cycle = open_cycle(engine)
    close = next(t for t in engine.tasks("chen.yu") if t["name"] == "close_cycle")
    with pytest.raises(FormInvalid) as refused:
        engine.complete(close["id"], "chen.yu", {"summary": "closing early"})
    assert "10 appraisal(s)" in refused.value.fields["cancel_open_appraisals"][0]
    assert {engine.show(i)["status"] for i in cycle["appraisal_ids"]} == {"running"}
    assert engine.show(cycle["id"])["status"] == "running"
    engine.complete(close["id"], "chen.yu", {"summary": "closing early", "cancel_open_appraisals": True})
    assert engine.show(cycle["id"])["status"] == "completed"
    assert {engine.show(i)["status"] for i in cycle["appraisal_ids"]} == {"cancelled"}
    cancelled = [e for e in engine.history(cycle["appraisal_ids"][0]) if e["kind"] == "instance_cancelled"]
    assert cancelled[0]["actor"] == "chen.yu" and "2026-Q4 closed" in cancelled[0]["payload"]["reason"]
    assert not any(t["name"] == "self_assessment" for t in engine.tasks("zhou.jie"))


def test_a_cycle_whose_appraisals_are_all_over_closes_without_the_choice(sqlite_engine):
    cycle = open_cycle(sqlite_engine)
    for appraisal_id in cycle["appraisal_ids"]:
        sqlite_engine.cancel(appraisal_id, "chen.yu", "reorganisation")
    close = next(t for t in sqlite_engine.tasks("chen.yu") if t["name"] == "close_cycle")
    sqlite_engine.complete(close["id"], "chen.yu", {"summary": "done"})
    assert sqlite_engine.show(cycle["id"])["status"] == "completed"


def up_to_calibration(engine, employee, appraiser, calibrator, marks):
    """Self-assessment and scoring with the same marks; the calibration task that follows."""
    engine.complete(task_of(engine, employee, "self_assessment", employee)["id"], employee, self_assessment(*marks))
    engine.complete(task_of(engine, appraiser, "manager_scoring", employee)["id"], appraiser, scores(*marks))
    return task_of(engine, calibrator, "calibration", employee)


def test_a_grade_given_with_confirm_or_uphold_is_refused_not_silently_stored(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    calibration = up_to_calibration(engine, "zhou.jie", "wang.lei", "li.na", marks=(3, 3, 3, 3))
    with pytest.raises(FormInvalid) as refused:
        engine.complete(calibration["id"], "li.na", {"decision": "confirm", "grade": "D"})
    assert refused.value.fields == {"grade": ["must be left empty with this decision"]}
    engine.complete(calibration["id"], "li.na", {"decision": "confirm"})
    engine.complete(task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")["id"], "zhou.jie",
                    {"decision": "object", "comment": "Undervalued"})
    review = task_of(engine, "li.na", "objection_review", "zhou.jie")
    with pytest.raises(FormInvalid) as refused:
        engine.complete(review["id"], "li.na", {"decision": "uphold", "grade": "A", "comment": "Stays"})
    assert list(refused.value.fields) == ["grade"]


def test_adjust_and_change_must_name_another_grade(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine)
    calibration = up_to_calibration(engine, "zhou.jie", "wang.lei", "li.na", marks=(3, 3, 3, 3))  # the rule gave C
    with pytest.raises(FormInvalid) as refused:
        engine.complete(calibration["id"], "li.na", {"decision": "adjust", "grade": "C", "comment": "Same"})
    assert refused.value.fields == {"grade": ["is already the grade (C): choose confirm, or another grade"]}
    engine.complete(calibration["id"], "li.na", {"decision": "adjust", "grade": "B", "comment": "Launch"})
    engine.complete(task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")["id"], "zhou.jie",
                    {"decision": "object", "comment": "Too low"})
    review = task_of(engine, "li.na", "objection_review", "zhou.jie")
    with pytest.raises(FormInvalid, match=r"already the grade \(B\): choose uphold"):
        engine.complete(review["id"], "li.na", {"decision": "change", "grade": "B", "comment": "Same"})
    engine.complete(review["id"], "li.na", {"decision": "change", "grade": "A", "comment": "Fair"})
    assert engine.show(review["instance_id"])["data"]["result"]["grade"] == "A"
