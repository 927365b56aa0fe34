"""An appraisal cycle takes the reporting lines of the day it opens (issue 20): someone who moves mid-cycle keeps
the appraiser of the opening day; a leaver is not in a cycle opened after they left."""

from __future__ import annotations

from engine.org.people import Person
from engine.org.staffing import PersonSpec
from tests.appraisal_steps import open_cycle, self_assessment, task_of
from tests.journey import OPERATOR

ADMIN = Person("admin")


def appraised(engine, period: str) -> set[str]:
    return {i["title"].split("(")[1].split(")")[0] for i in engine.work.instances(OPERATOR, "appraisal")
            if period in i["title"]}


def test_a_move_mid_cycle_keeps_the_opening_days_appraiser_and_leavers_are_left_out_later(demo):
    open_cycle(demo, "2026-Q4")
    demo.org.set_person(ADMIN, "zhou.jie", PersonSpec(reports_to="zhang.min"))  # moves after the cycle opened
    demo.work.complete(Person("zhou.jie"), task_of(demo, "zhou.jie", "self_assessment", "zhou.jie")["id"],
                       self_assessment(4, 4, 4, 4))
    assert task_of(demo, "wang.lei", "manager_scoring", "zhou.jie")  # still his manager of the opening day
    assert not [t for t in demo.work.tasks(Person("zhang.min")) if t["name"] == "manager_scoring"
                and "(zhou.jie)" in t["instance_title"]]
    board = demo.appraisal.dashboard(Person("chen.yu"), "2026-Q4")
    assert board.opened_at  # the page says from which day the lines were taken

    before = appraised(demo, "2026-Q4")
    assert "wu.fang" in before
    open_tasks = [t["id"] for t in demo.work.tasks(Person("wu.fang"))]
    demo.org.deactivate(ADMIN, "wu.fang", hand_over_to="wang.lei" if open_tasks else None)
    open_cycle(demo, "2027-Q1")
    later = appraised(demo, "2027-Q1")
    assert "wu.fang" not in later and "zhou.jie" in later and len(later) == len(before) - 1
