"""What-if simulation, its back-test and the route preview (流程预测) from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org.people import Person
from engine.simulation.views import Comparison, SimulationReport

from .commands import Commands, caller
from .output import json_arg, print_json, table
from .progress import ProgressBar


def _scenario(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    value = json_arg("@" + path) if not path.startswith("@") else json_arg(path)
    if not isinstance(value, dict):
        raise InvalidInput(f"--scenario {path}: must hold a JSON object")
    return value


def _show(report: SimulationReport) -> None:
    r = report.result
    cycle = r["cycle_time"]
    print(f"{report.key} v{report.version} ({report.label}): {r['cases']} cases, {r['completed']} ended, "
          f"{r['unfinished']} unfinished, {r['failed']} failed; {report.seconds:.1f} s")
    print(f"cycle time (hours): median {cycle['median']}  p90 {cycle['p90']}  mean {cycle['mean']}")
    rows = [{"step": k, **v} for k, v in r["steps"].items()]
    table(rows, ["step", "title", "role", "count", "waiting", "working", "waiting_median", "working_median",
                 "returned", "expired", "overdue"])
    print("utilisation: " + ", ".join(f"{k} {v:.0%}" for k, v in r["utilisation"].items()))
    if r["bottleneck"]:
        print(f"bottleneck: {r['bottleneck']['step']} \"{r['bottleneck']['title']}\" ({r['bottleneck']['role']})")
    for error in r["errors"]:
        print(f"failed: {error}")


def cmd_simulate(engine: Engine, args: argparse.Namespace) -> None:
    changes = _scenario(args.scenario)
    if args.cases is not None:
        changes["cases"] = args.cases
    if args.seed is not None:
        changes["seed"] = args.seed
    bar = ProgressBar("simulating", not args.json and sys.stderr.isatty())
    who = caller(args.actor)
    try:
        if args.compare:
            both = engine.simulation.compare(who, args.key, {"label": "as is", "changes": changes},
                                             {"label": "draft" if args.draft else "changed", "draft": args.draft,
                                              "changes": {**changes, **_scenario(args.compare_scenario)}}, bar)
        else:
            one = engine.simulation.simulate(who, args.key, changes, args.draft, progress=bar)
    finally:
        bar.close()
    if args.compare:
        _emit_pair(args, both)
    elif args.json:
        print_json(one.as_json())
    else:
        _show(one)


def _emit_pair(args: argparse.Namespace, both: Comparison) -> None:
    if args.json:
        print_json(both.as_json())
        return
    _show(both.left)
    print()
    _show(both.right)
    delta = both.delta()
    print(f"\ncycle time change (hours): median {delta['median']:+}  p90 {delta['p90']:+}"
          if delta["median"] is not None and delta["p90"] is not None else "\ncycle time change: -")


def cmd_backtest(engine: Engine, args: argparse.Namespace) -> None:
    split = datetime.fromisoformat(args.split) if args.split else None
    result = engine.simulation.back_test(caller(args.actor), args.key, split, args.seed)
    if args.json:
        print_json(result)
        return
    print(f"fitted on {result.fitted_instances} instances started before {result.split}; "
          f"compared with the {result.later_instances} after")
    if result.error is None or result.error_given_arrivals is None:
        print("no ended instances to compare with")
        return
    print(f"arrivals per week: {result.fitted_per_week:.2f} before, {result.later_per_week:.2f} after")
    print(f"median cycle time (hours): observed after {result.observed_median} (before: "
          f"{result.fitted_observed_median}); the median of {result.runs} runs each:")
    if result.error_replayed is not None:
        print(f"  the later arrivals replayed: {result.simulated_median_replayed} {result.replayed_range} "
              f"({result.error_replayed:+.1%}: the model's error)")
    print(f"  forecast with the fitted arrivals: {result.simulated_median} {result.forecast_range} "
          f"({result.error:+.1%}: the forecast's error)")
    print(f"  with the later arrival rate: {result.simulated_median_given_arrivals} "
          f"({result.error_given_arrivals:+.1%})")


def cmd_preview(engine: Engine, args: argparse.Namespace) -> None:
    data = json_arg("@" + args.data if not args.data.startswith(("@", "{")) else args.data)
    if not isinstance(data, dict):
        raise InvalidInput("--data must hold a JSON object of form fields")
    if args.task is not None:
        result = engine.simulation.next_steps(Person(args.actor), args.task, data)
    else:
        result = engine.simulation.preview(Person(args.actor), args.key, data)
    if args.json:
        print_json(result)
        return
    table(result.steps, ["step", "title", "role", "people", "expected_hours"])
    print(f"ends at {result.end_event or '-'}; expected in {result.expected_hours} h ({result.expected_done})")


def register(commands: Commands) -> None:
    p = commands.add("simulate", cmd_simulate, "what-if: run the real model on a virtual clock with parameters "
                     "fitted from its history (nothing stored)")
    p.add_argument("key")
    p.add_argument("--draft", action="store_true", help="the saved draft's model instead of the latest version")
    p.add_argument("--cases", type=int, help="how many cases (default 1000)")
    p.add_argument("--seed", type=int, help="random seed (same seed, same figures)")
    p.add_argument("--scenario", metavar="FILE", help="a scenario JSON (whole or part) applied to the fitted one")
    p.add_argument("--compare", action="store_true",
                   help="run 'as is' and the changed scenario (--draft, --compare-scenario) side by side")
    p.add_argument("--compare-scenario", metavar="FILE", help="with --compare: changes for the second run only")
    p.add_argument("--as", dest="actor", metavar="USER", help="an analyst (default: the operator)")
    p = commands.add("simulate-backtest", cmd_backtest, "fit on the first half of a process's history, simulate, "
                     "compare the median cycle time with the second half")
    p.add_argument("key")
    p.add_argument("--split", help="the moment to split at (ISO; default: the middle instance's start)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as", dest="actor", metavar="USER", help="an analyst (default: the operator)")
    p = commands.add("preview", cmd_preview, "route preview (流程预测): the steps, people and expected time a "
                     "request with these data would take")
    p.add_argument("key")
    p.add_argument("--data", required=True, metavar="FILE", help="the form fields (a JSON file, or JSON text)")
    p.add_argument("--task", type=int, help="what happens after this open task of an instance instead")
    p.add_argument("--as", dest="actor", required=True, metavar="USER", help="who would start the request")



