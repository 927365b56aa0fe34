"""What-if simulation: cases per second, the budget-check draft against "as is", and a back-test.

    .venv/bin/python bench/simulate.py [--history 300] [--cases 1000] [--keep FILE.sqlite] [--per-week 3.5]
        [--history-seed 7]

Builds a market-plan history with the Engine on a moving clock (``bench/_plan_history.py``), fits the
scenario from it and runs 1000 simulated cases of the real model (cases/s, and the same run's figures
with the budget-check draft), then the back-test: fit on the first half of the history, replay its arrivals
(the backlog at the split), then start the second half's plans three ways (their actual arrivals replayed, the
fitted arrival pattern, that pattern at the later rate) and compare the median cycle times (target within 20 %).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import _common
from _plan_history import build_history

from engine.org.people import Person
from tests.simulation_drafts import save_budget_check_draft


def bare_journeys(count: int) -> float:
    """Seconds per market plan walked to 'approved' on bare SpiffWorkflow (no queue, no clock): the baseline."""
    specs = _common.parse_specs(_common.MARKET_PLAN_BPMN, "market_plan")
    began = time.perf_counter()
    for _ in range(count):
        workflow = _common.bare_workflow(specs, _common.START)
        for _user, name, data in _common.JOURNEY:
            _common.bare_complete(workflow, name, data)
    return (time.perf_counter() - began) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history", type=int, default=300, help="market plans in the history")
    parser.add_argument("--cases", type=int, default=1000, help="simulated cases per run")
    parser.add_argument("--keep", help="build the history in this SQLite file and keep it")
    parser.add_argument("--per-week", type=float, default=3.5, help="market plans a working week in the history")
    parser.add_argument("--history-seed", type=int, default=7, help="the seed the history is made with")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="opsflow-simulate-")
    path = args.keep or os.path.join(folder, "history.sqlite")
    if os.path.exists(path):
        os.remove(path)  # a history is built afresh
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    began = time.perf_counter()
    engine = build_history(f"sqlite:///{path}", args.history, args.history_seed, per_week=args.per_week)
    print(f"history: {args.history} market plans built by the Engine in {time.perf_counter() - began:.0f} s ({path})")
    analyst = Person("gao.yan")
    fitted = engine.simulation.fit(analyst, "market_plan")
    print("fitted median working hours:", {k: v["median_hours"] for k, v in fitted.scenario["durations"].items()})
    print(f"fitted arrivals per week: {fitted.scenario['arrivals']['per_week']:.2f}; "
          f"people: {fitted.scenario['people']}")
    save_budget_check_draft(engine)
    both = engine.simulation.compare(analyst, "market_plan", {"label": "as is", "changes": {"cases": args.cases}},
                                     {"label": "budget check", "draft": True, "changes": {"cases": args.cases}})
    for report in (both.left, both.right):
        r = report.result
        print(f"{report.label:13} {r['cases']} cases in {report.seconds:.2f} s = {r['cases'] / report.seconds:.0f} "
              f"cases/s; cycle time median {r['cycle_time']['median']} h, p90 {r['cycle_time']['p90']} h; "
              f"failed {r['failed']}, unfinished {r['unfinished']}; bottleneck {r['bottleneck']['step']}")
    print(f"budget check adds (hours): {both.delta()}")
    ratio = both.right.seconds / both.left.seconds
    print(f"draft run time / as-is run time: {ratio:.2f}")
    bare = bare_journeys(200)
    per_case = both.left.seconds / args.cases
    print(f"baseline, the same run: bare SpiffWorkflow approve journey {bare * 1000:.1f} ms; a simulated case "
          f"{per_case * 1000:.1f} ms = {per_case / bare:.2f}x (a case takes more steps: rework, the countersign)")
    test = engine.simulation.back_test(analyst, "market_plan")
    print(f"back-test: fitted on {test.fitted_instances} ({test.fitted_per_week:.2f}/week, median "
          f"{test.fitted_observed_median} h), compared with the later {test.later_instances} "
          f"({test.later_per_week:.2f}/week): observed median {test.observed_median} h")
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:+.1%}"

    print(f"  {test.runs} runs each (seeds 1-{test.runs}); the runs' median, and their range")
    print(f"  replay (the later arrivals and start forms): {test.simulated_median_replayed} h "
          f"{test.replayed_range}, error {pct(test.error_replayed)}   <- the model's error")
    print(f"  forecast (fitted arrival pattern): {test.simulated_median} h {test.forecast_range}, error "
          f"{pct(test.error)}   <- the forecast's error, arrivals included")
    print(f"  fitted pattern at the later arrival rate: {test.simulated_median_given_arrivals} h, error "
          f"{pct(test.error_given_arrivals)}")
    engine.db.dispose()


if __name__ == "__main__":
    main()
