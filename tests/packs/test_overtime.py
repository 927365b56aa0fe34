"""The overtime pack on SQLite and PostgreSQL: applied for in advance, the section head approves, longer overtime
also the operations manager (the DMN's two rules), rejections with a reason, the overdue step escalated."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import FormInvalid
from engine.models import ProcessInstance
from engine.org.people import Person
from tests.journey import OPERATOR, only_task
from tests.packs.scenario import act, conformance_and_xes, ended, notified, open_steps, run_worker, start
from tests.packs.support import install_pack

KEY = "overtime_request"


def apply(engine, username="cao.jun", section="dispatch", hours=3.0):
    return start(engine, username, KEY, {"section": section, "date": "2027-03-05", "hours": hours,
                                         "reason": "Valve replacement on the north main after hours"})


def test_the_pack_installs_through_the_deploy_check_and_again_unchanged(demo):
    [result] = install_pack(demo, "overtime")  # init --demo installed it already: unchanged
    assert (result.key, result.status) == (KEY, "unchanged")


def test_short_overtime_goes_to_the_section_head_alone_who_approves_it(demo):
    request = apply(demo, hours=4)  # the DMN's first rule: up to 4 hours
    assert open_steps(demo, request) == [("head_review", "xu.tao")]  # the dispatch section's head
    assert demo.work.show(OPERATOR, request)["data"]["ops_manager_approves"] is False
    assert act(demo, "xu.tao", "head_review", request, {"decision": "approve"}) == []
    assert ended(demo, request) == ("completed", "approved")


def test_longer_overtime_also_needs_the_operations_manager(demo):
    request = apply(demo, "zhou.jie", "marketing", hours=4.5)  # the DMN's second rule: more than 4 hours
    assert open_steps(demo, request) == [("head_review", "li.na")]  # marketing's head
    assert act(demo, "li.na", "head_review", request, {"decision": "approve"}) == ["ops_manager_review"]
    assert act(demo, "zhao.qiang", "ops_manager_review", request, {"decision": "approve"}) == []
    assert ended(demo, request) == ("completed", "approved")


def test_the_operations_manager_may_reject_what_the_head_approved(demo):
    request = apply(demo, "hu.bin", "safety", hours=10)
    act(demo, "jiang.hai", "head_review", request, {"decision": "approve"})
    act(demo, "zhao.qiang", "ops_manager_review", request, {"decision": "reject", "comment": "Plan it as a shift"})
    assert ended(demo, request) == ("completed", "rejected")


def test_a_rejection_needs_a_reason_and_ends_the_request(demo):
    request = apply(demo, "tang.li", "supply", hours=8)
    task = only_task(demo, "pan.yong", "head_review", request)
    with pytest.raises(FormInvalid):
        demo.work.complete(Person("pan.yong"), task["id"], {"decision": "reject"})
    assert open_steps(demo, request) == [("head_review", "pan.yong")]  # nothing changed
    act(demo, "pan.yong", "head_review", request, {"decision": "reject", "comment": "Applied for after the fact"})
    assert ended(demo, request) == ("completed", "rejected")  # the operations manager is not asked


def test_bad_applications_are_refused(demo):
    for data in ({"section": "dispatch", "date": "2027-03-05", "hours": 0, "reason": "x"},
                 {"section": "nowhere", "date": "2027-03-05", "hours": 2, "reason": "x"},
                 {"section": "dispatch", "date": "2027-03-05", "hours": 2, "reason": " "}):
        with pytest.raises(FormInvalid):
            demo.work.start(Person("cao.jun"), KEY, data)
    with demo.core.reading() as session:
        assert session.scalar(select(func.count()).where(ProcessInstance.process_key == KEY)) == 0


def test_an_overdue_approval_is_escalated_to_the_heads_manager_then_the_chain_fits(demo, clock):
    request = apply(demo, "luo.qing", "dispatch", hours=6)
    clock.advance(days=6)  # the head's one working day is long past (weekends and holidays included)
    run_worker(demo)
    assert notified(demo, "xu.tao", "overdue") and notified(demo, "zhao.qiang", "escalation")
    act(demo, "xu.tao", "head_review", request, {"decision": "approve"})
    clock.advance(days=6)
    run_worker(demo)
    assert notified(demo, "zhao.qiang", "overdue")  # the ops manager's own step, overdue in turn
    act(demo, "zhao.qiang", "ops_manager_review", request, {"decision": "approve"})
    assert ended(demo, request) == ("completed", "approved")
    short = apply(demo, hours=2)
    act(demo, "xu.tao", "head_review", short, {"decision": "reject", "comment": "Not needed"})
    xes = conformance_and_xes(demo, KEY, 2)
    assert "ops_manager_review" in xes and "head_review" in xes
