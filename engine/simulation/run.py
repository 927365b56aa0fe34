"""The discrete-event loop: cases arrive on a virtual clock, each user task queues for its role, people
(resources) take tasks in order and work them in office hours, the real model decides what comes next.

Reproducible: one seeded ``random.Random`` draws the arrivals, the durations and the resampled forms, in
event order (ties broken by a sequence number).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..calendar import CHINA, WorkingCalendar
from ..definitions.catalog import DeployedProcess
from ..errors import InvalidInput, ProcessError
from .model import ModelCase, OpenStep, Org, VirtualClock, default_form, script_engine_for
from .scenario import Scenario
from .worktime import OfficeHours

Progress = Callable[[int, int], None]
MAX_ERRORS = 5  # distinct failure messages kept


def quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class StepFigures:
    lane: str = ""
    waiting: list[float] = field(default_factory=list)  # elapsed hours, created -> taken
    working: list[float] = field(default_factory=list)  # elapsed hours, taken -> done

    def as_json(self) -> dict[str, Any]:
        n = len(self.working)
        return {"role": self.lane, "count": n,
                "waiting": _round(sum(self.waiting) / n) if n else 0.0,
                "working": _round(sum(self.working) / n) if n else 0.0,
                "waiting_median": _round(quantile(self.waiting, 0.5)),
                "working_median": _round(quantile(self.working, 0.5))}


@dataclass
class SimulationResult:
    cases: int
    completed: int
    unfinished: int
    failed: int
    cycle_hours: list[float]
    steps: dict[str, StepFigures]
    utilisation: dict[str, float]
    people: dict[str, int]
    ends: dict[str, int]
    errors: list[str]
    span_days: float

    def bottleneck(self) -> dict[str, Any] | None:
        """The step whose tasks waited longest in all, with its role's utilisation."""
        if not self.steps:
            return None
        step, figures = max(self.steps.items(), key=lambda item: sum(item[1].waiting))
        return {"step": step, "role": figures.lane, "waiting_hours": _round(sum(figures.waiting) / self.cases),
                "utilisation": self.utilisation.get(figures.lane)}

    def as_json(self) -> dict[str, Any]:
        mean = sum(self.cycle_hours) / len(self.cycle_hours) if self.cycle_hours else None
        return {"cases": self.cases, "completed": self.completed, "unfinished": self.unfinished,
                "failed": self.failed,
                "cycle_time": {"median": _round(quantile(self.cycle_hours, 0.5)),
                               "p90": _round(quantile(self.cycle_hours, 0.9)), "mean": _round(mean),
                               "unit": "hours"},
                "steps": {k: v.as_json() for k, v in self.steps.items()},
                "utilisation": {k: round(v, 3) for k, v in self.utilisation.items()},
                "people": dict(self.people), "bottleneck": self.bottleneck(), "ends": dict(self.ends),
                "errors": list(self.errors), "span_days": round(self.span_days, 1)}


def arrival_times(scenario: Scenario, office: OfficeHours, rng: random.Random) -> list[datetime]:
    """``scenario.cases`` arrival moments: a Poisson process whose rate per hour follows the weekday and
    hour shares, on working days only. :raise InvalidInput: when the shares leave no working hour."""
    arrivals = scenario.arrivals
    times: list[datetime] = []
    day = scenario.start_at
    for _ in range(366 * 30):
        if office.working(day):
            day_rate = arrivals.per_week * arrivals.by_weekday[day.weekday()]
            midnight = datetime.combine(day, datetime.min.time(), CHINA)
            for hour, share in enumerate(arrivals.by_hour):
                rate = day_rate * share
                if rate <= 0:
                    continue
                at = rng.expovariate(rate)
                while at < 1.0:
                    times.append(midnight + timedelta(hours=hour + at))
                    if len(times) == scenario.cases:
                        return times
                    at += rng.expovariate(rate)
        day += timedelta(days=1)
    raise InvalidInput("scenario: the arrivals give fewer cases than asked within 30 years (per_week too small, "
                       "or shares only on days nobody works)")


class Simulation:
    """One run of a scenario over a process (a deployed version or a draft)."""

    def __init__(self, process: DeployedProcess, scenario: Scenario, org: Org, calendar: WorkingCalendar,
                 run_action: Callable[[Callable[[], Any]], None]) -> None:
        self.process = process
        self.scenario = scenario
        self.org = org
        self.office = OfficeHours(calendar, scenario.office_hours)
        self.clock = VirtualClock(datetime.combine(scenario.start_at, datetime.min.time(), CHINA))
        self.script_engine = script_engine_for(org, self.clock, calendar)
        self.run_action = run_action
        self.rng = random.Random(scenario.seed)  # noqa: S311 - a simulation, not a secret
        self.events: list[tuple[datetime, int, str, int, Any]] = []
        self.seq = 0
        self.queues: dict[str, deque[tuple[datetime, int, OpenStep]]] = {}
        self.free: dict[str, list[int]] = {}
        self.busy_hours: dict[str, float] = {}
        self.steps: dict[str, StepFigures] = {}
        self.cases: dict[int, ModelCase] = {}
        self.arrived: dict[int, datetime] = {}
        self.cycle_hours: list[float] = []
        self.ends: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.last_moment = self.clock.now

    def _push(self, at: datetime, kind: str, case: int, payload: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, case, payload))

    def _form(self, step: str) -> dict[str, Any]:
        samples = self.scenario.data.get("steps", {}).get(step) or []
        if samples:
            return dict(self.rng.choice(samples))
        form = self.process.tasks.get(step)
        return default_form(form.schema if form else None)

    def _start_form(self) -> dict[str, Any]:
        samples = self.scenario.data.get("start") or []
        if samples:
            return dict(self.rng.choice(samples))
        return default_form(self.process.start_form)

    def _fail(self, case: int, exc: ProcessError) -> None:
        self.errors[exc.message] += 1
        self.cases.pop(case, None)

    def _opened(self, case: int, now: datetime, opened: list[OpenStep]) -> None:
        model = self.cases[case]
        if model.done:
            self.cycle_hours.append((now - self.arrived[case]).total_seconds() / 3600)
            self.ends[model.end_event or "end"] += 1
            del self.cases[case]
            return
        for step in opened:
            self.queues.setdefault(self._queue_of(step), deque()).append((now, case, step))
            self.steps.setdefault(step.step, StepFigures(step.lane))
        for queue in {self._queue_of(s) for s in opened}:
            self._dispatch(queue, now)

    @staticmethod
    def _queue_of(step: OpenStep) -> str:
        """A countersign's task waits for its own person (``@username``); others for their role."""
        return f"@{step.member}" if step.member else step.lane

    def _dispatch(self, queue_name: str, now: datetime) -> None:
        queue = self.queues.get(queue_name)
        size = 1 if queue_name.startswith("@") else self.scenario.people.get(queue_name, 0)
        free = self.free.setdefault(queue_name, list(range(size))[::-1])
        while queue and free:
            created, case, step = queue.popleft()
            if case not in self.cases:
                continue
            person = free.pop()
            duration = self.scenario.duration(step.step)
            hours = self.rng.lognormvariate(duration.mu, duration.sigma)
            taken = self.office.next_open(now)
            done = self.office.add(taken, hours)
            figures = self.steps[step.step]
            figures.waiting.append((taken - created).total_seconds() / 3600)
            figures.working.append((done - taken).total_seconds() / 3600)
            self.busy_hours[step.lane] = self.busy_hours.get(step.lane, 0.0) + hours
            self._push(done, "done", case, (queue_name, person, step))

    def run(self, progress: Progress | None = None) -> SimulationResult:
        for index, at in enumerate(arrival_times(self.scenario, self.office, self.rng)):
            self._push(at, "arrive", index)
        total = self.scenario.cases
        handled = 0
        while self.events:
            now, _seq, kind, case, payload = heapq.heappop(self.events)
            self.clock.now = now
            self.last_moment = max(self.last_moment, now)
            if kind == "arrive":
                self.arrived[case] = now
                try:
                    self.cases[case] = ModelCase(self.process, self.script_engine, self._start_form(),
                                                 self.run_action)
                    self._opened(case, now, self.cases[case].advance())
                except ProcessError as exc:
                    self._fail(case, exc)
            else:
                queue_name, person, step = payload
                self.free[queue_name].append(person)
                model = self.cases.get(case)
                if model is not None:
                    username = step.member or f"{step.lane}#{person + 1}"
                    try:
                        self._opened(case, now, model.complete(step.task_id, username, self._form(step.step)))
                    except ProcessError as exc:
                        self._fail(case, exc)
                self._dispatch(queue_name, now)
            handled += 1
            if progress is not None and handled % 100 == 0:
                progress(len(self.cycle_hours) + sum(self.errors.values()), total)
        if progress is not None:
            progress(total, total)
        return self._result()

    def _result(self) -> SimulationResult:
        first = min(self.arrived.values()) if self.arrived else self.clock.now
        available = self.office.between(first, self.last_moment)
        utilisation = {lane: (self.busy_hours.get(lane, 0.0) / (n * available) if n and available else 0.0)
                       for lane, n in sorted(self.scenario.people.items())}
        return SimulationResult(
            cases=self.scenario.cases, completed=len(self.cycle_hours), unfinished=len(self.cases),
            failed=sum(self.errors.values()), cycle_hours=self.cycle_hours, steps=self.steps,
            utilisation=utilisation, people=dict(self.scenario.people), ends=dict(self.ends),
            errors=[f"{n}× {message}" for message, n in self.errors.most_common(MAX_ERRORS)],
            span_days=(self.last_moment - first).total_seconds() / 86400)


def simulate(process: DeployedProcess, scenario: Scenario, org: Org, calendar: WorkingCalendar,
             run_action: Callable[[Callable[[], Any]], None], progress: Progress | None = None) -> SimulationResult:
    """Run ``scenario`` over ``process``; nothing is stored."""
    return Simulation(process, scenario, org, calendar, run_action).run(progress)

