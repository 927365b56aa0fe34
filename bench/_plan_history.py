"""A market-plan history made by the Engine itself on a moving clock (not a benchmark itself).

Requests arrive in office hours of working days; each open step waits for a free holder of its role
(a countersign's task for its own person), who claims it and completes it after a lognormal working time
in office hours, with the decisions and budgets drawn below. The clock is the engine's own (injected),
so the history's timestamps are those of the story. ``bench/simulate.py`` and the back-test read it.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from datetime import UTC, date, datetime
from typing import Any

from _common import REPO  # noqa: F401  (puts the repository on sys.path)
from sqlalchemy import select

from engine.calendar import CHINA
from engine.errors import FormInvalid
from engine.facade import Engine, build_engine
from engine.models import HumanTask, User
from engine.org.people import Person
from engine.simulation.worktime import OfficeHours
from tests.journey import DRAFT, RESEARCH, START

# The truth the history is made from: median working hours and spread per step, decisions' shares.
TRUE_HOURS = {"research": (4.0, 0.6), "draft_plan": (5.0, 0.5), "manager_review": (1.5, 0.7),
              "director_signoff": (1.0, 0.6), "joint_signoff": (2.0, 0.6)}
MANAGER = [("approve", 0.72), ("return", 0.2), ("return_research", 0.08)]
DIRECTOR = [("approve", 0.88), ("return", 0.08), ("veto", 0.04)]
PER_WEEK = 3.5
STARTER = "li.na"


class MovingClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _pick(rng: random.Random, shares: list[tuple[str, float]]) -> str:
    return rng.choices([s for s, _ in shares], [w for _, w in shares])[0]


def form_for(step: str, rng: random.Random) -> dict[str, Any]:
    if step == "research":
        return dict(RESEARCH)
    if step == "draft_plan":
        return {**DRAFT, "budget_cny": int(round(rng.lognormvariate(13.2, 0.45), -3))}  # ~540k median, ~1/4 > 1M
    decision = _pick(rng, MANAGER if step == "manager_review" else DIRECTOR)
    return {"decision": decision, **({"comment": "See the notes"} if decision != "approve" else {})}


def build_history(url: str, cases: int, seed: int = 7, first_day: date = date(2026, 3, 2),
                  per_week: float = PER_WEEK) -> Engine:
    """A fresh demo database at ``url`` with ``cases`` market plans driven to their end, ``per_week`` arriving
    a working week on average."""
    clock = MovingClock(datetime.combine(first_day, datetime.min.time(), CHINA).astimezone(UTC))
    engine = build_engine(url, clock=clock)
    engine.setup.init(demo=True)
    office = OfficeHours(engine.collaborators.calendar)
    rng = random.Random(seed)
    holders: dict[str, list[str]] = {}
    for user in engine.org.users(Person("admin")):
        for role in user.roles:
            holders.setdefault(role, []).append(user.username)
    free = {role: sorted(names) for role, names in holders.items()}
    queues: dict[str, deque[tuple[int, str, str | None]]] = {}
    events: list[tuple[datetime, int, str, Any]] = []
    seq = 0

    def push(at: datetime, kind: str, payload: Any) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, payload))

    moment = clock.now
    for _ in range(cases):  # Poisson arrivals in office hours
        moment = office.add(moment, rng.expovariate(per_week / 45.0))
        push(moment, "start", None)
    seen: set[int] = set()

    def new_tasks(instance_id: int, now: datetime) -> None:
        with engine.db.connect() as conn:
            rows = conn.execute(select(HumanTask.id, HumanTask.name, HumanTask.lane, User.username)
                                .outerjoin(User, User.id == HumanTask.assignee_id)
                                .where(HumanTask.instance_id == instance_id, HumanTask.state == "open")).all()
        for task_id, name, lane, assignee in rows:
            if task_id not in seen:
                seen.add(task_id)
                queues.setdefault(assignee or lane, deque()).append((task_id, name, assignee))
                dispatch(assignee or lane, now)

    def dispatch(queue_name: str, now: datetime) -> None:
        queue = queues.get(queue_name)
        pool = free.setdefault(queue_name, [queue_name]) if queue and queue[0][2] else free.get(queue_name, [])
        while queue and pool:
            task_id, name, assignee = queue.popleft()
            person = pool.pop(0)
            taken = office.next_open(now)
            median, sigma = TRUE_HOURS[name]
            done = office.add(taken, rng.lognormvariate(math.log(median), sigma))
            push(taken, "claim", (task_id, person, assignee))
            push(done, "complete", (task_id, name, person, queue_name))

    while events:
        now, _, kind, payload = heapq.heappop(events)
        clock.now = now
        if kind == "start":
            started = engine.work.start(Person(STARTER), "market_plan", {**START, "title": f"Plan {seq}"})
            new_tasks(int(started.id), now)
        elif kind == "claim":
            task_id, person, assignee = payload
            with engine.db.connect() as conn:
                state = conn.scalar(select(HumanTask.state).where(HumanTask.id == task_id))
            if assignee is None and state == "open":
                engine.work.claim(Person(person), task_id)
        else:
            task_id, name, person, queue_name = payload
            with engine.db.connect() as conn:
                instance_id, state = conn.execute(select(HumanTask.instance_id, HumanTask.state)
                                                  .where(HumanTask.id == task_id)).one()
            if state == "open":
                try:
                    engine.work.complete(Person(person), task_id, form_for(name, rng))
                except FormInvalid:  # a decision the step does not offer now (e.g. a veto in this round)
                    engine.work.complete(Person(person), task_id, {"decision": "approve"})
            free.setdefault(queue_name, []).append(person)
            new_tasks(int(instance_id), now)
            dispatch(queue_name, now)
    return engine

