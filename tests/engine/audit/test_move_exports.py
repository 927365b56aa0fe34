"""A market plan with an urge, a proxy (代理), a transfer, a return and a countersign, read back from the exports
as a process-mining tool reads them: the XES parsed and checked against IEEE 1849, the OCEL 2.0 document checked
for its structure; each move is found in order, with who made it and on whose behalf, and the log still replays
(its complete events are the completions the conformance check replays). SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta

from lxml import etree

from engine.audit.xes import LogFilter
from engine.org.absences import china_today
from engine.org.people import Person
from tests.engine.audit.test_process_mining import SCHEMA, XES
from tests.journey import DRAFT, OPERATOR, RESEARCH, decision, only_task, start_plan, step

BIG = {**DRAFT, "budget_cny": 2000000}  # above the sign-off threshold: the director and the branch GM countersign
LI_NA, ZHANG, ZHOU = Person("li.na"), Person("zhang.min"), Person("zhou.jie")


def moved_plan(engine, clock) -> int:
    """wang.lei away (zhou.jie his proxy); li.na urges the research, zhang.min transfers the draft to feng.yi,
    li.na returns the review to research (which comes straight back), then the joint sign-off approves."""
    today = china_today(clock())
    engine.org.set_away(Person("wang.lei"), today, today + timedelta(days=2), "zhou.jie")
    plan = start_plan(engine)
    research = int(only_task(engine, "zhou.jie", "research", plan)["id"])
    engine.work.urge(LI_NA, research, "请尽快")
    engine.work.complete(ZHOU, research, RESEARCH)
    draft = int(only_task(engine, "zhang.min", "draft_plan", plan)["id"])
    engine.work.claim(ZHANG, draft)
    engine.work.transfer(ZHANG, draft, "feng.yi", "休假")
    engine.work.complete(Person("feng.yi"), draft, BIG)
    review = int(only_task(engine, "li.na", "manager_review", plan)["id"])
    engine.work.claim(LI_NA, review)
    engine.work.return_task(LI_NA, review, "research", "数据过时")
    engine.work.complete(ZHOU, int(only_task(engine, "zhou.jie", "research", plan)["id"]), RESEARCH)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "sun.hao", "joint_signoff", plan, decision("approve", "同意"))
    step(engine, "chen.yu", "joint_signoff", plan, decision("approve"))
    return plan


def value(event, kind: str, key: str) -> str | None:
    found = event.find(f"{XES}{kind}[@key='{key}']")
    return None if found is None else found.get("value")


def test_the_xes_holds_each_move_in_order_with_who_and_for_whom_and_still_replays(demo, clock):
    plan = moved_plan(demo, clock)
    xes = "".join(demo.audit.xes_log(Person("he.ping"), LogFilter("market_plan", label="id"))).encode("utf-8")
    document = etree.parse(io.BytesIO(xes), etree.XMLParser(resolve_entities=False, no_network=True))
    SCHEMA.assertValid(document)
    [trace] = [t for t in document.getroot().iter(f"{XES}trace") if value(t, "string", "concept:name") == str(plan)]
    every = trace.findall(f"{XES}event")
    lifecycle = ("instance_started", "instance_ended", "task_created", "task_claimed")
    events = [e for e in every if value(e, "string", "opsflow:move") not in lifecycle
              and value(e, "boolean", "opsflow:automatic") is None]  # the steps done and the moves
    read = [(value(e, "string", "concept:name"), value(e, "string", "lifecycle:transition"),
             value(e, "string", "opsflow:move"), value(e, "string", "org:resource"),
             value(e, "string", "opsflow:on_behalf_of")) for e in events]
    assert read == [
        ("research", "unknown", "task_urged", "li.na", None),
        ("research", "complete", None, "zhou.jie", "wang.lei"),
        ("draft_plan", "reassign", "task_transferred", "zhang.min", None),
        ("draft_plan", "complete", None, "feng.yi", None),
        ("manager_review", "ate_abort", None, "li.na", None),
        ("research", "complete", None, "zhou.jie", "wang.lei"),
        ("manager_review", "complete", None, "li.na", None),
        ("joint_signoff", "schedule", "countersign_started", None, None),
        ("joint_signoff", "unknown", None, "sun.hao", None),  # a member's part: the round is one activity
        ("joint_signoff", "unknown", None, "chen.yu", None),
        ("joint_signoff", "complete", "countersign_ended", "chen.yu", None),
    ]
    assert [value(e, "string", "opsflow:countersign") for e in events[8:10]] == ["member", "member"]
    urge, transfer, returned, started, ended = events[0], events[2], events[4], events[7], events[10]
    assert (value(urge, "string", "opsflow:told"), value(urge, "string", "opsflow:note")) == ("zhou.jie", "请尽快")
    assert [value(transfer, "string", f"opsflow:{k}") for k in ("from", "to", "reason")] == [
        "zhang.min", "feng.yi", "休假"]
    assert value(transfer, "string", "org:role") == "planning_supervisor"
    assert value(returned, "string", "opsflow:returned_to") == "research"
    assert value(started, "string", "opsflow:signers") == "chen.yu,sun.hao"
    assert value(started, "boolean", "opsflow:in_turn") == "false"
    assert value(started, "string", "opsflow:round") == value(ended, "string", "opsflow:round") != ""
    assert value(ended, "string", "opsflow:decided") == "sun.hao:approve,chen.yu:approve"
    seqs = [int(value(e, "int", "opsflow:seq")) for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    stamps = [value(e, "date", "time:timestamp") for e in every]
    assert stamps == sorted(stamps)

    # Replays: kept to its complete events, the trace is the model's visible tasks as the instance passed them,
    # the automatic ones (script, DMN) included, a countersign round once.
    done = [value(e, "string", "concept:name") for e in every
            if value(e, "string", "lifecycle:transition") == "complete"]
    assert done == ["init_counters", "research", "draft_plan", "research", "manager_review", "signoff_route",
                    "who_signs", "joint_signoff", "joint_tally"]
    history = [e["task_name"] for e in demo.work.history(OPERATOR, plan) if e["kind"] == "task_completed"]
    assert history == ["research", "draft_plan", "research", "manager_review", "joint_signoff", "joint_signoff"]
    verdicts = demo.audit.conformance(Person("he.ping"), LogFilter("market_plan"))
    [verdict] = [v for v in verdicts if v.instance_id == plan]
    assert verdict.fits, verdict


def _check_ocel_2(log: dict) -> None:
    """What an OCEL 2.0 JSON reader relies on: typed objects and events, declared attributes, links that resolve."""
    assert set(log) == {"objectTypes", "eventTypes", "objects", "events"}
    object_types = {t["name"]: {a["name"] for a in t["attributes"]} for t in log["objectTypes"]}
    event_types = {t["name"]: {a["name"] for a in t["attributes"]} for t in log["eventTypes"]}
    assert all(a["type"] in {"string", "integer", "float", "boolean", "time"}
               for t in log["objectTypes"] + log["eventTypes"] for a in t["attributes"])
    ids = [o["id"] for o in log["objects"]]
    assert len(ids) == len(set(ids))
    for item in log["objects"]:
        assert item["type"] in object_types and {a["name"] for a in item["attributes"]} <= object_types[item["type"]]
        assert all(r["objectId"] in ids for r in item["relationships"])
    assert len({e["id"] for e in log["events"]}) == len(log["events"])
    for event in log["events"]:
        assert event["type"] in event_types, event["type"]
        assert {a["name"] for a in event["attributes"]} <= event_types[event["type"]], event
        assert event["time"].endswith("Z") and all(r["objectId"] in ids and r["qualifier"]
                                                   for r in event["relationships"])


def test_the_ocel_holds_each_move_as_an_event_linked_to_its_tasks_and_people(demo, clock):
    plan = moved_plan(demo, clock)
    log = demo.audit.ocel_log(Person("he.ping"), LogFilter("market_plan", label="id"))
    _check_ocel_2(log)
    mark = {"objectId": f"instance:{plan}", "qualifier": "instance"}
    every = [e for e in log["events"] if mark in e["relationships"]]
    lifecycle = {"instance started", "instance ended", "task created", "task claimed"}
    assert {e["type"] for e in every} >= lifecycle | {"init_counters", "signoff_route", "who_signs", "joint_tally"}
    mine = [e for e in every if e["type"] not in lifecycle and any(a["name"] == "seq" for a in e["attributes"])]
    assert [e["type"] for e in mine] == [
        "task urged", "research", "task transferred", "draft_plan", "task returned", "research", "manager_review",
        "countersign started", "joint_signoff", "joint_signoff", "countersign ended"]
    assert [int(next(a["value"] for a in e["attributes"] if a["name"] == "seq")) for e in mine] == sorted(
        int(next(a["value"] for a in e["attributes"] if a["name"] == "seq")) for e in mine)

    def people(event) -> set[tuple[str, str]]:
        return {(r["objectId"].removeprefix("person:"), r["qualifier"]) for r in event["relationships"]
                if r["objectId"].startswith("person:")}

    def attributes(event) -> dict:
        return {a["name"]: a["value"] for a in event["attributes"]}

    urge, research, transfer, _draft, returned, _again, _review, started, *_votes, ended = mine
    assert people(urge) == {("li.na", "urged by"), ("zhou.jie", "urged")}
    assert (attributes(urge)["step"], attributes(urge)["note"]) == ("research", "请尽快")
    assert people(research) == {("zhou.jie", "completed by"), ("wang.lei", "on behalf of")}
    assert people(transfer) == {("zhang.min", "transferred by"), ("zhang.min", "transferred from"),
                                ("feng.yi", "transferred to")}
    assert (attributes(transfer)["from"], attributes(transfer)["to"], attributes(transfer)["reason"]) == (
        "zhang.min", "feng.yi", "休假")
    task_of = {r["qualifier"]: r["objectId"] for r in transfer["relationships"] if r["objectId"].startswith("task:")}
    assert task_of == {"task": next(r["objectId"] for r in _draft["relationships"] if r["qualifier"] == "task")}
    assert people(returned) == {("li.na", "returned by")}
    assert people(started) == {("chen.yu", "signer"), ("sun.hao", "signer")}
    round_tasks = {r["objectId"] for r in started["relationships"] if r["qualifier"] == "round task"}
    vote_tasks = {r["objectId"] for e in _votes for r in e["relationships"] if r["qualifier"] == "task"}
    assert len(round_tasks) == 2 and round_tasks == vote_tasks
    assert {r["objectId"] for r in ended["relationships"] if r["qualifier"] == "round task"} == round_tasks
    assert people(ended) == {("sun.hao", "decided"), ("chen.yu", "decided"), ("chen.yu", "ended by")}
    assert attributes(ended)["decided"] == "sun.hao:approve,chen.yu:approve"
    assert attributes(started)["signers"] == "chen.yu,sun.hao" and attributes(started)["in_turn"] is False
    people_objects = {o["id"] for o in log["objects"] if o["type"] == "person"}
    assert {"person:feng.yi", "person:sun.hao", "person:wang.lei"} <= people_objects
