"""A fresh demo database of market plans over every path, exported for process mining (XES and OCEL 2.0).

The plans go through the engine as people would: straight approvals (some claimed first), reworks, returns to
research, the director's veto and return, and the countersign (会签) of a big budget by the director and the
branch GM, approving, returning and vetoing; a few are cancelled or withdrawn, some are left running. Then

    .venv/bin/python bench/mining_demo.py /tmp/mining [--each 5]

writes /tmp/mining/market_plan.xes, market_plan.ocel.json and market_plan.bpmn (the deployed model) for
``bench/pm4py_check.py`` to replay in its own virtualenv (pm4py is AGPL: never in opsflow's).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import _common  # noqa: F401 - puts the repository on sys.path
from sqlalchemy import select

from engine.audit.xes import LogFilter
from engine.facade import Engine, build_engine
from engine.models import ProcessDefinition
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, decision, only_task, start_plan, step
from tests.process_paths import PATHS

BIG = {**DRAFT, "budget_cny": 2000000}  # above the sign-off threshold: the director and the branch GM countersign


def _to_countersign(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, BIG)
    step(engine, "li.na", "manager_review", plan, decision("approve"))


def countersign(first: str, second: str) -> Callable[[Engine, int], None]:
    def walk(engine: Engine, plan: int) -> None:
        _to_countersign(engine, plan)
        step(engine, "sun.hao", "joint_signoff", plan, decision(first, "分公司意见"))
        step(engine, "chen.yu", "joint_signoff", plan, decision(second, "总监意见"))
        if second == "return":  # the draft again, reviewed, and both sign this time
            step(engine, "zhang.min", "draft_plan", plan, BIG)
            step(engine, "li.na", "manager_review", plan, decision("approve"))
            step(engine, "sun.hao", "joint_signoff", plan, decision("approve"))
            step(engine, "chen.yu", "joint_signoff", plan, decision("approve"))
    return walk


def claimed_approval(engine: Engine, plan: int) -> None:
    for user, name, data in (("wang.lei", "research", RESEARCH), ("zhang.min", "draft_plan", DRAFT),
                             ("li.na", "manager_review", decision("approve")),
                             ("chen.yu", "director_signoff", decision("approve"))):
        task = int(only_task(engine, user, name, plan)["id"])
        engine.work.claim(Person(user), task)
        engine.work.complete(Person(user), task, data)


def director_return(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("return", "Sharper targets"))
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))


def cancelled(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)
    engine.work.cancel(Person("chen.yu"), plan, "Budget frozen")


def withdrawn(engine: Engine, plan: int) -> None:
    engine.work.withdraw(Person("li.na"), plan, "Filed twice")


def running(engine: Engine, plan: int) -> None:
    step(engine, "wang.lei", "research", plan, RESEARCH)


WALKS: dict[str, Callable[[Engine, int], None]] = {
    **PATHS, "claimed_approval": claimed_approval, "director_return": director_return,
    "countersign_approve": countersign("approve", "approve"), "countersign_veto": countersign("approve", "veto"),
    "countersign_return": countersign("approve", "return"), "cancelled": cancelled, "withdrawn": withdrawn,
    "running": running}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--each", type=int, default=5, help="plans per path (default 5)")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    database = args.folder / "demo.sqlite"
    database.unlink(missing_ok=True)
    engine = build_engine(f"sqlite:///{database}")
    engine.setup.init(demo=True)
    began = time.perf_counter()
    made: dict[str, int] = {}
    for _ in range(args.each):
        for name, walk in WALKS.items():
            walk(engine, start_plan(engine))
            made[name] = made.get(name, 0) + 1
    print(f"{sum(made.values())} plans in {time.perf_counter() - began:.1f} s:", json.dumps(made))
    auditor = Person("he.ping")
    with open(args.folder / "market_plan.xes", "w", encoding="utf-8") as out:
        for piece in engine.audit.xes_log(auditor, LogFilter("market_plan")):
            out.write(piece)
    log = engine.audit.ocel_log(auditor, LogFilter("market_plan"))
    (args.folder / "market_plan.ocel.json").write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    with engine.db.connect() as connection:
        xml = connection.scalar(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.key == "market_plan")
                                .order_by(ProcessDefinition.version.desc()).limit(1))
    (args.folder / "market_plan.bpmn").write_text(str(xml), encoding="utf-8")
    print(f"wrote {args.folder}/market_plan.xes, market_plan.ocel.json ({len(log['events'])} events), market_plan.bpmn")
    engine.db.dispose()


if __name__ == "__main__":
    main()
