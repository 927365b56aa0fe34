"""The expense pack on SQLite and PostgreSQL: each budget line's holder approves first, then the authority
matrix (every rule of ``expense_authority.dmn``) adds the operations manager, the director or the countersign
of the director and the branch GM; rejections, the same approver passed, an overdue step escalated."""

from __future__ import annotations

import pytest

from engine.errors import FormInvalid, NotAllowed, OwnSeparationRule, SeparationOfDuties
from engine.org.people import Person
from engine.org.staffing import PersonSpec
from tests.journey import OPERATOR, only_task
from tests.packs.scenario import act, conformance_and_xes, ended, notified, open_steps, run_worker, start
from tests.packs.support import install_pack

KEY = "expense_approval"
APPROVE = {"decision": "approve"}
LINE_HOLDERS = {"gas_purchase": "pan.yong", "dispatch_systems": "xu.tao", "safety_equipment": "jiang.hai",
                "customer_care": "song.jia", "marketing_promotion": "li.na", "office_admin": "zhao.qiang"}


def expense(engine, line, amount, username="hu.bin"):
    return start(engine, username, KEY, {"title": "Gas detectors", "budget_line": line, "amount": amount,
                                         "basis": "2027 budget, item 4: detector renewal"})


def data(engine, instance_id):
    return engine.work.show(OPERATOR, instance_id)["data"]


def test_the_pack_installs_unchanged_over_init_demo(demo):
    [result] = install_pack(demo, "expense")
    assert (result.key, result.status) == (KEY, "unchanged")


def test_every_budget_line_goes_to_its_holder_and_a_small_amount_ends_there(demo):
    for line, holder in LINE_HOLDERS.items():
        request = expense(demo, line, 3000)  # rules "small" and "purchase_small": the holder alone
        assert open_steps(demo, request) == [("holder_review", holder)], line
        assert data(demo, request)["sign_level"] == "head"
        assert act(demo, holder, "holder_review", request, APPROVE) == []
        assert ended(demo, request) == ("completed", "approved")


@pytest.mark.parametrize(("line", "amount", "level", "after_holder"), [
    ("gas_purchase", 50000, "head", []),  # purchase_small, at its limit
    ("gas_purchase", 300000, "ops_manager", ["ops_manager_review"]),  # purchase_large
    ("customer_care", 60000, "ops_manager", ["ops_manager_review"]),  # medium, within the line's 80,000
    ("marketing_promotion", 150000, "director", ["ops_manager_review"]),  # large, within budget
])
def test_within_budget_the_amount_decides_who_signs(demo, line, amount, level, after_holder):
    request = expense(demo, line, amount)
    assert data(demo, request)["over_budget"] is False and data(demo, request)["sign_level"] == level
    assert act(demo, LINE_HOLDERS[line], "holder_review", request, APPROVE) == after_holder
    if level in ("ops_manager", "director"):
        assert act(demo, "zhao.qiang", "ops_manager_review", request, APPROVE) == (
            ["director_review"] if level == "director" else [])
    if level == "director":
        assert act(demo, "chen.yu", "director_review", request, APPROVE) == []
    assert ended(demo, request) == ("completed", "approved")


def test_an_expense_over_its_budget_line_goes_to_the_director_who_may_reject_it(demo):
    request = expense(demo, "safety_equipment", 300000)  # the line has 200,000 available
    assert data(demo, request)["over_budget"] is True and data(demo, request)["sign_level"] == "director"
    act(demo, "jiang.hai", "holder_review", request, APPROVE)
    act(demo, "zhao.qiang", "ops_manager_review", request, APPROVE)
    assert open_steps(demo, request) == [("director_review", None)]  # the director's queue: chen.yu
    task = only_task(demo, "chen.yu", "director_review", request)
    with pytest.raises(FormInvalid):  # a rejection without a reason
        demo.work.complete(Person("chen.yu"), task["id"], {"decision": "reject", "comment": "  "})
    act(demo, "chen.yu", "director_review", request, {"decision": "reject", "comment": "Wait for the mid-year review"})
    assert ended(demo, request) == ("completed", "rejected")


def test_a_major_amount_needs_the_director_and_the_branch_gm_together(demo):
    request = expense(demo, "gas_purchase", 800000)  # rule "major", within the line's 2,000,000
    assert data(demo, request)["sign_level"] == "countersign"
    act(demo, "pan.yong", "holder_review", request, APPROVE)
    assert act(demo, "zhao.qiang", "ops_manager_review", request, APPROVE) == ["joint_signoff", "joint_signoff"]
    assert open_steps(demo, request) == [("joint_signoff", "chen.yu"), ("joint_signoff", "sun.hao")]
    act(demo, "chen.yu", "joint_signoff", request, APPROVE)
    assert ended(demo, request)[0] == "running"  # one approval is not enough
    act(demo, "sun.hao", "joint_signoff", request, APPROVE)
    assert ended(demo, request) == ("completed", "approved")
    assert notified(demo, "jiang.hai", "copied")  # the applicant hu.bin's manager is copied on the approval


def test_a_rejection_in_the_countersign_ends_the_round_and_the_request(demo):
    request = expense(demo, "marketing_promotion", 600000, "zhou.jie")  # major and over budget
    act(demo, "li.na", "holder_review", request, APPROVE)
    act(demo, "zhao.qiang", "ops_manager_review", request, APPROVE)
    act(demo, "sun.hao", "joint_signoff", request, {"decision": "reject", "comment": "Not this year"})
    assert ended(demo, request) == ("completed", "rejected")
    assert data(demo, request)["joint_signoff"]["decision"] == "reject"


def test_rejections_by_the_holder_and_the_operations_manager(demo):
    first = expense(demo, "dispatch_systems", 2000, "cao.jun")
    act(demo, "xu.tao", "holder_review", first, {"decision": "reject", "comment": "No budget basis given"})
    second = expense(demo, "dispatch_systems", 20000, "cao.jun")
    act(demo, "xu.tao", "holder_review", second, APPROVE)
    act(demo, "zhao.qiang", "ops_manager_review", second, {"decision": "reject", "comment": "Buy it in Q3"})
    assert ended(demo, first) == ended(demo, second) == ("completed", "rejected")


def test_the_holder_who_also_signs_next_is_not_asked_twice(demo):
    request = expense(demo, "office_admin", 20000)  # the ops manager holds the line and signs next
    assert act(demo, "zhao.qiang", "holder_review", request, APPROVE) == []  # ops_manager_review passed on
    assert ended(demo, request) == ("completed", "approved")
    kinds = [e["kind"] for e in demo.work.history(OPERATOR, request)]
    assert kinds.count("task_completed") == 1


def test_an_overdue_step_is_escalated_then_every_history_fits_the_model(demo, clock):
    request = expense(demo, "customer_care", 5000, "yang.fan")
    clock.advance(days=8)  # the holder's two working days are long past
    run_worker(demo)
    assert notified(demo, "song.jia", "overdue") and notified(demo, "zhao.qiang", "escalation")
    act(demo, "song.jia", "holder_review", request, APPROVE)
    major = expense(demo, "gas_purchase", 900000, "tang.li")
    act(demo, "pan.yong", "holder_review", major, APPROVE)
    act(demo, "zhao.qiang", "ops_manager_review", major, APPROVE)
    act(demo, "chen.yu", "joint_signoff", major, APPROVE)
    act(demo, "sun.hao", "joint_signoff", major, APPROVE)
    over = expense(demo, "safety_equipment", 300000)
    act(demo, "jiang.hai", "holder_review", over, APPROVE)
    act(demo, "zhao.qiang", "ops_manager_review", over, APPROVE)
    act(demo, "chen.yu", "director_review", over, APPROVE)
    xes = conformance_and_xes(demo, KEY, 3)
    assert "joint_signoff" in xes and "director_review" in xes


def test_nobody_approves_their_own_expense_without_a_recorded_exception(demo):
    """zhao.qiang holds the office budget line and is the operations manager: the rule keeps him from approving
    his own 20,000 expense, and the same-approver pass does not pass the next step for him either, until the
    director allows it; the auditors' report lists the exception and the person on both sides."""
    request = expense(demo, "office_admin", 20000, username="zhao.qiang")
    [holder] = demo.work.show(OPERATOR, request)["open_tasks"]
    with pytest.raises(SeparationOfDuties, match=r"zhao\.qiang completed 'Start the request' \(starter\)"):
        demo.work.complete(Person("zhao.qiang"), holder["id"], APPROVE)
    assert open_steps(demo, request) == [("holder_review", "zhao.qiang")]  # nothing changed: it waits
    with pytest.raises(NotAllowed):
        demo.separation.override(Person("zhao.qiang"), holder["id"], "I am the holder")  # no override right
    demo.separation.override(Person("chen.yu"), holder["id"], "Office line: no other holder this month")
    assert act(demo, "zhao.qiang", "holder_review", request, APPROVE) == ["ops_manager_review"]  # not passed
    [review] = demo.work.show(OPERATOR, request)["open_tasks"]
    with pytest.raises(SeparationOfDuties, match=r"\(starter\).*\(ops_manager_review"):
        demo.work.complete(Person("zhao.qiang"), review["id"], APPROVE)  # each task's exception is its own
    report = demo.separation.report(Person("he.ping"), {"process": KEY})
    assert sorted((f["kind"], f["step"], f["other_step"], f["person"]) for f in report) == [
        ("override", "holder_review", "starter", "zhao.qiang"),
        ("refused", "holder_review", "starter", "zhao.qiang"),
        ("refused", "ops_manager_review", "starter", "zhao.qiang"),
        ("same_person", "holder_review", "starter", "zhao.qiang")]


def test_the_director_may_not_override_the_rule_that_keeps_him_away(demo):
    demo.org.set_person(OPERATOR, "chen.yu", PersonSpec(roles=["director", "staff"]))  # he files one himself
    request = expense(demo, "marketing_promotion", 150000, username="chen.yu")
    assert act(demo, "li.na", "holder_review", request, APPROVE) == ["ops_manager_review"]
    assert act(demo, "zhao.qiang", "ops_manager_review", request, APPROVE) == ["director_review"]
    [sign] = demo.work.show(OPERATOR, request)["open_tasks"]
    with pytest.raises(SeparationOfDuties):
        demo.work.complete(Person("chen.yu"), sign["id"], APPROVE)
    with pytest.raises(OwnSeparationRule, match="may not override it"):
        demo.separation.override(Person("chen.yu"), sign["id"], "It is my own budget")
    assert open_steps(demo, request) == [("director_review", None)]
