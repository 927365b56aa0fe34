"""A simulation scenario: what a run needs, as fitted from history and as an analyst edits it (JSON).

    {"cases": 1000, "seed": 7, "start_at": "2027-03-01",
     "office_hours": [9, 18],
     "arrivals": {"per_week": 12.5, "by_weekday": [7 shares], "by_hour": [24 shares]},
     "durations": {"research": {"mu": 2.1, "sigma": 0.6, "n": 180}, ...},   # working hours, lognormal
     "people": {"research_supervisor": 4, ...},
     "away": {"research_supervisor": 0.05, ...},         # share of working days a person of the role is away
     "returns": {"manager_review": {"share": 0.1, "to": {"research": 0.3, "draft_plan": 0.7}}, ...},
     "data": {"start": [start forms], "steps": {"manager_review": [submitted forms], ...}}}

Durations are the working time of a step (from being taken to being done), in office hours, lognormal
with ``mu``/``sigma`` of the hours' natural logarithm (maximum likelihood: the mean and standard deviation
of the logs). Waiting is not a parameter: it comes out of the queues. Branches are not parameters
either: the forms people submitted (and the start forms) are resampled, and the model's own conditions
and DMN tables decide. Timers are not parameters: the model's own timers and due windows run on the virtual
clock. What happens beside the model is: returns to an earlier step, and people away (``detours``).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ..errors import InvalidInput
from .worktime import DEFAULT_OFFICE_HOURS

MAX_CASES = 20_000
DEFAULT_CASES = 1000
DEFAULT_DURATION = {"mu": math.log(4.0), "sigma": 0.5, "n": 0}  # a step never seen: about half a day


@dataclass
class Duration:
    """A lognormal working time in hours."""

    mu: float
    sigma: float
    n: int = 0

    @property
    def median_hours(self) -> float:
        return math.exp(self.mu)

    @property
    def mean_hours(self) -> float:
        return math.exp(self.mu + self.sigma ** 2 / 2)


def fit_lognormal(hours: list[float]) -> Duration | None:
    """Maximum-likelihood lognormal of positive samples (None for fewer than two)."""
    logs = [math.log(max(h, 1 / 60)) for h in hours if h >= 0]
    if len(logs) < 2:
        return None
    return Duration(statistics.fmean(logs), statistics.pstdev(logs), len(logs))


@dataclass
class Arrivals:
    per_week: float
    by_weekday: list[float] = field(default_factory=lambda: [1 / 5] * 5 + [0.0, 0.0])
    by_hour: list[float] = field(default_factory=lambda: [0.0] * 9 + [1 / 9] * 9 + [0.0] * 6)


@dataclass
class Scenario:
    cases: int
    seed: int
    start_at: date
    arrivals: Arrivals
    durations: dict[str, Duration]
    people: dict[str, int]
    data: dict[str, Any]  # {"start": [forms], "steps": {step: [forms]}}
    office_hours: tuple[float, float] = DEFAULT_OFFICE_HOURS
    away: dict[str, float] = field(default_factory=dict)  # role -> share of working days away
    returns: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> {"share", "to": {step: share}}

    def duration(self, step: str) -> Duration:
        found = self.durations.get(step)
        return found if found is not None else Duration(**DEFAULT_DURATION)  # type: ignore[arg-type]

    def as_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "seed": self.seed, "start_at": self.start_at.isoformat(),
                "office_hours": list(self.office_hours), "arrivals": asdict(self.arrivals),
                "durations": {k: {**asdict(v), "median_hours": round(v.median_hours, 3)}
                              for k, v in self.durations.items()},
                "people": dict(self.people), "away": dict(self.away),
                "returns": {k: dict(v) for k, v in self.returns.items()}, "data": self.data}


def _number(value: Any, what: str, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= float(value) <= high \
            or math.isnan(float(value)):
        raise InvalidInput(f"scenario: {what} must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _shares(value: Any, size: int, what: str) -> list[float]:
    if not isinstance(value, list) or len(value) != size:
        raise InvalidInput(f"scenario: {what} must be a list of {size} numbers")
    shares = [_number(v, what) for v in value]
    total = sum(shares)
    if total <= 0:
        raise InvalidInput(f"scenario: {what} must not be all zero")
    return [s / total for s in shares]


def _forms(value: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidInput(f"scenario: {what} must be a list of forms (objects)")
    return [dict(v) for v in value]


def apply_changes(base: Scenario, changes: dict[str, Any]) -> Scenario:
    """``base`` with what ``changes`` (a scenario JSON, whole or in part) says instead.

    :raise InvalidInput: naming the first value that cannot be used; ``base`` is left as it was.
    """
    if not isinstance(changes, dict):
        raise InvalidInput("scenario: must be a JSON object")
    unknown = set(changes) - {"cases", "seed", "start_at", "office_hours", "arrivals", "durations", "people", "data",
                              "fitted_from", "away", "returns"}
    if unknown:
        raise InvalidInput(f"scenario: unknown keys {', '.join(sorted(unknown))}")
    cases = int(_number(changes.get("cases", base.cases), "cases", 1, MAX_CASES))
    seed = int(_number(changes.get("seed", base.seed), "seed", 0, 2 ** 63))
    start_at = base.start_at
    if "start_at" in changes:
        try:
            start_at = date.fromisoformat(str(changes["start_at"]))
        except ValueError as exc:
            raise InvalidInput(f"scenario: start_at must be a date (YYYY-MM-DD), not {changes['start_at']!r}") from exc
    hours = base.office_hours
    if "office_hours" in changes:
        raw = changes["office_hours"]
        if not isinstance(raw, list) or len(raw) != 2:
            raise InvalidInput("scenario: office_hours must be [start hour, end hour]")
        hours = (_number(raw[0], "office_hours", 0, 24), _number(raw[1], "office_hours", 0, 24))
        if hours[0] >= hours[1]:
            raise InvalidInput("scenario: office_hours must start before they end")
    arrivals = Arrivals(base.arrivals.per_week, list(base.arrivals.by_weekday), list(base.arrivals.by_hour))
    raw_arrivals = changes.get("arrivals", {})
    if not isinstance(raw_arrivals, dict):
        raise InvalidInput("scenario: arrivals must be an object")
    if "per_week" in raw_arrivals:
        arrivals.per_week = _number(raw_arrivals["per_week"], "arrivals.per_week", 0.01, 100_000)
    if "by_weekday" in raw_arrivals:
        arrivals.by_weekday = _shares(raw_arrivals["by_weekday"], 7, "arrivals.by_weekday")
    if "by_hour" in raw_arrivals:
        arrivals.by_hour = _shares(raw_arrivals["by_hour"], 24, "arrivals.by_hour")
    durations = dict(base.durations)
    raw_durations = changes.get("durations", {})
    if not isinstance(raw_durations, dict):
        raise InvalidInput("scenario: durations must be an object of steps")
    for step, raw in raw_durations.items():
        if not isinstance(raw, dict):
            raise InvalidInput(f"scenario: durations.{step} must be an object")
        old = base.durations.get(step)
        mu = raw.get("mu", old.mu if old else None)
        if "median_hours" in raw and (old is None or raw["median_hours"] != round(old.median_hours, 3)):
            mu = math.log(_number(raw["median_hours"], f"durations.{step}.median_hours", 0.001, 10_000))
        sigma = raw.get("sigma", old.sigma if old else DEFAULT_DURATION["sigma"])
        if mu is None:
            raise InvalidInput(f"scenario: durations.{step} needs mu or median_hours")
        durations[step] = Duration(_number(mu, f"durations.{step}.mu", -10, 12),
                                   _number(sigma, f"durations.{step}.sigma", 0, 5), int(raw.get("n", 0) or 0))
    people = dict(base.people)
    raw_people = changes.get("people", {})
    if not isinstance(raw_people, dict):
        raise InvalidInput("scenario: people must be an object of roles")
    for role, count in raw_people.items():
        people[str(role)] = int(_number(count, f"people.{role}", 0, 10_000))
    step_forms: dict[str, list[dict[str, Any]]] = dict(base.data.get("steps", {}))
    data: dict[str, Any] = {"start": list(base.data.get("start", [])), "steps": step_forms}
    raw_data = changes.get("data", {})
    if not isinstance(raw_data, dict):
        raise InvalidInput("scenario: data must be an object")
    if "start" in raw_data:
        data["start"] = _forms(raw_data["start"], "data.start")
    steps = raw_data.get("steps", {})
    if not isinstance(steps, dict):
        raise InvalidInput("scenario: data.steps must be an object of steps")
    for step, forms in steps.items():
        step_forms[str(step)] = _forms(forms, f"data.steps.{step}")
    return Scenario(cases, seed, start_at, arrivals, durations, people, data, hours, _away(base, changes),
                    _returns(base, changes))


def _away(base: Scenario, changes: dict[str, Any]) -> dict[str, float]:
    away = dict(base.away)
    raw = changes.get("away", {})
    if not isinstance(raw, dict):
        raise InvalidInput("scenario: away must be an object of roles")
    for role, share in raw.items():
        away[str(role)] = _number(share, f"away.{role}", 0, 1)
    return away


def _returns(base: Scenario, changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    returns = {k: dict(v) for k, v in base.returns.items()}
    raw = changes.get("returns", {})
    if not isinstance(raw, dict):
        raise InvalidInput("scenario: returns must be an object of steps")
    for step, value in raw.items():
        if not isinstance(value, dict):
            raise InvalidInput(f"scenario: returns.{step} must be an object")
        old = returns.get(str(step), {})
        share = _number(value.get("share", old.get("share", 0.0)), f"returns.{step}.share", 0, 1)
        targets = value.get("to", old.get("to", {}))
        if not isinstance(targets, dict) or (share > 0 and not targets):
            raise InvalidInput(f"scenario: returns.{step}.to must name the steps returned to, with their shares")
        to = {str(k): _number(v, f"returns.{step}.to.{k}", 0, 1) for k, v in targets.items()}
        returns[str(step)] = {"share": share, "to": to, "n": int(old.get("n", 0) or 0)}
    return returns
