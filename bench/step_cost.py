"""Does one step get dearer as an instance gets longer?

bench/processes/long_loop.bpmn loops over one user task ("work", lane staff) until it is
completed with ``finished: true``. One instance of 400 steps is run and the time of each
step is kept; the figure for "length N" is the median of steps N-9..N (steps 1-10, 91-100,
391-400), pooled over ``--repeats`` instances:

* the persisted Engine on SQLite (``Engine.complete``: load, run, prune, save; task ids are
  read between calls, untimed);
* bare SpiffWorkflow storing the whole workflow the library's way, without pruning:
  ``deserialize_json`` + complete + ``do_engine_steps`` + ``serialize_json`` every step (the
  O(n)-per-step, O(n^2)-per-instance trap of spiff-arena's issue #2960);
* bare SpiffWorkflow in memory (no serialization), for reference.

Usage: ``.venv/bin/python bench/step_cost.py [--steps 400] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from _common import (
    LONG_LOOP_BPMN,
    LOOP_USER,
    bare_complete,
    bare_workflow,
    deploy_long_loop,
    open_task_id,
    parse_specs,
    sqlite_engine,
)
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.definitions.sandbox import make_script_engine
from engine.facade import Engine
from engine.models import ProcessInstance
from engine.org.people import Person

WINDOW = 10


class Run:
    """Per-step seconds and stored state size (bytes) for one instance."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.state_bytes: list[int] = []


def engine_run(engine: Engine, steps: int) -> Run:
    run = Run()
    instance_id = int(engine.work.start(Person(LOOP_USER), "long_loop").id)
    for step in range(1, steps + 1):
        task_id = open_task_id(engine, instance_id, "work")
        t0 = time.perf_counter()
        result = engine.work.complete(Person(LOOP_USER), task_id, {"finished": step == steps})
        run.seconds.append(time.perf_counter() - t0)
        with engine.core.session_factory() as session:
            instance = session.get(ProcessInstance, instance_id)
            run.state_bytes.append(len(instance.state_json) if instance else 0)
    if result["status"] != "completed":
        raise RuntimeError(f"long_loop did not complete after {steps} steps: {result}")
    return run


def bare_serialized_run(steps: int) -> Run:
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    specs = parse_specs(LONG_LOOP_BPMN, "long_loop")
    state = serializer.serialize_json(bare_workflow(specs, {}))
    run = Run()
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        workflow = serializer.deserialize_json(state)
        workflow.script_engine = make_script_engine()
        bare_complete(workflow, "work", {"finished": step == steps})
        state = serializer.serialize_json(workflow)
        run.seconds.append(time.perf_counter() - t0)
        run.state_bytes.append(len(state))
    if not workflow.is_completed():
        raise RuntimeError("bare long_loop did not complete")
    return run


def bare_memory_run(steps: int) -> Run:
    workflow = bare_workflow(parse_specs(LONG_LOOP_BPMN, "long_loop"), {})
    run = Run()
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        bare_complete(workflow, "work", {"finished": step == steps})
        run.seconds.append(time.perf_counter() - t0)
        run.state_bytes.append(0)
    return run


def window(runs: list[Run], end: int, pick: Callable[[Run], list[float] | list[int]]) -> float:
    values = [v for run in runs for v in pick(run)[end - WINDOW:end]]
    return float(statistics.median(values))


def report(label: str, runs: list[Run], lengths: list[int], with_size: bool) -> None:
    print(f"  {label}")
    medians = {n: window(runs, n, lambda r: r.seconds) * 1000 for n in lengths}
    for n in lengths:
        size = f", state {window(runs, n, lambda r: r.state_bytes) / 1024:8.1f} KiB" if with_size else ""
        print(f"    length {n:>4} (steps {n - WINDOW + 1:>3}-{n:>3}): median {medians[n]:9.3f} ms/step{size}")
    total = sum(sum(r.seconds) for r in runs) / len(runs)
    first, last = lengths[0], lengths[-1]
    print(f"    ratio step{last}/step{first}  : {medians[last] / medians[first]:6.2f}x   "
          f"(whole {len(runs[0].seconds)}-step instance: {total:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=400, help="steps per instance (>= 100)")
    parser.add_argument("--repeats", type=int, default=3, help="instances per variant (medians are pooled)")
    args = parser.parse_args()
    lengths = [n for n in (10, 100, 400) if n <= args.steps]
    if args.steps not in lengths:
        lengths.append(args.steps)

    print(f"step_cost: long_loop, one instance of {args.steps} steps x {args.repeats}, "
          f"median of the {WINDOW} steps ending at each length")
    with sqlite_engine() as engine:
        deploy_long_loop(engine)
        engine_run(engine, 20)  # warm-up: definition cache, connection pool, code paths
        runs = [engine_run(engine, args.steps) for _ in range(args.repeats)]
    report("Engine.complete on SQLite (pruned state, stored spec)", runs, lengths, with_size=True)
    runs = [bare_serialized_run(args.steps) for _ in range(args.repeats)]
    report("bare SpiffWorkflow, deserialize_json + complete + serialize_json every step, no pruning",
           runs, lengths, with_size=True)
    runs = [bare_memory_run(args.steps) for _ in range(args.repeats)]
    report("bare SpiffWorkflow in memory, no serialization (reference)", runs, lengths, with_size=False)


if __name__ == "__main__":
    main()
