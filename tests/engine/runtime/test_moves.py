"""Transfer (转办), urge (催办), withdraw (撤回) and start again (重新发起): who may, what each changes and records,
and that every refusal changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from engine.definitions.bundle import bundles_from_paths
from engine.errors import Conflict, DeploymentRejected, InvalidInput, NotAllowed, TooSoon, UserNotFound
from engine.facade import Engine
from engine.org.absences import china_today
from engine.org.people import Person
from tests.journey import OPERATOR, RESEARCH, START, decision, only_task, research_and_draft, start_plan, step
from tests.paths import REPO

WANG, LI_NA = Person("wang.lei"), Person("li.na")


def kinds(engine: Engine, instance_id: int, kind: str) -> list[dict]:
    return [e for e in engine.work.history(OPERATOR, instance_id) if e["kind"] == kind]


def research_of(engine: Engine, plan: int) -> int:
    return int(only_task(engine, "wang.lei", "research", plan)["id"])


# -- transfer ---------------------------------------------------------------------------------------
def test_the_holder_transfers_a_task_and_the_colleague_owns_it_from_then_on(engine):
    plan = start_plan(engine)
    research = research_of(engine, plan)
    engine.work.claim(WANG, research)
    result = engine.work.transfer(WANG, research, "zhou.jie", "出差一周，请周杰代为调研")
    replayed = engine.audit.replay(OPERATOR, plan, engine.audit.replay(OPERATOR, plan, 1)["steps"])
    assert [t["assignee"] for t in replayed["open_tasks"]] == ["zhou.jie"]  # the replay follows the transfer
    assert result == {"id": research, "instance_id": plan, "from": "wang.lei", "to": "zhou.jie",
                      "reason": "出差一周，请周杰代为调研"}
    [event] = kinds(engine, plan, "task_transferred")
    assert event["actor"] == "wang.lei" and event["task_id"] == research
    assert event["payload"] == {"from": "wang.lei", "to": "zhou.jie", "reason": "出差一周，请周杰代为调研"}
    [told] = [n for n in engine.work.notifications(Person("zhou.jie")) if n.kind == "transferred"]
    assert told.task_id == research and "出差一周" in told.body
    assert [t["id"] for t in engine.work.tasks(Person("zhou.jie"))] == [research]
    assert research not in [t["id"] for t in engine.work.tasks(WANG)]
    with pytest.raises((Conflict, NotAllowed)):
        engine.work.complete(WANG, research, RESEARCH)  # no longer his
    engine.work.complete(Person("zhou.jie"), research, RESEARCH)  # the colleague does the work
    assert only_task(engine, "zhang.min", "draft_plan", plan)


def test_a_colleague_away_today_is_not_given_a_task_and_nothing_changes(demo, clock):
    plan = start_plan(demo)
    research = research_of(demo, plan)
    demo.work.claim(WANG, research)
    today = china_today(clock())
    demo.org.set_away(Person("zhou.jie"), today, today + timedelta(days=3), "feng.yi")
    with pytest.raises(InvalidInput, match=rf"zhou\.jie is away from {today.isoformat()} to "
                                           rf"{(today + timedelta(days=3)).isoformat()}: .*proxy is feng\.yi"):
        demo.work.transfer(WANG, research, "zhou.jie", "出差一周")
    assert kinds(demo, plan, "task_transferred") == []
    assert [t["id"] for t in demo.work.tasks(WANG)] == [research]
    demo.org.set_away(Person("zhou.jie"), today + timedelta(days=1), today + timedelta(days=3), "feng.yi")
    assert demo.work.transfer(WANG, research, "zhou.jie", "出差一周")["to"] == "zhou.jie"  # away from tomorrow


def test_a_manager_above_the_holder_transfers_it_and_the_holder_is_told(engine):
    plan = start_plan(engine)
    research = research_of(engine, plan)
    engine.work.claim(WANG, research)
    assert engine.work.transfer(LI_NA, research, "wu.fang", "王磊在忙年度预算")["from"] == "wang.lei"
    assert [n.kind for n in engine.work.notifications(WANG)].count("transferred") == 1
    assert [t["id"] for t in engine.work.tasks(Person("wu.fang"))] == [research]


def test_refused_transfers_change_nothing(engine):
    plan = start_plan(engine)
    research = research_of(engine, plan)
    engine.work.claim(WANG, research)
    with pytest.raises(InvalidInput):
        engine.work.transfer(WANG, research, "wang.lei", "to myself")
    with pytest.raises(UserNotFound):
        engine.work.transfer(WANG, research, "no.such.person", "why")
    with pytest.raises(InvalidInput):
        engine.work.transfer(WANG, research, "zhou.jie", "  ")  # a reason is required
    with pytest.raises(NotAllowed, match="holder's manager manages"):
        engine.work.transfer(WANG, research, "zhao.qiang", "outside the rule")  # not under li.na, no such role
    with pytest.raises(NotAllowed):
        engine.work.transfer(Person("zhao.qiang"), research, "zhou.jie", "not his")  # neither holder nor above
    assert kinds(engine, plan, "task_transferred") == []
    assert engine.work.task(WANG, research)["assignee"] == "wang.lei"
    engine.work.complete(WANG, research, RESEARCH)
    with pytest.raises(Conflict):
        engine.work.transfer(WANG, research, "zhou.jie", "too late")  # a finished task: 409
    assert kinds(engine, plan, "task_transferred") == []


def test_the_candidates_follow_the_rule(engine):
    plan = start_plan(engine)
    research = research_of(engine, plan)
    offered = engine.work.transfer_candidates(WANG, research)
    assert "zhou.jie" in offered and "zhang.min" in offered  # people li.na (his manager) manages
    assert "wang.lei" not in offered and "zhao.qiang" not in offered and "chen.yu" not in offered
    assert engine.work.transfer_candidates(Person("zhao.qiang"), research) == []  # may not transfer it


def _deploy_with_rule(engine: Engine, rule: str) -> None:
    [bundle] = bundles_from_paths([REPO / "processes" / "market_plan.bpmn"], engine.collaborators.forms_root)
    marker = b'<spiffworkflow:property name="startRoles"'
    assert marker in bundle.bpmn
    bpmn = bundle.bpmn.replace(marker, f'<spiffworkflow:property name="transferRule" value="{rule}" />'.encode()
                               + marker, 1)
    engine.definitions.deploy(Person("gao.yan"), [dataclasses.replace(bundle, bpmn=bpmn)], "transfer rule")


@pytest.mark.parametrize(("rule", "allowed", "refused"), [
    ("role", [], ["zhou.jie", "zhao.qiang"]),
    ("department", ["zhou.jie", "li.na", "feng.yi"], ["zhao.qiang", "sun.hao"]),
    ("anyone", ["zhou.jie", "zhao.qiang", "he.ping"], []),
])
def test_the_process_names_its_transfer_rule(sqlite_engine, rule, allowed, refused):
    _deploy_with_rule(sqlite_engine, rule)
    plan = start_plan(sqlite_engine)
    research = research_of(sqlite_engine, plan)
    offered = sqlite_engine.work.transfer_candidates(WANG, research)
    assert set(allowed) <= set(offered) and not set(refused) & set(offered)
    for name in refused:
        with pytest.raises(NotAllowed):
            sqlite_engine.work.transfer(WANG, research, name, "by the rule")
    if allowed:
        assert sqlite_engine.work.transfer(WANG, research, allowed[0], "by the rule")["to"] == allowed[0]


def test_an_unknown_transfer_rule_is_refused_at_deploy(sqlite_engine):
    with pytest.raises(DeploymentRejected, match="transferRule"):
        _deploy_with_rule(sqlite_engine, "everybody")


# -- urge --------------------------------------------------------------------------------------------
def test_the_starter_urges_the_holders_once_an_hour(demo, clock):
    plan = start_plan(demo)
    research = research_of(demo, plan)
    urged = demo.work.urge(LI_NA, research)  # unclaimed: every holder of the role is told
    assert urged["told"] == ["wang.lei"] and urged["id"] == research
    [told] = [n for n in demo.work.notifications(WANG) if n.kind == "urged"]
    assert told.task_id == research and "李娜" in told.body
    clock.advance(minutes=59)
    with pytest.raises(TooSoon) as refused:
        demo.work.urge(LI_NA, research)
    assert refused.value.retry_after == 60 and refused.value.retry_at == urged["next_at"]
    assert len(kinds(demo, plan, "task_urged")) == 1
    assert [n.kind for n in demo.work.notifications(WANG)].count("urged") == 1
    clock.advance(minutes=1)
    demo.work.claim(WANG, research)
    assert demo.work.urge(Person("chen.yu"), research, "今天请处理")["told"] == ["wang.lei"]  # above the holder
    [_, second] = kinds(demo, plan, "task_urged")
    assert second["actor"] == "chen.yu" and second["payload"] == {"told": ["wang.lei"], "note": "今天请处理"}


class KeptMail:
    """A mailer that keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


def test_an_urge_is_also_e_mailed_where_mail_is_set_up(demo):
    from engine.scheduling.worker import Worker

    mail = KeptMail()
    demo.collaborators.mailer = mail  # as OPSFLOW_SMTP_HOST would set it
    plan = start_plan(demo)
    Worker(demo.core, slots=20).run_once()  # the new task's own e-mail goes first
    mail.sent.clear()
    demo.work.urge(LI_NA, research_of(demo, plan), "今天请处理")
    Worker(demo.core, slots=20).run_once()
    [(to, subject, body)] = mail.sent
    assert to.startswith("wang.lei@") and subject.startswith("催办") and "今天请处理" in body


def test_who_may_urge_and_a_finished_task(engine):
    plan = start_plan(engine)
    research = research_of(engine, plan)
    with pytest.raises(NotAllowed):
        engine.work.urge(Person("zhang.min"), research)  # neither the starter nor above the holder
    with pytest.raises(NotAllowed):
        engine.work.urge(Person("zhao.qiang"), research)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    with pytest.raises(Conflict):
        engine.work.urge(LI_NA, research)
    assert kinds(engine, plan, "task_urged") == []


# -- withdraw ----------------------------------------------------------------------------------------
def test_the_starter_withdraws_a_request_nobody_has_acted_on(engine):
    plan = start_plan(engine)
    research = research_of(engine, plan)
    engine.work.urge(LI_NA, research)  # urging it is no acting on it
    result = engine.work.withdraw(LI_NA, plan, "预算方向有变")
    assert result == {"id": plan, "status": "cancelled", "end_event": "withdrawn", "reason": "预算方向有变"}
    shown = engine.work.show(LI_NA, plan)
    assert (shown["status"], shown["end_event"], shown["open_tasks"]) == ("cancelled", "withdrawn", [])
    assert engine.work.task(OPERATOR, research)["state"] == "cancelled"
    assert [t for t in engine.work.tasks(WANG) if t["instance_id"] == plan] == []
    [event] = kinds(engine, plan, "instance_withdrawn")
    assert event["actor"] == "li.na" and event["payload"] == {"reason": "预算方向有变"}
    assert any(n.kind == "result" and "Withdrawn" in n.subject for n in engine.work.notifications(WANG))
    with pytest.raises(Conflict):
        engine.work.withdraw(LI_NA, plan, "again")  # ended already
    assert chains(engine, plan) == (1, [])
    first = engine.audit.replay(OPERATOR, plan, 1)
    last = engine.audit.replay(OPERATOR, plan, first["steps"])  # the audit replay ends where the request did
    assert (last["status"], last["end_event"], last["open_tasks"]) == ("cancelled", "withdrawn", [])


def chains(engine: Engine, plan: int) -> tuple[int, list]:
    report = engine.audit.verify(OPERATOR, plan, checkpoint=None)
    return report.instances, report.problems


def test_withdraw_is_refused_once_someone_acted_and_for_anyone_but_the_starter(engine):
    plan = start_plan(engine)
    research = research_of(engine, plan)
    with pytest.raises(NotAllowed):
        engine.work.withdraw(Person("chen.yu"), plan, "not his")  # may cancel, but did not start it
    with pytest.raises(InvalidInput):
        engine.work.withdraw(LI_NA, plan, " ")
    engine.work.claim(WANG, research)
    with pytest.raises(Conflict, match="urge the holder instead"):
        engine.work.withdraw(LI_NA, plan, "too late")
    assert engine.work.show(LI_NA, plan)["status"] == "running"
    assert kinds(engine, plan, "instance_withdrawn") == []


def test_a_comment_by_someone_else_counts_as_acting_but_the_starters_own_does_not(sqlite_engine):
    plan = start_plan(sqlite_engine)
    research = research_of(sqlite_engine, plan)
    sqlite_engine.work.add_comment(LI_NA, research, "请关注北区")
    other = start_plan(sqlite_engine)
    sqlite_engine.work.add_comment(WANG, research_of(sqlite_engine, other), "收到")
    with pytest.raises(Conflict):
        sqlite_engine.work.withdraw(LI_NA, other, "too late")
    assert sqlite_engine.work.withdraw(LI_NA, plan, "changed my mind")["end_event"] == "withdrawn"


# -- start again -------------------------------------------------------------------------------------
def test_start_again_from_a_withdrawn_or_vetoed_request(engine):
    plan = start_plan(engine)
    with pytest.raises(Conflict):
        engine.work.restart_data(LI_NA, plan)  # still running
    engine.work.withdraw(LI_NA, plan, "重写")
    with pytest.raises(NotAllowed):
        engine.work.restart_data(Person("chen.yu"), plan)
    again = engine.work.restart_data(LI_NA, plan)
    assert again == {"instance_id": plan, "process": "market_plan", "data": START}
    assert engine.work.start(LI_NA, again["process"], again["data"]).status == "running"

    vetoed = start_plan(engine)
    research_and_draft(engine, vetoed)
    step(engine, "li.na", "manager_review", vetoed, decision("approve"))
    step(engine, "chen.yu", "director_signoff", vetoed, decision("veto", "Not this year"))
    assert engine.work.show(LI_NA, vetoed)["end_event"] == "vetoed"
    assert engine.work.restart_data(LI_NA, vetoed)["data"] == START


# -- the exports -------------------------------------------------------------------------------------
def test_the_process_mining_exports_carry_the_moves(engine):
    from engine.audit.xes import LogFilter

    plan = start_plan(engine)
    research = research_of(engine, plan)
    engine.work.urge(LI_NA, research)
    engine.work.transfer(WANG, research, "zhou.jie", "出差")
    engine.work.complete(Person("zhou.jie"), research, RESEARCH)
    regret = start_plan(engine)
    engine.work.withdraw(LI_NA, regret, "方向有变")
    xes = "".join(engine.audit.xes_log(OPERATOR, LogFilter("market_plan")))
    assert '<int key="opsflow:transfers" value="1"/><string key="opsflow:transferred_from" value=""/>' in xes
    assert '<int key="opsflow:urges" value="1"/>' in xes
    assert '<string key="opsflow:end_event" value="withdrawn"/>' in xes
    ocel = engine.audit.ocel_log(OPERATOR, LogFilter("market_plan", label="id"))
    [done] = [e for e in ocel["events"] if e["type"] == "research"]
    attributes = {a["name"]: a["value"] for a in done["attributes"]}
    assert (attributes["transfers"], attributes["transferred_from"], attributes["urges"]) == (1, "", 1)
    assert {"objectId": "person:zhou.jie", "qualifier": "completed by"} in done["relationships"]
