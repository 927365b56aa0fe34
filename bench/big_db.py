"""Build a department-sized opsflow database for the scale benchmarks (issue 10), fast and reusable.

Default size: 100,000 process instances, about 1,000,000 history events and 60,000 open tasks, on
SQLite (a file, default ``/tmp/opsflow_big.sqlite``) or on PostgreSQL (``--postgres URL``: a server;
the database ``opsflow_big`` is created on it). How it is made:

1. ``Engine.init(demo=True)``, then about 300 people under the demo organisation
   (``Engine.add_user``: marketing managers, research, planning, promotion, PR and customer-service
   supervisors, team leads and staff, five levels deep), all with the demo password.
2. About twenty market plans started and driven by the Engine, one to each wait state and end:
   research (also claimed), draft (also claimed), manager review, director sign-off, the rework
   loops (returned to the drafter, to research, by the director, a second review round, the
   rework cap), approved, vetoed, cancelled at research and at review.
3. Appraisal cycles opened and worked through by the Engine: ``--cycles`` closed ones (every
   appraisal recorded, some after an objection) and the current one with its appraisals at every
   step.
4. The market-plan templates copied with SQLAlchemy Core bulk inserts until the database holds
   ``--instances`` instances (see ``bench/_clones.py``): new ids, new task UUIDs, many titles,
   periods and starters, times spread over two years, history chains hashed again.

Checks after building: ``Engine.verify`` on a sample of copies (and ``opsflow verify`` on one),
then, on a throwaway copy of the database, a copy of each open template is completed (or claimed,
or cancelled) by ``Engine.complete`` and verified again. The database itself stays as built.

A second run with the same parameters reuses the database (a marker: ``PATH.meta.json`` for SQLite,
the database's COMMENT on PostgreSQL); ``--rebuild`` forces a new one. Usage::

    .venv/bin/python bench/big_db.py [PATH] [--postgres URL] [--instances 100000] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import _clones  # noqa: E402
import _department as dept  # noqa: E402
import _targets as targets  # noqa: E402
from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402

from engine.facade import build_engine  # noqa: E402
from engine.models import Base, HistoryEvent, HumanTask, Notification, ProcessInstance  # noqa: E402
from engine.org.people import Person  # noqa: E402
from tests.journey import OPERATOR, chains  # noqa: E402

BUILDER_VERSION = 2  # bump when what is built changes, so old databases are rebuilt
CHUNK = 5000

for _name in [n for n in os.environ if n.startswith("OPSFLOW_SMTP_")]:
    del os.environ[_name]  # no e-mail jobs: the notifications stay in-app


@dataclass(frozen=True)
class Plan:
    """What to build; the marker keeps it, and a database is reused only for the same plan."""

    instances: int = 100_000
    users: int = 300
    cycles: int = 3  # closed appraisal cycles before the current one
    seed: int = 10
    unread_days: float = 7.0  # notifications younger than this stay unread


# -- copies -------------------------------------------------------------------------------------------
REGIONS = ["华北", "华东", "华南", "西南", "东北", "西北", "华中", "North", "Coastal"]
PRODUCTS = ["热水器", "空调", "净水器", "智能门锁", "Heat pumps", "Solar kits", "Smart meters", "地暖"]
KINDS = ["春季推广", "新品上市", "渠道拓展", "Spring launch", "Dealer push", "Retention drive", "门店活动"]


def weighted(names: list[str], favourite: str | None, share: float) -> tuple[list[str], list[float]]:
    """Pick ``favourite`` with probability ``share``, the others evenly."""
    others = [n for n in names if n != favourite]
    if favourite not in names or not others:
        return names, [1.0] * len(names)
    return [favourite, *others], [share] + [(1 - share) / len(others)] * len(others)


def plan_copies(templates: dict[str, _clones.Template], count: int, holders: dict[str, list[str]],
                ids: dict[str, int], rng: random.Random, now: datetime) -> list[_clones.Copy]:
    """Who, what and when for ``count`` copies, in the order they were started."""
    names = list(dept.TEMPLATES)
    shares = [dept.TEMPLATES[n][1] for n in names]
    starters = weighted(holders["marketing_manager"] + holders["planning_supervisor"], dept.BIG_STARTER, 0.15)
    choices = {"starter": starters,
               "researcher": weighted(holders["research_supervisor"], dept.MANY_TASKS, 0.4),
               "planner": weighted(holders["planning_supervisor"], dept.INVOLVED, 0.3),
               "reviewer": weighted(holders["marketing_manager"], "li.na", 0.25),
               "director": ([dept.DIRECTOR], [1.0])}
    counts = {n: int(count * s / sum(shares)) for n, s in zip(names, shares, strict=True)}
    counts["research"] += count - sum(counts.values())
    copies = []
    for name in names:
        t = templates[name]
        for _ in range(counts[name]):
            who = {slot: rng.choices(*choices[slot])[0] for slot in dept.SLOTS}
            actors = {dept.SLOTS[slot]: who[slot] for slot in dept.SLOTS}
            gaps = [timedelta(0)] + [timedelta(hours=rng.uniform(0.5, 72)) for _ in t.times[1:]]
            span = sum(gaps, timedelta(0))
            age = timedelta(days=rng.uniform(0.05, 120)) if t.is_open else timedelta(days=rng.uniform(1, 730))
            moment = now - age - span
            times = {}
            for template_time, gap in zip(t.times, gaps, strict=True):
                moment += gap
                times[template_time] = moment.replace(microsecond=rng.randrange(1_000_000))
            start = min(times.values())
            year, q = divmod(start.year * 4 + (start.month - 1) // 3 + 1, 4)
            title = f"{rng.choice(REGIONS)} {rng.choice(PRODUCTS)} {rng.choice(KINDS)}"
            copies.append(_clones.Copy(t, title, f"{year}-Q{q + 1}",
                                       {ids[a]: ids[b] for a, b in actors.items()}, actors, times))
    copies.sort(key=lambda c: min(c.times.values()))
    return copies


def insert_rows(url: str, rows: _clones.Rows, log: Callable[[str], None]) -> None:
    """Bulk-insert the copies (Core executemany in chunks); on SQLite without journal or fsync."""
    db = create_engine(url)
    if url.startswith("sqlite"):
        @event.listens_for(db, "connect")
        def fast(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=DELETE", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
    try:
        for table, batch in ((ProcessInstance.__table__, rows.instances), (HumanTask.__table__, rows.tasks),
                             (HistoryEvent.__table__, rows.events), (Notification.__table__, rows.notifications)):
            t0 = time.perf_counter()
            with db.begin() as conn:
                for i in range(0, len(batch), CHUNK):
                    conn.execute(insert(table), batch[i:i + CHUNK])
            log(f"  inserted {len(batch):>9,} {table.name} rows in {time.perf_counter() - t0:6.1f} s")
        with db.begin() as conn:
            if db.dialect.name == "postgresql":
                for table in Base.metadata.sorted_tables:
                    if "id" in table.c and table.c.id.primary_key:
                        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                          f"coalesce((SELECT max(id) FROM {table.name}), 1))"))
            else:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    finally:
        db.dispose()


# -- checks -------------------------------------------------------------------------------------------
def check_chains(url: str, sample: list[int]) -> None:
    """``Engine.verify`` on the sample, and the ``opsflow verify`` command on its first one."""
    engine = build_engine(url)
    try:
        problems = [p for instance_id in sample for p in chains(engine, instance_id)[1]]
    finally:
        engine.db.dispose()
    if problems:
        raise RuntimeError(f"{len(problems)} broken chain(s), e.g. instance {problems[0].instance_id}: "
                           f"{problems[0].message}")
    cli = [sys.executable, "-m", "opsflow.cli", "--database", url, "verify", str(sample[0])]
    done = subprocess.run(cli, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"opsflow verify {sample[0]} exited {done.returncode}: {done.stderr.strip()}")


def check_work_on_copies(url: str, copies_by_template: dict[str, list[int]]) -> list[str]:
    """On a scratch database: work on copies of every open template with the Engine; verify them."""
    engine = build_engine(url)
    done = []
    try:
        for name, instance_ids in copies_by_template.items():
            instance_id = instance_ids[-1]
            status = engine.work.show(OPERATOR, instance_id)["status"]
            if status != "running":
                continue
            task_id, task_name, holder = dept.open_task(engine, instance_id)
            user = holder or dept.LANE_USER[task_name]
            engine.work.task(Person(user), task_id)
            result = engine.work.complete(Person(user), task_id, dept.NEXT_STEP[task_name])
            done.append(f"{name}: completed {task_name} as {user} -> {result['status']} "
                        f"{result['end_event'] or ','.join(result['next_tasks'])}")
        plan = copies_by_template["research"][0]  # one copy all the way to the end
        while engine.work.show(OPERATOR, plan)["status"] == "running":
            task_id, task_name, holder = dept.open_task(engine, plan)
            engine.work.claim(Person(dept.LANE_USER[task_name]), task_id)
            result = engine.work.complete(Person(dept.LANE_USER[task_name]), task_id, dept.NEXT_STEP[task_name])
        done.append(f"research copy {plan}: claimed and completed to the end -> {result['end_event']}")
        engine.work.cancel(Person(dept.DIRECTOR), copies_by_template["signoff"][0], "bench check")
        done.append(f"signoff copy {copies_by_template['signoff'][0]}: cancelled")
        worked = [ids[-1] for ids in copies_by_template.values()] + [plan, copies_by_template["signoff"][0]]
        problems = [p for instance_id in worked for p in chains(engine, instance_id)[1]]
        if problems:
            raise RuntimeError(f"after working on copies: {problems[0].instance_id}: {problems[0].message}")
    finally:
        engine.db.dispose()
    return done


# -- building -----------------------------------------------------------------------------------------
def build(target: targets.Target, plan: Plan, log: Callable[[str], None] = print) -> dict[str, Any]:
    began = time.perf_counter()
    rng = random.Random(plan.seed)
    now = datetime.now(UTC)
    target.fresh()
    engine = build_engine(target.url)
    dept.quick_commits(engine)
    phases: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        engine.setup.init(demo=True, demo_password=dept.PASSWORD)
        holders = dept.build_org(engine, plan.users)
        phases["organisation"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        made = dept.make_templates(engine)
        phases["templates"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        periods = dept.run_cycles(engine, plan.cycles, plan.seed, rng, now)
        phases["appraisal cycles"] = time.perf_counter() - t0
        log(f"  engine: {len(holders.get('staff', []))} staff among {len(engine.org.users(OPERATOR))} users, "
            f"{len(made)} market-plan templates, appraisal cycles {', '.join(periods)} "
            f"({phases['organisation'] + phases['templates'] + phases['appraisal cycles']:.1f} s)")
    finally:
        engine.db.dispose()

    t0 = time.perf_counter()
    db = create_engine(target.url)
    try:
        with db.connect() as conn:
            ids = _clones.user_ids(conn)
            templates = {name: _clones.read_template(conn, name, iid, set(dept.SLOTS.values()))
                         for name, iid in made.items()}
            first = {t.name: int(conn.scalar(select(func.max(t.c.id))) or 0) + 1 for t in (
                ProcessInstance.__table__, HumanTask.__table__, HistoryEvent.__table__, Notification.__table__)}
            existing = int(conn.scalar(select(func.count()).select_from(ProcessInstance)) or 0)
    finally:
        db.dispose()
    copies = plan_copies(templates, max(0, plan.instances - existing), holders, ids, rng, now)
    by_template: dict[str, list[int]] = {}
    for offset, copy in enumerate(copies):
        copy.instance_id = first["process_instance"] + offset
        by_template.setdefault(copy.template.name, []).append(copy.instance_id)
    rows = _clones.make_rows(copies, first, rng, now, plan.unread_days)
    phases["making copies"] = time.perf_counter() - t0
    log(f"  made {len(copies):,} copies of {len(templates)} templates in {phases['making copies']:.1f} s")
    t0 = time.perf_counter()
    insert_rows(target.url, rows, log)
    del rows
    if isinstance(target, targets.PostgresTarget):
        t1 = time.perf_counter()
        db = create_engine(target.url, isolation_level="AUTOCOMMIT")
        with db.connect() as conn:  # what autovacuum would have done by the time anyone looks
            conn.exec_driver_sql("VACUUM (ANALYZE)")
        db.dispose()
        log(f"  VACUUM (ANALYZE) in {time.perf_counter() - t1:.1f} s (autovacuum would do it shortly anyway)")
    phases["inserting"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    sample = sorted({ids[0] for ids in by_template.values()} | {ids[-1] for ids in by_template.values()}
                    | set(rng.sample([c.instance_id for c in copies], min(100, len(copies)))))
    check_chains(target.url, sample)
    log(f"  history chains intact: Engine.verify on {len(sample)} copies, `opsflow verify {sample[0]}` exit 0")
    with target.scratch_copy() as scratch:
        for line in check_work_on_copies(scratch, by_template):
            log(f"  on a scratch copy: {line}")
    phases["checks"] = time.perf_counter() - t0
    counts = targets.table_counts(target.url)
    meta = {"builder_version": BUILDER_VERSION, "plan": asdict(plan), "schema": targets.schema_fingerprint(),
            "built_at": now.isoformat(), "build_seconds": round(time.perf_counter() - began, 1),
            "phases": {k: round(v, 1) for k, v in phases.items()}, "counts": counts, "size_bytes": target.size(),
            "users": {"many_tasks": dept.MANY_TASKS, "few_tasks": dept.FEW_TASKS, "involved": dept.INVOLVED,
                      "big_starter": dept.BIG_STARTER},
            "templates": {name: len(ids) for name, ids in by_template.items()},
            "sample_copies": {name: ids[-1] for name, ids in by_template.items()}}
    target.write_marker(meta)
    return meta


def reusable(target: targets.Target, plan: Plan) -> dict[str, Any] | None:
    """The marker of a database built for ``plan`` that still holds what it recorded, or None."""
    try:
        meta = target.read_marker()
    except Exception:  # e.g. the server is up but the database is gone
        return None
    if not meta or meta.get("builder_version") != BUILDER_VERSION or meta.get("plan") != asdict(plan) \
            or meta.get("schema") != targets.schema_fingerprint():
        return None
    db = create_engine(target.url)
    try:
        with db.connect() as conn:
            instances = conn.scalar(select(func.count()).select_from(ProcessInstance))
            events = conn.scalar(select(func.count()).select_from(HistoryEvent))
    except Exception:
        return None
    finally:
        db.dispose()
    counts = meta["counts"]
    if instances != counts["process_instance"] or events != counts["history_event"]:
        return None
    return meta


def ensure(target: targets.Target, plan: Plan, rebuild: bool = False,
           log: Callable[[str], None] = print) -> dict[str, Any]:
    """The database for ``plan``: reused when its marker matches, else built."""
    meta = None if rebuild else reusable(target, plan)
    if meta is not None:
        log(f"big_db: reusing {target.label} (built {meta['built_at'][:19]} in {meta['build_seconds']} s; "
            "--rebuild forces a new one)")
        return meta
    log(f"big_db: building {target.label}: {plan.instances:,} instances, about {plan.users} users, "
        f"{plan.cycles} closed appraisal cycles + the current one")
    return build(target, plan, log)


def report(target: targets.Target, meta: dict[str, Any]) -> None:
    print(f"big_db: {target.label}, {meta['size_bytes'] / 1e6:,.0f} MB, built in {meta['build_seconds']} s "
          f"({', '.join(f'{k} {v} s' for k, v in meta['phases'].items())})")
    for table, n in meta["counts"].items():
        print(f"  {table:<22} {n:>10,}")
    print(f"  copies per template: {', '.join(f'{k} {v:,}' for k, v in meta['templates'].items())}")
    users = meta["users"]
    print(f"  bench users: {users['many_tasks']} (many team tasks), {users['few_tasks']} (few tasks), "
          f"{users['involved']} (took part in many), {users['big_starter']} (started many); password: the demo one")


def target_from(args: argparse.Namespace) -> targets.Target:
    return targets.PostgresTarget(args.postgres, args.pg_database) if args.postgres else targets.SqliteTarget(args.path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", type=Path, default=targets.DEFAULT_SQLITE,
                        help="SQLite file (default %(default)s)")
    parser.add_argument("--postgres", metavar="URL", help="build on this PostgreSQL server instead of SQLite")
    parser.add_argument("--pg-database", default=targets.DEFAULT_PG_DATABASE,
                        help="database to create (default %(default)s)")
    parser.add_argument("--instances", type=int, default=Plan.instances, help="process instances (default %(default)s)")
    parser.add_argument("--users", type=int, default=Plan.users, help="people, about (default %(default)s)")
    parser.add_argument("--cycles", type=int, default=Plan.cycles, help="closed appraisal cycles (default %(default)s)")
    parser.add_argument("--seed", type=int, default=Plan.seed)
    parser.add_argument("--rebuild", action="store_true", help="build even if a matching database exists")


def plan_from(args: argparse.Namespace) -> Plan:
    return Plan(instances=args.instances, users=args.users, cycles=args.cycles, seed=args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args()
    target = target_from(args)
    meta = ensure(target, plan_from(args), args.rebuild)
    report(target, meta)


if __name__ == "__main__":
    main()
