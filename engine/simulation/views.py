"""What the simulation area hands out (typed; each has ``as_json`` for the CLI, the API and the page)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .preview import RoutePreview


@dataclass
class FittedScenario:
    key: str
    version: int  # the version the model comes from (0: the draft)
    scenario: dict[str, Any]  # the scenario JSON (``engine.simulation.scenario``)
    observed: dict[str, Any]  # what the history showed (``fit.Observed.summary``)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SimulationReport:
    key: str
    version: int
    label: str  # "as is", "draft", or what the analyst named it
    result: dict[str, Any]  # ``run.SimulationResult.as_json``
    scenario: dict[str, Any]  # the scenario as run (forms left out: see ``fitted_forms``)
    fitted_forms: dict[str, int]  # how many forms were resampled per step ("start" for the start form)
    seconds: float  # how long the run took
    observed: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "version": self.version, "label": self.label, **self.result,
                "fitted": self.scenario, "fitted_forms": self.fitted_forms, "observed": self.observed,
                "seconds": round(self.seconds, 2), "cases_per_second": round(
                    self.result["cases"] / self.seconds, 1) if self.seconds else None}


@dataclass
class Comparison:
    left: SimulationReport
    right: SimulationReport

    def delta(self) -> dict[str, float | None]:
        a, b = self.left.result["cycle_time"], self.right.result["cycle_time"]
        return {k: (round(b[k] - a[k], 2) if a[k] is not None and b[k] is not None else None)
                for k in ("median", "p90", "mean")}

    def as_json(self) -> dict[str, Any]:
        return {"left": self.left.as_json(), "right": self.right.as_json(), "cycle_time_delta": self.delta()}


@dataclass
class BackTest:
    key: str
    split: str  # the moment: fitted on instances started before, compared with those started after
    fitted_instances: int
    later_instances: int
    fitted_per_week: float  # arrivals per working week, before the split
    later_per_week: float  # ... and after it
    observed_median: float | None  # cycle time of the later instances that ended, hours
    simulated_median: float | None  # the forecast: the fitted scenario as it is
    error: float | None  # (simulated - observed) / observed
    simulated_median_given_arrivals: float | None  # the fitted scenario with the later arrival rate
    error_given_arrivals: float | None
    fitted_observed_median: float | None  # in sample: the earlier instances' own median
    simulated_median_replayed: float | None = None  # the later instances' actual arrivals and start forms replayed
    error_replayed: float | None = None  # the model's error, arrivals given (the forecast's is ``error``)
    runs: int = 1  # each way's runs (seeds from the one given); the medians above are the runs' median
    replayed_range: list[float] | None = None  # the lowest and highest of the replayed runs' medians
    forecast_range: list[float] | None = None  # ... of the forecast's

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


__all__ = ["BackTest", "Comparison", "FittedScenario", "RoutePreview", "SimulationReport"]
