"""The discrete-event loop: cases arrive on a virtual clock, each user task queues for its role, people
(resources) take tasks in order and work them in office hours, the real model decides what comes next.
The model's timers fire when the virtual clock reaches them (``timers``); a holder may return the request to an
earlier step, and people are away, as fitted (``detours``).

Reproducible: one seeded ``random.Random`` draws the arrivals, the durations, the returns and the resampled
forms, in event order (ties broken by a sequence number); who is away is drawn from the seed per person and day.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, deque
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from ..calendar import CHINA, WorkingCalendar
from ..definitions.catalog import DeployedProcess
from ..errors import InvalidInput, ProcessError
from .detours import Presence, pick_return
from .figures import SimulationResult, StepFigures, quantile
from .model import ModelCase, OpenStep, Org, VirtualClock, default_form, script_engine_for
from .scenario import Scenario
from .timers import VirtualNow, due_at
from .worktime import OfficeHours

Progress = Callable[[int, int], None]
MAX_ERRORS = 5  # distinct failure messages kept
Arrival = tuple[datetime, dict[str, Any] | None]  # when a case starts, and its start form (None: resampled)
__all__ = ["Arrival", "Simulation", "SimulationResult", "quantile", "simulate"]


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
    """One run of a scenario over a process (a deployed version or a draft).

    ``arrivals``: the cases to start (moment and start form) instead of drawing them from the scenario's
    arrival pattern: a back-test replays the actual ones this way. ``measured_from``: only cases arriving from
    then on give a cycle time; the earlier ones warm the queues up (a back-test starts with the work that was
    under way, not with idle people).
    """

    def __init__(self, process: DeployedProcess, scenario: Scenario, org: Org, calendar: WorkingCalendar,
                 run_action: Callable[[Callable[[], Any]], None], arrivals: list[Arrival] | None = None,
                 measured_from: datetime | None = None) -> None:
        self.measured_from = measured_from
        self.process = process
        self.scenario = scenario
        self.org = org
        self.calendar = calendar
        self.office = OfficeHours(calendar, scenario.office_hours)
        self.clock = VirtualClock(datetime.combine(scenario.start_at, datetime.min.time(), CHINA))
        self.script_engine = script_engine_for(org, self.clock, calendar)
        self.run_action = run_action
        self.given = arrivals
        self.rng = random.Random(scenario.seed)  # noqa: S311 - a simulation, not a secret
        self.presence = Presence(scenario.seed, scenario.away)
        self.virtual_now = VirtualNow()
        self.events: list[tuple[datetime, int, str, int, Any]] = []
        self.seq = 0
        self.queues: dict[str, deque[tuple[datetime, int, OpenStep]]] = {}
        self.free: dict[str, list[int]] = {}
        self.busy_hours: dict[str, float] = {}
        self.steps: dict[str, StepFigures] = {}
        self.cases: dict[int, ModelCase] = {}
        self.arrived: dict[int, datetime] = {}
        self.open_steps: dict[UUID, tuple[int, str]] = {}  # handed out, not yet done: case and step
        self.due: dict[UUID, datetime] = {}  # a step's deadline from its due window
        self.timer_at: dict[int, datetime] = {}  # the timer each case waits for, as scheduled
        self.wake_at: dict[str, datetime] = {}  # a queue whose free people are all away: when to look again
        self.timers_fired = 0
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
            if self.measured_from is None or self.arrived[case] >= self.measured_from:
                self.cycle_hours.append((now - self.arrived[case]).total_seconds() / 3600)
                self.ends[model.end_event or "end"] += 1
            del self.cases[case]
            return
        data = model.data if opened else {}
        for step in opened:
            self.queues.setdefault(self._queue_of(step), deque()).append((now, case, step))
            figures = self.steps.setdefault(step.step, StepFigures(step.lane))
            self.open_steps[step.task_id] = (case, step.step)
            deadline = due_at(self.process.tasks.get(step.step), data, now, self.calendar)
            if deadline is not None:
                figures.with_deadline += 1
                self.due[step.task_id] = deadline
        due = model.next_timer()
        if due is not None and self.timer_at.get(case) != due:
            self.timer_at[case] = due
            self._push(max(due, now) + timedelta(seconds=1), "timer", case, due)  # the library fires after it
        for queue in {self._queue_of(s) for s in opened}:
            self._dispatch(queue, now)

    @staticmethod
    def _queue_of(step: OpenStep) -> str:
        """A countersign's task waits for its own person (``@username``); others for their role."""
        return f"@{step.member}" if step.member else step.lane

    def _present(self, queue_name: str, free: list[int], day: date) -> int | None:
        """The free person of the queue who is in on ``day`` (the one free longest); a person's own queue
        (``@``) always has someone: their proxy takes it while they are away."""
        if queue_name.startswith("@"):
            return free[-1]
        for index in range(len(free) - 1, -1, -1):
            if not self.presence.is_away(queue_name, free[index], day):
                return free[index]
        return None

    def _dispatch(self, queue_name: str, now: datetime) -> None:
        queue = self.queues.get(queue_name)
        size = 1 if queue_name.startswith("@") else self.scenario.people.get(queue_name, 0)
        free = self.free.setdefault(queue_name, list(range(size))[::-1])
        while queue and free:
            created, case, step = queue[0]
            model = self.cases.get(case)
            if model is None or not model.is_open(step.task_id):  # the case failed, or a timer closed the step
                queue.popleft()
                continue
            taken = self.office.next_open(now)
            person = self._present(queue_name, free, taken.astimezone(CHINA).date())
            if person is None:  # everyone free is away that day: look again when the next day opens
                self._wake(queue_name, taken)
                return
            queue.popleft()
            free.remove(person)
            duration = self.scenario.duration(step.step)
            hours = self.rng.lognormvariate(duration.mu, duration.sigma)
            done = self.office.add(taken, hours)
            figures = self.steps[step.step]
            figures.waiting.append((taken - created).total_seconds() / 3600)
            figures.working.append((done - taken).total_seconds() / 3600)
            self.busy_hours[step.lane] = self.busy_hours.get(step.lane, 0.0) + hours
            self._push(done, "done", case, (queue_name, person, step))

    def _wake(self, queue_name: str, taken: datetime) -> None:
        next_day = datetime.combine(taken.astimezone(CHINA).date() + timedelta(days=1), time(0), CHINA)
        at = self.office.next_open(next_day)
        if self.wake_at.get(queue_name) != at:
            self.wake_at[queue_name] = at
            self._push(at, "wake", -1, queue_name)

    def _done(self, now: datetime, case: int, payload: tuple[str, int, OpenStep]) -> None:
        queue_name, person, step = payload
        self.free[queue_name].append(person)
        model = self.cases.get(case)
        self.open_steps.pop(step.task_id, None)
        due = self.due.pop(step.task_id, None)
        if model is not None and model.is_open(step.task_id):
            figures = self.steps[step.step]
            figures.overdue += due is not None and now > due
            username = step.member or f"{step.lane}#{person + 1}"
            try:
                to_step = pick_return(self.rng, self.scenario.returns, step.step,
                                      model.passed(self.process, step.task_id)) \
                    if step.step in self.scenario.returns else None
                if to_step is not None:
                    figures.returned += 1
                    opened = model.give_back(self.process, step.task_id, to_step, username)
                else:
                    form = self.process.tasks.get(step.step)
                    opened = model.complete(step.task_id, username, self._form(step.step),
                                            form.schema if form else None)
                self._opened(case, now, opened)
            except ProcessError as exc:
                self._fail(case, exc)
        self._dispatch(queue_name, now)

    def _timer(self, now: datetime, case: int, due: datetime) -> None:
        model = self.cases.get(case)
        if model is None or self.timer_at.get(case) != due:
            return
        del self.timer_at[case]
        self.timers_fired += 1
        waiting = [(task_id, step) for task_id, (owner, step) in self.open_steps.items() if owner == case]
        try:
            opened = model.fire_timers()
        except ProcessError as exc:
            self._fail(case, exc)
            return
        for task_id, step in waiting:
            if not model.is_open(task_id):  # closed by the timer (a boundary deadline)
                self.steps[step].expired += 1
                self.open_steps.pop(task_id, None)
        self._opened(case, now, opened)

    def _arrivals(self) -> list[Arrival]:
        if self.given is not None:
            return sorted(self.given, key=lambda a: a[0])
        return [(at, None) for at in arrival_times(self.scenario, self.office, self.rng)]

    def run(self, progress: Progress | None = None) -> SimulationResult:
        arrivals = self._arrivals()
        for index, (at, _form) in enumerate(arrivals):
            self._push(at, "arrive", index, _form)
        total = len(arrivals)
        handled = 0
        with self.virtual_now.running(self.clock.now):
            while self.events:
                now, _seq, kind, case, payload = heapq.heappop(self.events)
                self.clock.now = now
                self.virtual_now.set(now)
                self.last_moment = max(self.last_moment, now)
                if kind == "arrive":
                    self._arrive(now, case, payload)
                elif kind == "done":
                    self._done(now, case, payload)
                elif kind == "timer":
                    self._timer(now, case, payload)
                else:  # "wake": a queue whose people were away
                    self.wake_at.pop(payload, None)
                    self._dispatch(payload, now)
                handled += 1
                if progress is not None and handled % 100 == 0:
                    progress(len(self.cycle_hours) + sum(self.errors.values()), total)
        if progress is not None:
            progress(total, total)
        measured = sum(1 for at, _ in arrivals if self.measured_from is None or at >= self.measured_from)
        return self._result(measured)

    def _arrive(self, now: datetime, case: int, start: dict[str, Any] | None) -> None:
        self.arrived[case] = now
        try:
            form = dict(start) if start is not None else self._start_form()
            self.cases[case] = ModelCase(self.process, self.script_engine, form, self.run_action)
            self._opened(case, now, self.cases[case].advance())
        except ProcessError as exc:
            self._fail(case, exc)

    def _result(self, total: int) -> SimulationResult:
        first = min(self.arrived.values()) if self.arrived else self.clock.now
        available = self.office.between(first, self.last_moment)
        utilisation = {lane: (self.busy_hours.get(lane, 0.0) / (n * available) if n and available else 0.0)
                       for lane, n in sorted(self.scenario.people.items())}
        return SimulationResult(
            cases=total, completed=len(self.cycle_hours),
            unfinished=sum(1 for c in self.cases
                           if self.measured_from is None or self.arrived[c] >= self.measured_from),
            failed=sum(self.errors.values()), cycle_hours=self.cycle_hours, steps=self.steps,
            utilisation=utilisation, people=dict(self.scenario.people), ends=dict(self.ends),
            errors=[f"{n}× {message}" for message, n in self.errors.most_common(MAX_ERRORS)],
            span_days=(self.last_moment - first).total_seconds() / 86400, timers_fired=self.timers_fired)


def simulate(process: DeployedProcess, scenario: Scenario, org: Org, calendar: WorkingCalendar,
             run_action: Callable[[Callable[[], Any]], None], progress: Progress | None = None,
             arrivals: list[Arrival] | None = None, measured_from: datetime | None = None) -> SimulationResult:
    """Run ``scenario`` over ``process`` (with ``arrivals``: those cases instead of drawn ones; ``measured_from``:
    cycle times of the cases arriving from then on only); nothing is stored."""
    return Simulation(process, scenario, org, calendar, run_action, arrivals, measured_from).run(progress)
