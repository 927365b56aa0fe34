"""The department bench/big_db.py builds, as the Engine makes it (not a benchmark itself).

About 300 people under the demo organisation, market plans driven by the Engine to each wait state
and end (the templates bench/_clones.py copies), and appraisal cycles worked through by the Engine.
Only the engine's public surface is used: ``build_engine``, the ``Engine`` methods and the
``engine.models`` tables.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import _clones
from sqlalchemy import event, select, update

from engine.appraisal import cycles as cycle_rules
from engine.errors import Conflict
from engine.facade import Engine, build_engine
from engine.models import HumanTask, ProcessInstance, User
from engine.org.people import Person
from tests.journey import DRAFT, OPERATOR, RESEARCH

PASSWORD = os.environ.get("OPSFLOW_DEMO_PASSWORD", "opsflow-demo")
DIRECTOR = "chen.yu"
MANY_TASKS = "wang.lei"  # research supervisor: every unclaimed research task is in his team list
FEW_TASKS = "zhou.jie"  # a team lead: his own self-assessment and his four reports' scorings
FEW_REPORTS = 4
INVOLVED = "zhang.min"  # planning supervisor who drafted a large share of the plans (few started)
BIG_STARTER = "li.na"  # marketing manager who started a large share of the plans
WORKERS = 2  # processes that drive the appraisals


def quick_commits(engine: Engine) -> None:
    """Let the build's own engine commit without waiting for the disk (what it writes is the same)."""
    def no_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF" if engine.db.dialect.name == "sqlite" else
                       "SET synchronous_commit TO off")
        cursor.close()
        if engine.db.dialect.name != "sqlite":
            dbapi_connection.commit()

    event.listen(engine.db, "connect", no_wait)  # after the engine's own listener, so it wins


# -- the organisation ---------------------------------------------------------------------------------
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "丹", "鹏", "琳", "昊"]


def display(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7 + i // len(SURNAMES)) % len(GIVEN)]


def org_people(total: int) -> list[tuple[str, str, str]]:
    """(username, role, reports_to) of the people added to the demo organisation, managers first."""
    people: list[tuple[str, str, str]] = []
    managers = ["li.na"] + [f"mm{i:02d}" for i in range(2, 7)]
    people += [(m, "marketing_manager", DIRECTOR) for m in managers[1:]]
    people += [("om01", "ops_manager", DIRECTOR), ("pr01", "pr_supervisor", "sun.hao"),
               ("cs01", "cs_supervisor", "sun.hao")]
    lanes = {"research_supervisor": ["wang.lei"] + [f"rs{i:02d}" for i in range(2, 5)],
             "planning_supervisor": ["zhang.min"] + [f"ps{i:02d}" for i in range(2, 7)],
             "promotion_supervisor": ["liu.yang"] + [f"pm{i:02d}" for i in range(2, 4)]}
    n = 0
    for role, names in lanes.items():
        for name in names[1:]:
            people.append((name, role, managers[n % len(managers)]))
            n += 1
    supervisors = [u for names in lanes.values() for u in names] + ["pr01", "cs01", "om01"]
    demo_leads = {"wang.lei": ["zhou.jie", "wu.fang"], "zhang.min": ["zheng.hui"], "liu.yang": ["feng.yi"]}
    leads: list[str] = []
    for supervisor in supervisors:
        mine = list(demo_leads.get(supervisor, []))
        while len(mine) < 2:
            name = f"lead{len(leads) + len(mine) + 1:02d}"
            people.append((name, "staff", supervisor))
            mine.append(name)
        leads += mine
    staff = max(FEW_REPORTS, total - 13 - len(people))
    others = [lead for lead in leads if lead != FEW_TASKS]
    for i in range(staff):
        lead = FEW_TASKS if i < FEW_REPORTS else others[(i - FEW_REPORTS) % len(others)]
        people.append((f"staff{i + 1:03d}", "staff", lead))
    return people


def build_org(engine: Engine, users: int) -> dict[str, list[str]]:
    """Add the people; give them the demo users' password hash; return the holders of each role."""
    for i, (username, role, manager) in enumerate(org_people(users)):
        engine.org.add_user(OPERATOR, username, [role], reports_to=manager, display_name=display(i),
                        email=f"{username}@example.com")
    with engine.db.begin() as conn:
        digest = conn.scalar(select(User.password_hash).where(User.username == DIRECTOR))
        conn.execute(update(User).where(User.password_hash.is_(None)).values(password_hash=digest))
    holders: dict[str, list[str]] = {}
    for user in engine.org.users(OPERATOR):
        for role in user.roles:
            holders.setdefault(role, []).append(user.username)
    return holders


# -- market-plan templates, driven by the Engine --------------------------------------------------------
# The people a template is made by; a copy puts others in their places.
SLOTS = {"starter": "mm02", "researcher": MANY_TASKS, "planner": INVOLVED, "reviewer": "li.na",
         "director": DIRECTOR}
START = {"title": _clones.TITLE_MARK, "period_type": "quarterly", "period": _clones.PERIOD_MARK,
         "brief": "Grow our share of the district's households this period"}
PLAN_DRAFT = {**DRAFT, "title": _clones.TITLE_MARK, "period": _clones.PERIOD_MARK}
R = ("complete", "research", "researcher", RESEARCH)
D = ("complete", "draft_plan", "planner", PLAN_DRAFT)
OK_M = ("complete", "manager_review", "reviewer", {"decision": "approve"})
BACK_M = ("complete", "manager_review", "reviewer", {"decision": "return", "comment": "The budget needs a breakdown"})
BACK_R = ("complete", "manager_review", "reviewer",
          {"decision": "return_research", "comment": "The competitor data is a year old"})
OK_D = ("complete", "director_signoff", "director", {"decision": "approve"})
BACK_D = ("complete", "director_signoff", "director", {"decision": "return", "comment": "Phase the launch"})
VETO = ("complete", "director_signoff", "director", {"decision": "veto", "comment": "Not this year"})
CANCEL = ("cancel", "", "director", {"reason": "Merged into the regional plan"})
# name -> (how to get there, share of the copies)
TEMPLATES: dict[str, tuple[list[tuple[str, str, str, dict[str, Any]]], float]] = {
    "research": ([], 0.28),
    "research_claimed": ([("claim", "research", "researcher", {})], 0.005),
    "rework_research": ([R, D, BACK_R], 0.015),
    "draft": ([R], 0.07),
    "draft_claimed": ([R, ("claim", "draft_plan", "planner", {})], 0.04),
    "rework_draft": ([R, D, BACK_M], 0.03),
    "director_return": ([R, D, OK_M, BACK_D], 0.01),
    "review": ([R, D], 0.06),
    "review_round2": ([R, D, BACK_M, D], 0.015),
    "signoff": ([R, D, OK_M], 0.07),
    "approved": ([R, D, OK_M, OK_D], 0.17),
    "approved_after_rework": ([R, D, BACK_M, D, OK_M, OK_D], 0.04),
    "approved_after_director_return": ([R, D, OK_M, BACK_D, D, OK_M, OK_D], 0.02),
    "approved_at_rework_cap": ([R, D, *[BACK_M, D] * 5, BACK_M, OK_D], 0.005),
    "vetoed": ([R, D, OK_M, VETO], 0.03),
    "cancelled_at_research": ([CANCEL], 0.10),
    "cancelled_at_review": ([R, D, CANCEL], 0.04),
}


def open_task(engine: Engine, instance_id: int, name: str | None = None) -> tuple[int, str, str | None]:
    """(id, name, holder) of an instance's open task (``name``: that one)."""
    ht = HumanTask.__table__
    query = (select(ht.c.id, ht.c.name, User.username).outerjoin(User, User.id == ht.c.assignee_id)
             .where(ht.c.instance_id == instance_id, ht.c.state == "open").order_by(ht.c.id))
    if name:
        query = query.where(ht.c.name == name)
    with engine.db.connect() as conn:
        rows = conn.execute(query).all()
    if len(rows) != 1:
        raise RuntimeError(f"instance {instance_id}: expected one open {name or ''} task, found {rows}")
    return int(rows[0][0]), str(rows[0][1]), rows[0][2]


def make_templates(engine: Engine) -> dict[str, int]:
    made = {}
    for name, (actions, _share) in TEMPLATES.items():
        instance_id = int(engine.work.start(Person(SLOTS["starter"]), "market_plan", START).id)
        for verb, task, slot, data in actions:
            user = SLOTS[slot]
            if verb == "cancel":
                engine.work.cancel(Person(user), instance_id, data["reason"])
            elif verb == "claim":
                engine.work.claim(Person(user), open_task(engine, instance_id, task)[0])
            else:
                engine.work.complete(Person(user), open_task(engine, instance_id, task)[0], data)
        made[name] = instance_id
    return made


# -- appraisal cycles, worked through by the Engine -----------------------------------------------------
def scores(base: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for i, key in enumerate(("goals", "quality", "teamwork", "innovation")):
        data[key] = max(1, min(5, base + (i % 2)))
        data[f"{key}_comment"] = f"{key}: as agreed in the last review"
    return data


APPRAISAL_STEPS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "self_assessment": lambda rng: {**scores(rng.randint(2, 4)), "achievements": "Opened two new dealer channels"},
    "manager_scoring": lambda rng: scores(rng.randint(2, 4)),
    "calibration": lambda rng: {"decision": "confirm"},
    "acknowledge": lambda rng: ({"decision": "object", "comment": "My project results are missing"}
                                if rng.random() < 0.1 else {"decision": "accept"}),
    "objection_review": lambda rng: {"decision": "uphold", "comment": "The results were counted in goals"},
}
STOPS = ["self_assessment", "manager_scoring", "calibration", "acknowledge", "objection_review", "recorded"]
STOP_SHARES = [0.35, 0.30, 0.15, 0.10, 0.03, 0.07]


def drive_appraisal(engine: Engine, instance_id: int, stop: str, rng: random.Random) -> None:
    """Complete an appraisal's steps until it waits at ``stop`` (or is recorded)."""
    while True:
        with engine.db.connect() as conn:
            status = conn.scalar(select(ProcessInstance.status).where(ProcessInstance.id == instance_id))
        if status != "running":
            return
        task_id, name, holder = open_task(engine, instance_id)
        if name == stop or holder is None:
            return
        data = APPRAISAL_STEPS[name](rng)
        if name == "acknowledge" and stop == "objection_review":
            data = {"decision": "object", "comment": "My project results are missing"}
        for attempt in range(10):
            try:
                engine.work.complete(Person(holder), task_id, data)
                break
            except Conflict:  # SQLite: the other process held the write lock as this one began writing
                if attempt == 9:
                    raise
                time.sleep(0.05 * (attempt + 1))


def drive_share(url: str, work: list[tuple[int, str]], seed: int) -> None:
    """Drive appraisals (id, stop) with an engine of this process's own."""
    engine = build_engine(url)
    quick_commits(engine)
    try:
        for appraisal_id, stop in work:
            drive_appraisal(engine, appraisal_id, stop, random.Random(seed * 1_000_003 + appraisal_id))
    finally:
        engine.db.dispose()


def drive_all(engine: Engine, work: list[tuple[int, str]], seed: int) -> None:
    """Drive the appraisals in two processes (their instances are independent); two cores, half the wait."""
    url = engine.db.url.render_as_string(hide_password=False)
    engine.db.dispose()  # no pooled connection crosses the fork
    shares = [work[i::WORKERS] for i in range(WORKERS)]
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        pool.starmap(drive_share, [(url, share, seed) for share in shares])


def run_cycles(engine: Engine, cycles: int, seed: int, rng: random.Random, now: datetime) -> list[str]:
    """``cycles`` closed quarters, every appraisal recorded, then the current one with appraisals at every step."""
    quarter = (now.month - 1) // 3
    periods = []
    for back in range(cycles, -1, -1):
        year, q = divmod(now.year * 4 + quarter - back, 4)
        periods.append(f"{year}-Q{q + 1}")
    for period in periods:
        current = period == periods[-1]
        batch, cycle_rules.OPEN_BATCH = cycle_rules.OPEN_BATCH, 10**6  # every appraisal opens with its cycle here
        try:
            opened = engine.work.start(Person(DIRECTOR), "appraisal_cycle", {"period": period,
                                                                             "period_type": "quarterly"})
        finally:
            cycle_rules.OPEN_BATCH = batch
        with engine.db.connect() as conn:
            employees = dict(conn.execute(
                select(ProcessInstance.id, ProcessInstance.data_json).where(
                    ProcessInstance.id.in_(opened.hook_result["appraisal_ids"]))).all())
        work = []
        for appraisal_id in opened.hook_result["appraisal_ids"]:
            start = json.loads(employees[appraisal_id])["start"]
            if not current:
                stop = "recorded"
            elif start["employee"] == FEW_TASKS:
                stop = "self_assessment"
            elif start["appraiser"] == FEW_TASKS:
                stop = "manager_scoring"
            else:
                stop = rng.choices(STOPS, STOP_SHARES)[0]
            work.append((appraisal_id, stop))
        drive_all(engine, work, seed)
        if not current:
            engine.work.complete(Person(DIRECTOR), open_task(engine, opened.id, "close_cycle")[0],
                                 {"summary": f"{period}: all appraisals recorded"})
    return periods


# What the checks do next at each step, and who may (holders of the lane's role).
NEXT_STEP = {"research": RESEARCH, "draft_plan": PLAN_DRAFT, "manager_review": {"decision": "approve"},
             "director_signoff": {"decision": "approve"}}
LANE_USER = {"research": MANY_TASKS, "draft_plan": INVOLVED, "manager_review": "li.na",
             "director_signoff": DIRECTOR}
