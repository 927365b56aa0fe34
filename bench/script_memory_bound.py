"""What the scripts' memory bound costs: the same work with and without it, interleaved in one run.

(1) one script run (market_plan's ``count_manager_return``, 5 lines) in the sandbox;
(2) the bare market-plan approve journey in memory (start + 4 completions; two scripts and one
    pre-script run on the way), with the sandboxed script engine.
Each is timed alternately with the bound (``tracemalloc`` switched on while a script runs) and
without it (``memory_limit=0``), so that the machine's noise hits both alike; the ratio is the cost.

    .venv/bin/python bench/script_memory_bound.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import JOURNEY, MARKET_PLAN_BPMN, START, parse_specs
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions.sandbox import DEFAULT_MEMORY_LIMIT, SandboxedEnvironment, make_script_engine

SCRIPT = ("rework_target = 'research' if manager_review['decision'] == 'return_research' else 'draft_plan'\n"
          "if return_count < max_returns:\n    return_count = return_count + 1\n    rework_allowed = True\n"
          "else:\n    rework_allowed = False")


def script_run_ms(memory_limit: int, runs: int) -> list[float]:
    sandbox = SandboxedEnvironment(memory_limit=memory_limit)
    times = []
    for _ in range(runs):
        data = {"manager_review": {"decision": "return"}, "return_count": 0, "max_returns": 5}
        started = time.perf_counter()
        sandbox.execute(SCRIPT, data)
        times.append((time.perf_counter() - started) * 1000)
    return times


def journey_ms(specs: tuple, memory_limit: int) -> float:
    started = time.perf_counter()
    spec, subs = specs
    workflow = BpmnWorkflow(spec, subs, script_engine=make_script_engine(memory_limit=memory_limit))
    workflow.get_next_task(spec_name="Start").data.update({"start": START})
    workflow.do_engine_steps()
    for _user, name, data in JOURNEY:
        [task] = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == name]
        task.data[name] = data
        task.run()
        workflow.do_engine_steps()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    specs = parse_specs(MARKET_PLAN_BPMN, "market_plan")
    script = {True: [], False: []}
    journey = {True: [], False: []}
    for _ in range(args.rounds):
        for bounded in (True, False):
            limit = DEFAULT_MEMORY_LIMIT if bounded else 0
            script[bounded] += script_run_ms(limit, 50)
            journey[bounded] += [journey_ms(specs, limit) for _ in range(10)]
    print("script_memory_bound: the same work with the memory bound (tracemalloc while a script runs) and without")
    for label, samples in (("one script run", script), ("bare journey (start + 4 completions)", journey)):
        with_bound, without = statistics.median(samples[True]), statistics.median(samples[False])
        print(f"  {label:38s}: median {with_bound:7.3f} ms bounded, {without:7.3f} ms unbounded, "
              f"ratio {with_bound / without:5.2f}  ({len(samples[True])} runs each)")


if __name__ == "__main__":
    main()
