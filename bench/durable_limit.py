"""How close a persisted completion gets to its floor, and where the rest goes.

Measured in one run, on each database, in rounds: each round runs one block of every phase, in an order
that alternates (A B C, C B A, ...), so a load spike on the shared machine cannot flatter one side.

(1) the raw step: the physical limit of an engine-shaped step, by raw SQL (``sqlite3`` / ``psycopg``)
    against opsflow's own ``process_instance`` and ``history_event`` tables (created from ``engine.models``
    in a scratch database; SQLite with the PRAGMAs of ``engine/db.py``: WAL, synchronous=FULL, foreign
    keys, busy timeout). One step: read the instance row; ``UPDATE ... SET state_json=?, data_json=?,
    version=version+1, ... WHERE id=? AND version=?`` with a state and data the size of a real pruned
    market plan's; insert one history event the size of a real ``task_completed`` event; commit.
(b) bare SpiffWorkflow with serialization: the stored states of the market plan's four steps, each
    loaded (``StateCodec.load``), its ready task given the form's data and run, ``do_engine_steps``, and
    the state dumped again (``StateCodec.dump``); no database.
    **The floor = median raw step + median bare step**: what any engine that stores SpiffWorkflow's
    state in a row and logs an event per step must spend.
(2) opsflow's persisted completions: market plans started (not timed), then completed stage by stage
    (research, draft, review approve, sign-off approve) with ``Engine.work.complete``.

Each prints the median and p95 of one step, and throughput = steps / wall time of its blocks; then
opsflow's median as a multiple of the floor (the goal: at most 2x).

(3) A cProfile breakdown of ``Engine.complete`` (SQLite): each function's own time goes to a
    share by where its code lives (the driver's commit, the driver's statements, SQLAlchemy,
    SpiffWorkflow, the state codec, history hashing, the step recording, form validation, other
    engine code); library and built-in helpers count for whoever called them. The profiler slows
    Python code more than the database: read the shares, not the times. ``--no-profile`` skips it.

Usage::

    .venv/bin/python bench/durable_limit.py [--postgres URL | --no-postgres] [--rounds 6] [--steps 1200]
        [--instances 120] [--profile-instances 50] [--budget 120] [--no-profile]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import _shares as shares  # noqa: E402
import _targets as targets  # noqa: E402
from _figures import Budget, percentile  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine.facade import Engine, build_engine  # noqa: E402
from engine.models import Base, HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, User  # noqa: E402
from engine.org.people import Person  # noqa: E402
from tests.journey import DRAFT, RESEARCH, START, decision  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RAW_DATABASE = "opsflow_bench_durable_raw"
ENGINE_DATABASE = "opsflow_bench_durable"
STAGES = [("wang.lei", "research", RESEARCH), ("zhang.min", "draft_plan", DRAFT),
          ("li.na", "manager_review", decision("approve")), ("chen.yu", "director_signoff", decision("approve"))]
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000")


@dataclass
class Run:
    label: str
    seconds: list[float] = field(default_factory=list)  # one per step
    wall: float = 0.0  # of the timed blocks
    note: str = ""
    cpu: float = 0.0  # this process's CPU time in the timed blocks (not the database server's)

    def add(self, seconds: list[float], wall: float, cpu: float = 0.0) -> None:
        self.seconds += seconds
        self.wall += wall
        self.cpu += cpu

    def line(self) -> str:
        return (f"    {self.label:<44} {len(self.seconds):>6} steps in {self.wall:6.2f} s = {self.rate:8.1f}/s   "
                f"median {self.median * 1000:7.3f} ms  p95 {percentile(self.seconds, 0.95) * 1000:7.3f} ms  "
                f"CPU {self.cpu / max(1, len(self.seconds)) * 1000:6.3f} ms/step{self.note}")

    @property
    def rate(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.0


# -- what a real step writes ---------------------------------------------------------------------------
@dataclass
class Shape:
    state: str
    data: str
    payload: str
    steps: list[tuple[int, str, dict[str, Any], str]]  # (definition id, task name, form data, state before it)


def real_shape(engine: Engine) -> Shape:
    """The state, data and a task_completed payload of a market plan the Engine drove to its review, and the
    stored state before each of its four steps."""
    instance_id = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    steps = []
    for username, name, data in STAGES:
        with engine.db.connect() as conn:
            definition_id, state = conn.execute(select(ProcessInstance.definition_id, ProcessInstance.state_json)
                                                .where(ProcessInstance.id == instance_id)).one()
        steps.append((int(definition_id), name, data, state))
        if name == "manager_review":
            with engine.db.connect() as conn:
                state, data_json = conn.execute(select(ProcessInstance.state_json, ProcessInstance.data_json)
                                                .where(ProcessInstance.id == instance_id)).one()
                payload = conn.scalar(select(HistoryEvent.payload_json).where(
                    HistoryEvent.instance_id == instance_id, HistoryEvent.kind == "task_completed").limit(1))
        engine.work.complete(Person(username), open_task(engine, instance_id, name), data)
    return Shape(state, data_json, payload or "{}", steps)


def open_task(engine: Engine, instance_id: int, name: str) -> int:
    with engine.db.connect() as conn:
        return int(conn.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.name == name, HumanTask.state == "open")))


# -- (1) the raw step ----------------------------------------------------------------------------------
def prepare_tables(url: str, shape: Shape, rows: int) -> None:
    """opsflow's tables (from engine.models), one definition, one user and ``rows`` instances."""
    db = create_engine(url)
    now = datetime.now(UTC)
    try:
        Base.metadata.create_all(db)
        with db.begin() as conn:
            conn.execute(ProcessDefinition.__table__.insert(), {
                "id": 1, "key": "market_plan", "version": 1, "title": "Market plan", "source_name": "market_plan.bpmn",
                "checksum": "", "bpmn_xml": "", "spec_json": "{}", "deployed_at": now})
            conn.execute(User.__table__.insert(), {"id": 1, "username": "li.na", "created_at": now})
            conn.execute(ProcessInstance.__table__.insert(), [{
                "id": i, "definition_id": 1, "process_key": "market_plan", "title": f"Plan {i}", "status": "running",
                "started_by_id": 1, "started_at": now, "version": 1, "state_json": shape.state,
                "data_json": shape.data, "history_seq": 0, "history_head": "0" * 64} for i in range(1, rows + 1)])
    finally:
        db.dispose()


class RawSteps:
    """Engine-shaped steps by raw SQL, in blocks, round robin over the instance rows."""

    def __init__(self, execute: Callable[[str, tuple[Any, ...]], Any], commit: Callable[[], None],
                 begin: Callable[[], None], placeholder: str, shape: Shape, rows: int) -> None:
        p = placeholder
        self.read = f"SELECT version, history_seq, history_head, state_json FROM process_instance WHERE id = {p}"
        self.write = (f"UPDATE process_instance SET state_json = {p}, data_json = {p}, version = {p}, "
                      f"history_seq = {p}, history_head = {p} WHERE id = {p} AND version = {p}")
        self.event = (f"INSERT INTO history_event (instance_id, seq, kind, occurred_at, actor, task_name, "
                      f"human_task_id, payload_json, prev_hash, hash) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, "
                      f"{p}, {p}, {p})")
        self.execute, self.commit, self.begin = execute, commit, begin
        self.shape, self.rows, self.done = shape, rows, 0

    def block(self, steps: int, budget: Budget) -> tuple[list[float], float, float]:
        seconds = []
        t_run, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            if budget.spent():
                break
            step, self.done = self.done, self.done + 1
            instance_id = step % self.rows + 1
            t0 = time.perf_counter()
            self.begin()
            version, seq, head, state = self.execute(self.read, (instance_id,)).fetchone()
            digest = hashlib.sha256(f"{head}{instance_id}{seq + 1}".encode()).hexdigest()
            state = f"{step:010d}" + state[10:]  # a new state of the same size
            done = self.execute(self.write, (state, self.shape.data, version + 1, seq + 1, digest, instance_id,
                                             version))
            if done.rowcount != 1:
                raise RuntimeError(f"instance {instance_id}: the versioned update changed {done.rowcount} rows")
            self.execute(self.event, (instance_id, seq + 1, "task_completed", datetime.now(UTC), "wang.lei",
                                      "research", None, self.shape.payload, head, digest))
            self.commit()
            seconds.append(time.perf_counter() - t0)
        return seconds, time.perf_counter() - t_run, time.process_time() - cpu


@contextmanager
def raw_sqlite(shape: Shape, rows: int) -> Iterator[RawSteps]:
    with tempfile.TemporaryDirectory(prefix="opsflow-durable-") as folder:
        path = Path(folder) / "raw.sqlite"
        prepare_tables(f"sqlite:///{path}", shape, rows)
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        for pragma in SQLITE_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        try:
            yield RawSteps(conn.execute, lambda: conn.execute("COMMIT"), lambda: conn.execute("BEGIN"), "?",
                           shape, rows)
        finally:
            conn.close()


@contextmanager
def scratch_postgres(server: str, name: str) -> Iterator[str]:
    import psycopg

    base = make_url(server)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def raw_postgres(server: str, shape: Shape, rows: int) -> Iterator[RawSteps]:
    import psycopg

    with scratch_postgres(server, RAW_DATABASE) as url:
        prepare_tables(url, shape, rows)
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn:
            cursor = conn.cursor()
            yield RawSteps(lambda sql, params: cursor.execute(sql, params), conn.commit, lambda: None, "%s",
                           shape, rows)


# -- (b) bare SpiffWorkflow with serialization -----------------------------------------------------------
def bare_steps(engine: Engine, shape: Shape, steps: int, budget: Budget) -> tuple[list[float], float, float]:
    """Load each stored state, complete its ready task with the form's data, run, dump: no database."""
    collaborators = engine.collaborators
    with engine.core.reading() as session:
        processes = {d: collaborators.catalog.get(session, d) for d, _, _, _ in shape.steps}
    seconds = []
    t_run, cpu = time.perf_counter(), time.process_time()
    for step in range(steps):
        if budget.spent():
            break
        definition_id, name, data, state = shape.steps[step % len(shape.steps)]
        specs = processes[definition_id].specs
        t0 = time.perf_counter()
        workflow = collaborators.codec.load(state, specs)
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == name)
        task.data[name] = dict(data)
        task.run()
        workflow.do_engine_steps()
        collaborators.codec.dump(workflow)
        seconds.append(time.perf_counter() - t0)
    return seconds, time.perf_counter() - t_run, time.process_time() - cpu


# -- (2) opsflow ---------------------------------------------------------------------------------------
def engine_completions(engine: Engine, instances: int, budget: Budget) -> tuple[list[float], float, float]:
    """Start ``instances`` plans (not timed); complete them stage by stage, timing each completion."""
    plans = [int(engine.work.start(Person("li.na"), "market_plan", START).id) for _ in range(instances)]
    seconds: list[float] = []
    wall = cpu = 0.0
    for username, name, data in STAGES:
        task_ids = [open_task(engine, plan, name) for plan in plans]
        t_stage = time.perf_counter()
        for task_id in task_ids:
            if budget.spent():
                break
            t0, c0 = time.perf_counter(), time.process_time()
            engine.work.complete(Person(username), task_id, data)
            seconds.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
        wall += time.perf_counter() - t_stage
    return seconds, wall, cpu


def alternate(database: str, raw: RawSteps, engine: Engine, shape: Shape, args: argparse.Namespace) -> None:
    """Every phase once per round, the order alternating; then the figures and the ratio to the floor."""
    runs = {"raw": Run(f"(1) raw step ({database})"), "bare": Run("(b) bare SpiffWorkflow + serialization"),
            "ours": Run(f"(2) opsflow Engine.complete ({database})")}
    budget = Budget(args.budget)
    plans = max(1, args.instances // args.rounds)
    phases = {"raw": lambda: raw.block(args.steps // args.rounds, budget),
              "bare": lambda: bare_steps(engine, shape, plans * len(STAGES), budget),
              "ours": lambda: engine_completions(engine, plans, budget)}
    order = list(phases)
    for round_ in range(args.rounds):
        for name in order if round_ % 2 == 0 else order[::-1]:
            runs[name].add(*phases[name]())
    for run in runs.values():
        print(run.line())
    floor = runs["raw"].median + runs["bare"].median
    ours = runs["ours"].median
    print(f"    floor = raw + bare = {floor * 1000:.3f} ms; opsflow {ours * 1000:.3f} ms = "
          f"{ours / floor:.2f}x the floor (median), p95 {percentile(runs['ours'].seconds, 0.95) * 1000:.3f} ms; "
          f"{args.rounds} rounds alternated{budget.note(len(runs['ours'].seconds), plans * 4 * args.rounds)}")
    cpu = {name: run.cpu / max(1, len(run.seconds)) for name, run in runs.items()}
    print(f"    by this process's CPU time (steadier on a busy machine; the database server's own CPU not counted): "
          f"opsflow {cpu['ours'] * 1000:.3f} ms / (raw {cpu['raw'] * 1000:.3f} + bare {cpu['bare'] * 1000:.3f}) = "
          f"{cpu['ours'] / max(cpu['raw'] + cpu['bare'], 1e-9):.2f}x")


def warm(engine: Engine) -> None:
    engine.setup.init(demo=True)
    engine_completions(engine, 3, Budget(None))


def profile(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="opsflow-durable-profile-") as folder:
        engine = build_engine(f"sqlite:///{folder}/profile.sqlite")
        try:
            warm(engine)
            clock = shares.DbClock(engine)
            plain, _, _ = engine_completions(engine, args.profile_instances, Budget(None))
            clock.close()
            profiler = cProfile.Profile()
            plans = [int(engine.work.start(Person("li.na"), "market_plan",
                                           START).id) for _ in range(args.profile_instances)]
            count = 0
            for username, name, data in STAGES:
                for plan in plans:
                    task_id = open_task(engine, plan, name)
                    profiler.enable()
                    engine.work.complete(Person(username), task_id, data)
                    profiler.disable()
                    count += 1
        finally:
            engine.db.dispose()
    stats = pstats.Stats(profiler)
    seconds = shares.breakdown(stats, str(REPO / "engine"))
    total = sum(seconds.values())
    n = len(plain)
    unprofiled = sum(plain) / n
    commit, statements = clock.commit / n, clock.statements / n
    python = max(unprofiled - commit - statements, 0.0)
    profiled_python = sum(v for k, v in seconds.items() if k not in shares.SHARES[:2])
    print(f"\n  (3) where one Engine.complete goes (SQLite; the approve journey's four steps, {n} unprofiled and "
          f"{count} profiled completions)")
    print(f"    unprofiled: {unprofiled * 1000:.2f} ms per completion = commit {commit * 1000:.2f} ms "
          f"({commit / unprofiled:.0%}) + statements {statements * 1000:.2f} ms ({statements / unprofiled:.0%}) "
          f"+ Python {python * 1000:.2f} ms ({python / unprofiled:.0%})  [SQLAlchemy events, no profiler]")
    print(f"    cProfile: {total / count * 1000:.2f} ms per completion; it slows Python more than the database, so the "
          "last column spreads the unprofiled Python time by the profiled Python shares")
    print(f"    {'share':<46} {'profiled ms':>11} {'profiled':>8} {'est. ms':>8} {'est.':>6}")
    for share in shares.SHARES:
        if share == shares.SHARES[0]:
            estimate = commit
        elif share == shares.SHARES[1]:
            estimate = statements
        else:
            estimate = python * seconds[share] / profiled_python if profiled_python else 0.0
        print(f"    {share:<46} {seconds[share] / count * 1000:11.3f} {seconds[share] / total:8.1%} "
              f"{estimate * 1000:8.3f} {estimate / unprofiled:6.1%}")
    table: dict[shares.Func, Any] = stats.stats  # (calls, primitive calls, own time, cumulative, callers)
    parts = []
    for file, name in shares.CUMULATIVE:
        found = [v[3] for (path, _line, fn), v in table.items() if fn == name and path.endswith(file)]
        if found:
            parts.append(f"{file.removesuffix('.py')}.{name} {max(found) / total:.0%}")
    print(f"    cumulative, with everything beneath (profiled): {', '.join(parts) or 'none of them found'}")


# -- main ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server; scratch databases are created "
                        f"({RAW_DATABASE}, {ENGINE_DATABASE}) and dropped (default %(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--rounds", type=int, default=6, help="blocks of each phase, alternated (default 6)")
    parser.add_argument("--steps", type=int, default=1200, help="raw steps per database (default %(default)s)")
    parser.add_argument("--rows", type=int, default=100, help="instance rows the raw steps go round (default 100)")
    parser.add_argument("--instances", type=int, default=120, help="market plans completed per database "
                        "(4 completions each; default %(default)s)")
    parser.add_argument("--profile-instances", type=int, default=50, help="market plans profiled (default 50)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile breakdown")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per database at most")
    args = parser.parse_args()
    print(f"durable_limit: load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory(prefix="opsflow-durable-") as folder:
        engine = build_engine(f"sqlite:///{folder}/engine.sqlite")
        try:
            warm(engine)
            shape = real_shape(engine)
            print(f"  a market plan waiting for its review stores a {len(shape.state):,}-byte state and "
                  f"{len(shape.data):,} bytes of data; its research report event carries {len(shape.payload):,} bytes")
            print("\n  SQLite, temp files, the PRAGMAs of engine/db.py")
            with raw_sqlite(shape, args.rows) as raw:
                alternate("SQLite", raw, engine, shape, args)
        finally:
            engine.db.dispose()

    why = "--no-postgres" if args.no_postgres else targets.postgres_unavailable(args.postgres)
    if why:
        print(f"\n  PostgreSQL: skipped ({why})")
    else:
        print(f"\n  PostgreSQL on {make_url(args.postgres).host}, scratch databases")
        with raw_postgres(args.postgres, shape, args.rows) as raw, \
                scratch_postgres(args.postgres, ENGINE_DATABASE) as url:
            engine = build_engine(url)
            try:
                warm(engine)
                alternate("PostgreSQL", raw, engine, shape, args)
            finally:
                engine.db.dispose()
    print(f"  load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if not args.no_profile:
        profile(args)


if __name__ == "__main__":
    main()
