"""Appraisal cycles at scale: opening a cycle, and the worker's job throughput.

(1) Opening a cycle (``engine.start("appraisal_cycle", ...)``) starts one ``appraisal`` instance
    per person who reports to someone, in one transaction. It is timed for organisations of 10,
    100 and 1,000 such employees: the demo organisation (9 of them) plus ``staff`` users in a
    tree under ``chen.yu`` (each manager has 8 reports). Every size gets a fresh database; the
    organisation is built beforehand and not timed. Before the organisation is built, one cycle
    is opened for the demo organisation and rolled back, so the timed opens find the definitions
    parsed and cached. Sizes up to 100 are opened ``--repeats`` times (periods 2026-Q1, -Q2, ...;
    the median counts), 1,000 once. It prints seconds per cycle, ms per appraisal and the ratio
    1000/10 (and 1000/100) per appraisal, which should be about 1.

(2) Job throughput: a fresh database with ``--jobs`` employees; a cycle opened with
    ``self_assessment_window`` ``PT1H`` leaves one reminder job per appraisal due at once (the
    step is due within a day); the overdue and timer jobs are due in an hour and are not run.
    Then one ``opsflow worker --once --slots 4 --json`` process runs them, timed from spawn to
    exit ("wall"); the same again from a fresh database with two worker processes at once. A
    worker process spends about a second importing and connecting, so "steady" throughput counts
    only the span between the first and the last job finished (``job.done_at``): (jobs - 1) / span.
    Each run is checked: every due job done exactly once (done rows == due jobs, the workers'
    reports add up, nothing left due, no retries or incidents), one ``reminder_sent`` history event
    and one reminder notification per reminder job, each for a different task. E-mail is off
    (``OPSFLOW_SMTP_*`` is removed from the environment), so no e-mail jobs are queued.

Both parts run on SQLite (a temp file, WAL, synchronous=FULL) and on PostgreSQL (a database
``opsflow_bench_cycle`` created for each fresh start and dropped at the end). SQLite has one
writer at a time, so a second worker is not expected to help there. Usage::

    .venv/bin/python bench/appraisal_cycle.py [--postgres URL | --no-postgres] [--sizes 10,100,1000]
        [--jobs 1000] [--repeats 3] [--profile]

``--profile`` also runs cProfile on opening the largest size on SQLite and prints the top 15
functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from _common import REPO
from engine_throughput import DEFAULT_POSTGRES, postgres_unavailable
from sqlalchemy import func, select

from engine.facade import Engine, build_engine
from engine.models import HistoryEvent, Job, Notification
from engine.org import people as org
from engine.org.people import Person, load_actor
from engine.runtime.instances import start_instance

BENCH_DATABASE = "opsflow_bench_cycle"
DIRECTOR = "chen.yu"
DEMO_EMPLOYEES = 9  # people in data/demo_org.json who report to someone
FAN_OUT = 8
SLOTS = 4
PERIODS = [f"2026-Q{q}" for q in range(1, 5)] + [f"2027-Q{q}" for q in range(1, 5)]

for _name in [n for n in os.environ if n.startswith("OPSFLOW_SMTP_")]:
    del os.environ[_name]  # no mailer: the figures are for in-app notifications only


# -- databases ----------------------------------------------------------------------------
@dataclass
class Backend:
    label: str
    postgres_url: str | None = None  # None: SQLite

    @contextmanager
    def fresh(self) -> Iterator[tuple[Engine, str]]:
        """A new, initialised database with the demo organisation: (engine, URL for the CLI)."""
        if self.postgres_url is None:
            with tempfile.TemporaryDirectory(prefix="opsflow-bench-cycle-") as folder:
                url = f"sqlite:///{folder}/bench.sqlite"
                engine = build_engine(url)
                try:
                    engine.setup.init(demo=True)
                    yield engine, url
                finally:
                    engine.db.dispose()
            return
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(self.postgres_url)
        admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
        url = base.set(database=BENCH_DATABASE).render_as_string(hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        engine = build_engine(url)
        try:
            engine.setup.init(demo=True)
            yield engine, url
        finally:
            engine.db.dispose()
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def build_org(engine: Engine, employees: int) -> None:
    """Add staff under chen.yu (a tree, FAN_OUT reports each) until ``employees`` report to someone."""
    with engine.core.transaction() as session:
        now = engine.collaborators.clock()
        managers = [DIRECTOR]
        for i in range(employees - DEMO_EMPLOYEES):
            name = f"emp{i:05d}"
            org.add_user(session, name, ["staff"], now, reports_to=managers[i // FAN_OUT], display_name=name)
            managers.append(name)


def cycle_data(period: str, **windows: str) -> dict[str, Any]:
    return {"period": period, "period_type": "quarterly", **windows}


def warm_up(engine: Engine) -> None:
    """Open a cycle for the demo organisation and roll it back: definitions parsed and cached."""
    session = engine.core.session_factory()
    try:
        start_instance(session, engine.collaborators, load_actor(session, DIRECTOR), "appraisal_cycle",
                       cycle_data("2000-Q1"))
    finally:
        session.rollback()
        session.close()


def open_cycle(engine: Engine, period: str, employees: int, **windows: str) -> float:
    t0 = time.perf_counter()
    result = engine.work.start(Person(DIRECTOR), "appraisal_cycle", cycle_data(period, **windows))
    seconds = time.perf_counter() - t0
    if result.hook_result.get("appraisals") != employees:
        raise RuntimeError(f"opening {period} started {result.hook_result.get('appraisals')} appraisals, "
                           f"expected {employees}")
    return seconds


# -- (1) opening a cycle ----------------------------------------------------------------------
def opening(backend: Backend, sizes: list[int], repeats: int) -> dict[int, float]:
    """Median seconds to open one cycle, per organisation size."""
    print(f"  {backend.label}")
    print(f"    {'employees':>9}  {'s/cycle':>9}  {'ms/appraisal':>12}  opens")
    per_cycle: dict[int, float] = {}
    for size in sizes:
        with backend.fresh() as (engine, _url):
            warm_up(engine)
            build_org(engine, size)
            times = [open_cycle(engine, PERIODS[i], size) for i in range(repeats if size <= 100 else 1)]
        per_cycle[size] = statistics.median(times)
        print(f"    {size:>9,}  {per_cycle[size]:9.3f}  {per_cycle[size] / size * 1000:12.2f}  {len(times)}")
    ms = {size: seconds / size for size, seconds in per_cycle.items()}
    small, large = min(sizes), max(sizes)
    ratios = [f"{large}/{small}: {ms[large] / ms[small]:.2f}"]
    middle = [s for s in sizes if small < s < large]
    if middle:
        ratios.append(f"{large}/{middle[-1]}: {ms[large] / ms[middle[-1]]:.2f}")
    print(f"    per appraisal {', '.join(ratios)} (1 = flat)")
    return per_cycle


# -- (2) job throughput -------------------------------------------------------------------------
def worker_command(url: str, worker_id: str) -> list[str]:
    return [sys.executable, "-m", "opsflow.cli", "--database", url, "worker", "--once", "--slots", str(SLOTS),
            "--json", "--id", worker_id]


def run_workers(url: str, count: int, tag: str) -> tuple[float, list[dict[str, Any]]]:
    """Start ``count`` worker processes at once.

    Return the wall time until all exited, and their reports, each with ``exited_after`` (seconds).
    """
    t0 = time.perf_counter()
    procs = [subprocess.Popen(worker_command(url, f"bench-{tag}-{i + 1}"), cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(count)]
    exited: dict[int, float] = {}
    while len(exited) < count:  # their output is a few lines: the pipes cannot fill meanwhile
        for i, proc in enumerate(procs):
            if i not in exited and proc.poll() is not None:
                exited[i] = time.perf_counter() - t0
        time.sleep(0.005)
    seconds = max(exited.values())
    reports = []
    for i, proc in enumerate(procs):
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"worker exited with {proc.returncode}: {err.strip()}")
        reports.append({**json.loads(out), "exited_after": exited[i]})
    return seconds, reports


@dataclass
class Throughput:
    workers: int
    jobs: int
    seconds: float
    span: float  # seconds from the first job finished to the last
    done_per_worker: list[int]
    exited_after: list[float]
    problems: list[str]

    @property
    def wall_rate(self) -> float:
        return self.jobs / self.seconds

    @property
    def steady_rate(self) -> float:
        return (self.jobs - 1) / max(self.span, 1e-9)


def count(engine: Engine, query: Any) -> int:
    with engine.core.session_factory() as session:
        return int(session.scalar(query) or 0)


def throughput(backend: Backend, employees: int, workers: int) -> Throughput:
    with backend.fresh() as (engine, url):
        build_org(engine, employees)
        open_cycle(engine, "2026-Q4", employees, self_assessment_window="PT1H")
        now = engine.collaborators.clock()
        due = (Job.state == "pending", Job.due_at <= now)
        jobs = count(engine, select(func.count()).select_from(Job).where(*due))
        reminders = count(engine, select(func.count()).select_from(Job).where(*due, Job.kind == "reminder"))
        seconds, reports = run_workers(url, workers, "run")
        done = count(engine, select(func.count()).select_from(Job).where(Job.state == "done"))
        left = count(engine, select(func.count()).select_from(Job).where(
            Job.state == "pending", Job.due_at <= now))
        incidents = count(engine, select(func.count()).select_from(Job).where(Job.state == "incident"))
        sent = count(engine, select(func.count()).select_from(HistoryEvent).where(HistoryEvent.kind == "reminder_sent"))
        sent_tasks = count(engine, select(func.count(HistoryEvent.human_task_id.distinct()))
                           .where(HistoryEvent.kind == "reminder_sent"))
        notes = count(engine, select(func.count()).select_from(Notification).where(Notification.kind == "reminder"))
        with engine.core.session_factory() as session:
            first, last = session.execute(select(func.min(Job.done_at), func.max(Job.done_at))
                                          .where(Job.state == "done")).one()
    problems = []
    reported = [int(r["done"]) for r in reports]
    if reminders != employees:
        problems.append(f"{reminders} reminder jobs due, expected {employees}")
    if done != jobs or sum(reported) != jobs:
        problems.append(f"{jobs} jobs due, {done} done rows, workers report {sum(reported)} done")
    if left or incidents or any(r["retried"] or r["incidents"] for r in reports):
        problems.append(f"{left} left due, {incidents} incidents, reports {reports}")
    if not (sent == sent_tasks == notes == reminders):
        problems.append(f"{reminders} reminders: {sent} reminder_sent events for {sent_tasks} tasks, "
                        f"{notes} reminder notifications")
    span = (last - first).total_seconds() if first is not None and last is not None else 0.0
    return Throughput(workers, jobs, seconds, span, reported, [r["exited_after"] for r in reports], problems)


def job_throughput(backend: Backend, employees: int) -> bool:
    print(f"  {backend.label}")
    runs = [throughput(backend, employees, workers) for workers in (1, 2)]
    for run in runs:
        plural = "worker " if run.workers == 1 else "workers"
        split = " + ".join(f"{d} (exit {t:.1f} s)" for d, t in zip(run.done_per_worker, run.exited_after, strict=True))
        print(f"    {run.workers} {plural}: {run.jobs:,} jobs in {run.seconds:6.2f} s wall, {run.span:6.2f} s first to "
              f"last job -> {run.wall_rate:7.1f} jobs/s wall, {run.steady_rate:7.1f} jobs/s steady; "
              f"done per worker {split}")
    for run in runs:
        early = [i + 1 for i, t in enumerate(run.exited_after) if t < 0.75 * run.seconds]
        if run.workers > 1 and early:
            print(f"    note     : with {run.workers} workers, worker {', '.join(map(str, early))} exited well before "
                  "the jobs were all done (it lost a lease race and took that for an empty queue, see "
                  "bench/README.md)")
    one, two = runs
    print(f"    two/one  : {two.steady_rate / one.steady_rate:.2f} steady, {two.wall_rate / one.wall_rate:.2f} wall")
    problems = [p for run in runs for p in run.problems]
    if problems:
        for problem in problems:
            print(f"    CHECK FAILED: {problem}")
    else:
        print("    checks   : ok in both runs (every due job done exactly once; one reminder_sent event and one "
              "reminder notification per reminder job, each for a different task)")
    return not problems


# -- profile ------------------------------------------------------------------------------------
def profile_open(size: int) -> None:
    backend = Backend("SQLite")
    with backend.fresh() as (engine, _url):
        warm_up(engine)
        build_org(engine, size)
        profiler = cProfile.Profile()
        profiler.enable()
        open_cycle(engine, "2026-Q4", size)
        profiler.disable()
    print(f"\n  cProfile of opening a cycle for {size:,} employees on SQLite: the top 15 functions of engine/ and "
          "SpiffWorkflow by cumulative time, then the top 15 of all by own time")
    stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
    stats.print_stats(re.escape(str(REPO / "engine")) + "|/SpiffWorkflow/", 15)
    stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL; the run creates and drops "
                        f"a database named {BENCH_DATABASE} on it (default: %(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--sizes", default="10,100,1000", help="employees per organisation (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=1000, help="employees, so due reminder jobs, for part (2)")
    parser.add_argument("--repeats", type=int, default=3, help="opens per size up to 100 (1,000: one)")
    parser.add_argument("--profile", action="store_true", help="also profile opening the largest size (SQLite)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if min(sizes) < DEMO_EMPLOYEES or args.jobs < DEMO_EMPLOYEES:
        parser.error(f"sizes start at {DEMO_EMPLOYEES} (the demo organisation)")

    backends = [Backend("SQLite (temp file, WAL, synchronous=FULL)")]
    why = "--no-postgres" if args.no_postgres else postgres_unavailable(args.postgres)
    host = args.postgres.rsplit("@", 1)[-1].rsplit("/", 1)[0]
    pg_label = f"PostgreSQL (database {BENCH_DATABASE} on {host})"
    if not why:
        backends.append(Backend(pg_label, args.postgres))

    print("appraisal_cycle (1): opening a cycle = one appraisal instance per person who reports to someone")
    for backend in backends:
        opening(backend, sizes, args.repeats)
    if why:
        print(f"  {pg_label}: skipped ({why})")

    print(f"\nappraisal_cycle (2): job throughput, `opsflow worker --once --slots {SLOTS}` processes on the "
          f"reminder jobs due after opening a cycle for {args.jobs:,} employees (self_assessment_window PT1H)")
    ok = all([job_throughput(backend, args.jobs) for backend in backends])
    if why:
        print(f"  {pg_label}: skipped ({why})")

    if args.profile:
        profile_open(max(sizes))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
