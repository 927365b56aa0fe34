"""Opening appraisal cycles of 10, 100, 1,000 and 5,000 people, in batches, while others work.

For each size a fresh database gets the demo organisation plus ``staff`` users in a tree under
chen.yu (8 reports per manager), inserted in bulk (not timed). Then the cycle is opened (the
start, which opens the first batch, is timed) and a worker, in this process, runs the batch jobs
until every appraisal is open. It prints, per size: the whole opening (start + batches), ms per
appraisal, the ratio to the 10-person cost (1 = flat), and the longest single transaction (the
longest time SQLite's write lock was held by the opening).

Then, for ``--busy-size`` people (default 1,000), another user (wang.lei) completes research
tasks of market plans in a loop, one after another, while an ``opsflow worker`` process opens
the cycle (as in production, the worker is a process of its own): it prints the median, p95 and
longest completion time during the opening, and the same user's median before it (the baseline,
measured in the same run).

    .venv/bin/python bench/cycle_opening.py [--sizes 10,100,1000,5000] [--busy-size 1000]
        [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from _common import REPO
from engine_throughput import DEFAULT_POSTGRES, postgres_unavailable
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from engine.appraisal import cycles
from engine.facade import Engine, build_engine
from engine.models import BatchOpening, User, UserRole
from engine.org.people import Person, load_actor
from engine.runtime.instances import start_instance
from engine.scheduling.worker import Worker
from tests.journey import OPERATOR, RESEARCH, START

REPORTS_PER_MANAGER = 8


def add_people(engine: Engine, people: int) -> None:
    """``people`` staff users in a tree under chen.yu, in two bulk inserts."""
    now = datetime.now(UTC)
    with engine.core.transaction() as session:
        top = session.scalar(select(User.id).where(User.username == "chen.yu"))
        first = int(session.scalar(select(func.max(User.id))) or 0) + 1
        rows, managers = [], [top]
        for n in range(people):
            manager = managers[n // REPORTS_PER_MANAGER] if n // REPORTS_PER_MANAGER < len(managers) else top
            rows.append({"id": first + n, "username": f"p{n:05d}", "display_name": f"P {n}", "reports_to_id": manager,
                         "active": True, "created_at": now, "failed_logins": 0})
            managers.append(first + n)
        session.execute(insert(User), rows)
        session.execute(insert(UserRole), [{"user_id": r["id"], "role_key": "staff"} for r in rows])


BENCH_DATABASE = "opsflow_bench_opening"


@contextmanager
def checkpoints_in(folder: str) -> Iterator[None]:
    """Checkpoints of a fresh database in their own folder, for this process and the worker it starts:
    one shared with another database's would not match its history (the worker's checkpoint job fails)."""
    before = os.environ.get("OPSFLOW_CHECKPOINT_DIR")
    os.environ["OPSFLOW_CHECKPOINT_DIR"] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OPSFLOW_CHECKPOINT_DIR")
        else:
            os.environ["OPSFLOW_CHECKPOINT_DIR"] = before


@contextmanager
def database(server: str | None) -> Iterator[Engine]:
    """A fresh demo database: a temp SQLite file, or a new database on the PostgreSQL ``server``."""
    with tempfile.TemporaryDirectory() as folder, checkpoints_in(f"{folder}/checkpoints"):
        if server is None:
            url, admin = f"sqlite:///{folder}/cycle.sqlite", None
        else:
            base = make_url(server)
            url = base.set(database=BENCH_DATABASE).render_as_string(hide_password=False)
            admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        engine = build_engine(url)
        engine.setup.init(demo=True)
        try:
            yield engine
        finally:
            engine.db.dispose()
            if admin is not None:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


class _Rollback(Exception):
    pass


def warm_up(engine: Engine) -> None:
    """Open a cycle and roll it back, so that the timed openings find the definitions parsed and cached."""
    try:
        with engine.core.transaction() as session:
            start_instance(session, engine.collaborators, load_actor(session, "chen.yu"), "appraisal_cycle",
                           {"period": "2000-Q1", "period_type": "quarterly"})
            raise _Rollback
    except _Rollback:
        pass


class TimedBatches:
    """Times every open_appraisals job (the transaction that holds the write lock for it)."""

    def __init__(self, engine: Engine) -> None:
        self.durations: list[float] = []
        original = engine.collaborators.hooks.jobs[cycles.OPEN_JOB]

        def timed(session, collaborators, payload, now):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            original(session, collaborators, payload, now)
            session.flush()
            self.durations.append(time.perf_counter() - started)

        engine.collaborators.hooks.on_job(cycles.OPEN_JOB, timed)


def open_fully(engine: Engine, period: str) -> tuple[float, float, float, int]:
    """Open a cycle and run its batches; return (start s, whole s, longest batch s, appraisals)."""
    timer = TimedBatches(engine)
    began = time.perf_counter()
    result = engine.work.start(Person("chen.yu"), "appraisal_cycle", {"period": period, "period_type": "quarterly"})
    start = time.perf_counter() - began
    worker = Worker(engine.core, slots=1)
    while engine.appraisal.dashboard(OPERATOR, period).opening.finished is False:
        worker.run_once()
    whole = time.perf_counter() - began
    return start, whole, max([start, *timer.durations]), int(result.hook_result["appraisals"])


def sizes_table(url: str | None, sizes: list[int]) -> None:
    per_appraisal: dict[int, float] = {}
    print(f"    {'people':>7} {'start s':>8} {'whole s':>8} {'ms/appraisal':>13} {'longest tx s':>13}")
    for size in sizes:
        with database(url) as engine:
            add_people(engine, max(0, size - 9))  # the demo organisation has 9 reporting lines
            warm_up(engine)
            start, whole, longest, count = open_fully(engine, "2026-Q4")
            per_appraisal[size] = whole / count * 1000
            print(f"    {count:>7,} {start:>8.2f} {whole:>8.2f} {per_appraisal[size]:>13.2f} {longest:>13.2f}")
    base = per_appraisal[sizes[0]]
    print("    per appraisal vs the smallest: " + ", ".join(f"{s:,}: {per_appraisal[s] / base:.2f}" for s in sizes))


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user + system, Linux ``/proc``; 0 elsewhere): steadier than the wall time on
    a machine others are using too."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def opening_finished(engine: Engine, cycle_id: int) -> bool:
    """Whether the cycle's last batch is open: one small read (the dashboard, which says the same, costs more than
    a batch of the opening and would take the CPU from the worker it watches)."""
    with engine.db.connect() as conn:
        return conn.scalar(select(BatchOpening.finished_at).where(BatchOpening.parent_id == cycle_id)) is not None


def busy_user(server: str | None, size: int, plans: int = 600) -> None:
    """Another user's completions while a worker process opens a cycle (as in production: its own process)."""
    with database(server) as engine:
        add_people(engine, size - 9)
        warm_up(engine)
        for _ in range(plans):
            engine.work.start(Person("li.na"), "market_plan", START)
        tasks = [t["id"] for t in engine.work.tasks(Person("wang.lei")) if t["name"] == "research"]
        before = []
        for task_id in tasks[:30]:
            began = time.perf_counter()
            engine.work.complete(Person("wang.lei"), task_id, RESEARCH)
            before.append(time.perf_counter() - began)
        env = {**os.environ, "OPSFLOW_DATABASE_URL": engine.db.url.render_as_string(hide_password=False)}
        worker = subprocess.Popen([sys.executable, "-m", "opsflow.cli", "worker", "--poll", "0.05", "--slots", "1"],
                                  env=env, cwd=REPO, stdout=subprocess.DEVNULL)
        time.sleep(3)  # the worker process imports and connects
        worker_cpu = cpu_seconds(worker.pid)
        began = time.perf_counter()
        result = engine.work.start(Person("chen.yu"), "appraisal_cycle", {"period": "2026-Q4",
                                                                          "period_type": "quarterly"})
        during: list[float] = []
        remaining = iter(tasks[30:])
        while not opening_finished(engine, int(result.id)):
            task_id = next(remaining, None)
            if task_id is None:
                print("    (ran out of tasks before the opening finished: the figures cover part of it)")
                break
            started = time.perf_counter()
            engine.work.complete(Person("wang.lei"), task_id, RESEARCH)
            during.append(time.perf_counter() - started)
        whole = time.perf_counter() - began
        worker_cpu = cpu_seconds(worker.pid) - worker_cpu
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        ms = sorted(d * 1000 for d in during)
        p95 = ms[max(0, round(0.95 * len(ms)) - 1)] if ms else 0.0
        print(f"    opening {result.hook_result['appraisals']:,} appraisals with an `opsflow worker` process: "
              f"{whole:.2f} s (load {os.getloadavg()[0]:.2f}); the worker's CPU time meanwhile {worker_cpu:.2f} s")
        print(f"    wang.lei's completions before: median {statistics.median(before) * 1000:.1f} ms; during the "
              f"opening ({len(ms)}): median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, longest {ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--busy-size", type=int, default=1000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"cycle_opening: appraisals opened {cycles.OPEN_BATCH} per transaction; load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print("  SQLite (temp file, WAL, synchronous=FULL)")
    sizes_table(None, sizes)
    busy_user(None, args.busy_size)
    if args.no_postgres:
        return
    problem = postgres_unavailable(args.postgres)
    print(f"  PostgreSQL ({args.postgres})" + (f": skipped ({problem})" if problem else ""))
    if not problem:
        sizes_table(args.postgres, sizes)
        busy_user(args.postgres, args.busy_size)


if __name__ == "__main__":
    main()
