"""Task completions per second: bare SpiffWorkflow in memory vs the persisted Engine.

The market-plan approve journey (research -> draft_plan -> manager_review approve ->
director_signoff approve: four completions per instance) is run

(a)  by bare SpiffWorkflow in memory: the same BPMN, the engine's sandboxed script engine,
     no database, no serialization;
(a2) the same plus the engine's own StateCodec (load before, prune + dump after each
     completion), still in memory: the serialization share of a persisted step;
(b)  through the Engine facade (form validation, rights, state, task rows, hash-chained
     history, one transaction per call) on SQLite (a temp file, WAL, synchronous=FULL) and on
     PostgreSQL (a database created for the run and dropped at the end).

Each variant prints the median and p95 of one completion and of one start (each call timed on its
own), and its throughput: instances (and completions) divided by the wall time of the whole
measured run, which also holds the starts and, for the Engine, the look-ups of the next task id
between calls. The ratios compare median completion times, which one stall cannot move. Usage::

    .venv/bin/python bench/engine_throughput.py [--postgres URL | --no-postgres] [--instances N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

from _common import (
    JOURNEY,
    MARKET_PLAN_BPMN,
    START,
    bare_complete,
    bare_workflow,
    median_ms,
    parse_specs,
    pct_ms,
    run_journey,
    sqlite_engine,
)

from engine.definitions.sandbox import make_script_engine
from engine.facade import Engine, build_engine
from engine.runtime.state import StateCodec

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "opsflow_bench"
COMPLETIONS = len(JOURNEY)


class Figures:
    """Per-operation timings of one variant, and the wall time of its measured run."""

    def __init__(self, label: str, complete_times: list[float], start_times: list[float], wall: float) -> None:
        self.label = label
        self.complete_times = complete_times  # one entry per completion
        self.start_times = start_times  # one entry per instance
        self.wall = wall  # seconds of the measured run: starts, completions and anything between them

    @property
    def median_complete(self) -> float:
        return statistics.median(self.complete_times)

    def print(self) -> None:
        instances = len(self.start_times)
        print(f"  {self.label}")
        print(f"    per completion    : median {median_ms(self.complete_times):9.3f} ms, "
              f"p95 {pct_ms(self.complete_times, 0.95):9.3f} ms   ({len(self.complete_times)} completions)")
        print(f"    per start         : median {median_ms(self.start_times):9.3f} ms, "
              f"p95 {pct_ms(self.start_times, 0.95):9.3f} ms")
        print(f"    throughput        : {instances / self.wall:10.1f} instances/s, "
              f"{len(self.complete_times) / self.wall:10.1f} completions/s   "
              f"({instances} instances of start + {COMPLETIONS} completions in {self.wall:.2f} s wall)")


def bare(instances: int, warmup: int) -> Figures:
    specs = parse_specs(MARKET_PLAN_BPMN, "market_plan")
    complete_times: list[float] = []
    start_times: list[float] = []
    for i in range(warmup + instances):
        if i == warmup:
            t_run = time.perf_counter()
        t_start = time.perf_counter()
        workflow = bare_workflow(specs, START)
        spent = time.perf_counter() - t_start
        times = []
        for _, name, data in JOURNEY:
            t0 = time.perf_counter()
            bare_complete(workflow, name, data)
            times.append(time.perf_counter() - t0)
        if not workflow.is_completed():
            raise RuntimeError("bare journey did not complete")
        if i >= warmup:
            complete_times += times
            start_times.append(spent)
    return Figures("(a)  bare SpiffWorkflow, in memory", complete_times, start_times, time.perf_counter() - t_run)


def bare_with_codec(instances: int, warmup: int) -> Figures:
    """Bare, but each completion loads the state from JSON and dumps it (pruned) again."""
    specs = parse_specs(MARKET_PLAN_BPMN, "market_plan")
    codec = StateCodec()
    complete_times: list[float] = []
    start_times: list[float] = []
    for i in range(warmup + instances):
        if i == warmup:
            t_run = time.perf_counter()
        t_start = time.perf_counter()
        state = codec.dump(bare_workflow(specs, START))
        spent = time.perf_counter() - t_start
        times = []
        for _, name, data in JOURNEY:
            t0 = time.perf_counter()
            workflow = codec.load(state, specs)
            workflow.script_engine = make_script_engine()
            bare_complete(workflow, name, data)
            state = codec.dump(workflow)
            times.append(time.perf_counter() - t0)
        if i >= warmup:
            complete_times += times
            start_times.append(spent)
    return Figures("(a2) bare SpiffWorkflow + engine StateCodec load/dump per completion", complete_times,
                   start_times, time.perf_counter() - t_run)


def persisted(engine: Engine, label: str, instances: int, warmup: int) -> Figures:
    for _ in range(warmup):
        run_journey(engine)
    complete_times: list[float] = []
    start_times: list[float] = []
    t_run = time.perf_counter()
    for _ in range(instances):
        start_seconds, calls = run_journey(engine)
        complete_times += calls
        start_times.append(start_seconds)
    return Figures(label, complete_times, start_times, time.perf_counter() - t_run)


def postgres_unavailable(url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, or None."""
    import psycopg
    from sqlalchemy.engine import make_url

    try:
        with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True, connect_timeout=5):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    """An engine on a database created for this run (dropped afterwards)."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    bench_url = base.set(database=BENCH_DATABASE).render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    engine = build_engine(bench_url)
    try:
        engine.setup.init(demo=True)
        yield engine
    finally:
        engine.db.dispose()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def ratio_line(name: str, slow: Figures, bare_fig: Figures) -> str:
    ratio = slow.median_complete / bare_fig.median_complete
    return (f"    {name + '/bare':<18}: one completion takes {ratio:,.1f}x a bare one (median against median; "
            f"{1 / ratio:.5f} of bare speed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL; the run creates and drops "
                        f"a database named {BENCH_DATABASE} on it (default: %(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--instances", type=int, default=60, help="persisted instances per database")
    parser.add_argument("--bare-instances", type=int, default=1000, help="bare instances")
    args = parser.parse_args()

    print("engine_throughput: market-plan approve journey, "
          f"{COMPLETIONS} completions per instance ({' -> '.join(n for _, n, _ in JOURNEY)})")
    bare_fig = bare(args.bare_instances, warmup=50)
    bare_fig.print()
    codec_fig = bare_with_codec(args.bare_instances // 2, warmup=20)
    codec_fig.print()
    print(ratio_line("codec", codec_fig, bare_fig))

    with sqlite_engine() as engine:
        fig = persisted(engine, "(b)  Engine facade on SQLite (temp file, WAL, synchronous=FULL)",
                        args.instances, warmup=5)
    fig.print()
    print(ratio_line("persisted", fig, bare_fig))

    label = "(c)  Engine facade on PostgreSQL"
    why = "--no-postgres" if args.no_postgres else postgres_unavailable(args.postgres)
    if why:
        print(f"  {label}: skipped ({why})")
        return
    with postgres_engine(args.postgres) as engine:
        host = args.postgres.rsplit("@", 1)[-1].rsplit("/", 1)[0]
        fig = persisted(engine, f"{label} (database {BENCH_DATABASE} on {host})", args.instances, warmup=5)
    fig.print()
    print(ratio_line("persisted", fig, bare_fig))


if __name__ == "__main__":
    main()
