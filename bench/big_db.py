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
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import _clones  # noqa: E402
from sqlalchemy import create_engine, event, func, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine.errors import Conflict  # noqa: E402
from engine.facade import Engine, build_engine  # noqa: E402
from engine.models import Base, HistoryEvent, HumanTask, Notification, ProcessInstance, User  # noqa: E402
from tests.journey import DRAFT, RESEARCH  # noqa: E402

BUILDER_VERSION = 2  # bump when what is built changes, so old databases are rebuilt
DEFAULT_SQLITE = Path("/tmp/opsflow_big.sqlite")
DEFAULT_PG_DATABASE = "opsflow_big"
PASSWORD = os.environ.get("OPSFLOW_DEMO_PASSWORD", "opsflow-demo")
DIRECTOR = "chen.yu"
MANY_TASKS = "wang.lei"  # research supervisor: every unclaimed research task is in his team list
FEW_TASKS = "zhou.jie"  # a team lead: his own self-assessment and his four reports' scorings
FEW_REPORTS = 4
INVOLVED = "zhang.min"  # planning supervisor who drafted a large share of the plans (few started)
BIG_STARTER = "li.na"  # marketing manager who started a large share of the plans
CHUNK = 5000
WORKERS = 2  # processes that drive the appraisals

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


# -- the organisation ---------------------------------------------------------------------------------
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "丹", "鹏", "琳", "昊"]


def display(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7 + i // len(SURNAMES)) % len(GIVEN)]


def org_people(total: int) -> list[tuple[str, str, str]]:
    """(username, role, reports_to) of the people added to the demo organisation, managers first."""
    people: list[tuple[str, str, str]] = []
    managers = ["li.na"] + [f"mm{i:02d}" for i in range(2, 7)]
    people += [(m, "marketing_manager", DIRECTOR) for m in managers[1:]]
    people += [("om01", "ops_manager", DIRECTOR), ("pr01", "pr_supervisor", "sun.hao"),
               ("cs01", "cs_supervisor", "sun.hao")]
    lanes = {"research_supervisor": ["wang.lei"] + [f"rs{i:02d}" for i in range(2, 5)],
             "planning_supervisor": ["zhang.min"] + [f"ps{i:02d}" for i in range(2, 7)],
             "promotion_supervisor": ["liu.yang"] + [f"pm{i:02d}" for i in range(2, 4)]}
    n = 0
    for role, names in lanes.items():
        for name in names[1:]:
            people.append((name, role, managers[n % len(managers)]))
            n += 1
    supervisors = [u for names in lanes.values() for u in names] + ["pr01", "cs01", "om01"]
    demo_leads = {"wang.lei": ["zhou.jie", "wu.fang"], "zhang.min": ["zheng.hui"], "liu.yang": ["feng.yi"]}
    leads: list[str] = []
    for supervisor in supervisors:
        mine = list(demo_leads.get(supervisor, []))
        while len(mine) < 2:
            name = f"lead{len(leads) + len(mine) + 1:02d}"
            people.append((name, "staff", supervisor))
            mine.append(name)
        leads += mine
    staff = max(FEW_REPORTS, total - 13 - len(people))
    others = [lead for lead in leads if lead != FEW_TASKS]
    for i in range(staff):
        lead = FEW_TASKS if i < FEW_REPORTS else others[(i - FEW_REPORTS) % len(others)]
        people.append((f"staff{i + 1:03d}", "staff", lead))
    return people


def build_org(engine: Engine, plan: Plan) -> dict[str, list[str]]:
    """Add the people; give them the demo users' password hash; return the holders of each role."""
    for i, (username, role, manager) in enumerate(org_people(plan.users)):
        engine.add_user(username, [role], reports_to=manager, display_name=display(i),
                        email=f"{username}@example.com")
    with engine.db.begin() as conn:
        digest = conn.scalar(select(User.password_hash).where(User.username == DIRECTOR))
        conn.execute(update(User).where(User.password_hash.is_(None)).values(password_hash=digest))
    holders: dict[str, list[str]] = {}
    for user in engine.users():
        for role in user["roles"]:
            holders.setdefault(role, []).append(user["username"])
    return holders


# -- market-plan templates, driven by the Engine --------------------------------------------------------
# The people a template is made by; a copy puts others in their places.
SLOTS = {"starter": "mm02", "researcher": MANY_TASKS, "planner": INVOLVED, "reviewer": "li.na",
         "director": DIRECTOR}
START = {"title": _clones.TITLE_MARK, "period_type": "quarterly", "period": _clones.PERIOD_MARK,
         "brief": "Grow our share of the district's households this period"}
PLAN_DRAFT = {**DRAFT, "title": _clones.TITLE_MARK, "period": _clones.PERIOD_MARK}
R = ("complete", "research", "researcher", RESEARCH)
D = ("complete", "draft_plan", "planner", PLAN_DRAFT)
OK_M = ("complete", "manager_review", "reviewer", {"decision": "approve"})
BACK_M = ("complete", "manager_review", "reviewer", {"decision": "return", "comment": "The budget needs a breakdown"})
BACK_R = ("complete", "manager_review", "reviewer",
          {"decision": "return_research", "comment": "The competitor data is a year old"})
OK_D = ("complete", "director_signoff", "director", {"decision": "approve"})
BACK_D = ("complete", "director_signoff", "director", {"decision": "return", "comment": "Phase the launch"})
VETO = ("complete", "director_signoff", "director", {"decision": "veto", "comment": "Not this year"})
CANCEL = ("cancel", "", "director", {"reason": "Merged into the regional plan"})
# name -> (how to get there, share of the copies)
TEMPLATES: dict[str, tuple[list[tuple[str, str, str, dict[str, Any]]], float]] = {
    "research": ([], 0.28),
    "research_claimed": ([("claim", "research", "researcher", {})], 0.005),
    "rework_research": ([R, D, BACK_R], 0.015),
    "draft": ([R], 0.07),
    "draft_claimed": ([R, ("claim", "draft_plan", "planner", {})], 0.04),
    "rework_draft": ([R, D, BACK_M], 0.03),
    "director_return": ([R, D, OK_M, BACK_D], 0.01),
    "review": ([R, D], 0.06),
    "review_round2": ([R, D, BACK_M, D], 0.015),
    "signoff": ([R, D, OK_M], 0.07),
    "approved": ([R, D, OK_M, OK_D], 0.17),
    "approved_after_rework": ([R, D, BACK_M, D, OK_M, OK_D], 0.04),
    "approved_after_director_return": ([R, D, OK_M, BACK_D, D, OK_M, OK_D], 0.02),
    "approved_at_rework_cap": ([R, D, *[BACK_M, D] * 5, BACK_M, OK_D], 0.005),
    "vetoed": ([R, D, OK_M, VETO], 0.03),
    "cancelled_at_research": ([CANCEL], 0.10),
    "cancelled_at_review": ([R, D, CANCEL], 0.04),
}


def open_task(engine: Engine, instance_id: int, name: str | None = None) -> tuple[int, str, str | None]:
    """(id, name, holder) of an instance's open task (``name``: that one)."""
    ht = HumanTask.__table__
    query = (select(ht.c.id, ht.c.name, User.username).outerjoin(User, User.id == ht.c.assignee_id)
             .where(ht.c.instance_id == instance_id, ht.c.state == "open").order_by(ht.c.id))
    if name:
        query = query.where(ht.c.name == name)
    with engine.db.connect() as conn:
        rows = conn.execute(query).all()
    if len(rows) != 1:
        raise RuntimeError(f"instance {instance_id}: expected one open {name or ''} task, found {rows}")
    return int(rows[0][0]), str(rows[0][1]), rows[0][2]


def make_templates(engine: Engine) -> dict[str, int]:
    made = {}
    for name, (actions, _share) in TEMPLATES.items():
        instance_id = int(engine.start("market_plan", SLOTS["starter"], START)["id"])
        for verb, task, slot, data in actions:
            user = SLOTS[slot]
            if verb == "cancel":
                engine.cancel(instance_id, user, data["reason"])
            elif verb == "claim":
                engine.claim(open_task(engine, instance_id, task)[0], user)
            else:
                engine.complete(open_task(engine, instance_id, task)[0], user, data)
        made[name] = instance_id
    return made


# -- appraisal cycles, worked through by the Engine -----------------------------------------------------
def scores(base: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for i, key in enumerate(("goals", "quality", "teamwork", "innovation")):
        data[key] = max(1, min(5, base + (i % 2)))
        data[f"{key}_comment"] = f"{key}: as agreed in the last review"
    return data


APPRAISAL_STEPS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "self_assessment": lambda rng: {**scores(rng.randint(2, 4)), "achievements": "Opened two new dealer channels"},
    "manager_scoring": lambda rng: scores(rng.randint(2, 4)),
    "calibration": lambda rng: {"decision": "confirm"},
    "acknowledge": lambda rng: ({"decision": "object", "comment": "My project results are missing"}
                                if rng.random() < 0.1 else {"decision": "accept"}),
    "objection_review": lambda rng: {"decision": "uphold", "comment": "The results were counted in goals"},
}
STOPS = ["self_assessment", "manager_scoring", "calibration", "acknowledge", "objection_review", "recorded"]
STOP_SHARES = [0.35, 0.30, 0.15, 0.10, 0.03, 0.07]


def drive_appraisal(engine: Engine, instance_id: int, stop: str, rng: random.Random) -> None:
    """Complete an appraisal's steps until it waits at ``stop`` (or is recorded)."""
    while True:
        with engine.db.connect() as conn:
            status = conn.scalar(select(ProcessInstance.status).where(ProcessInstance.id == instance_id))
        if status != "running":
            return
        task_id, name, holder = open_task(engine, instance_id)
        if name == stop or holder is None:
            return
        data = APPRAISAL_STEPS[name](rng)
        if name == "acknowledge" and stop == "objection_review":
            data = {"decision": "object", "comment": "My project results are missing"}
        for attempt in range(10):
            try:
                engine.complete(task_id, holder, data)
                break
            except Conflict:  # SQLite: the other process held the write lock as this one began writing
                if attempt == 9:
                    raise
                time.sleep(0.05 * (attempt + 1))


def drive_share(url: str, work: list[tuple[int, str]], seed: int) -> None:
    """Drive appraisals (id, stop) with an engine of this process's own."""
    engine = build_engine(url)
    quick_commits(engine)
    try:
        for appraisal_id, stop in work:
            drive_appraisal(engine, appraisal_id, stop, random.Random(seed * 1_000_003 + appraisal_id))
    finally:
        engine.db.dispose()


def drive_all(engine: Engine, work: list[tuple[int, str]], seed: int) -> None:
    """Drive the appraisals in two processes (their instances are independent); two cores, half the wait."""
    url = engine.db.url.render_as_string(hide_password=False)
    engine.db.dispose()  # no pooled connection crosses the fork
    shares = [work[i::WORKERS] for i in range(WORKERS)]
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        pool.starmap(drive_share, [(url, share, seed) for share in shares])


def run_cycles(engine: Engine, plan: Plan, rng: random.Random, now: datetime) -> list[str]:
    quarter = (now.month - 1) // 3
    periods = []
    for back in range(plan.cycles, -1, -1):
        year, q = divmod(now.year * 4 + quarter - back, 4)
        periods.append(f"{year}-Q{q + 1}")
    for period in periods:
        current = period == periods[-1]
        opened = engine.start("appraisal_cycle", DIRECTOR, {"period": period, "period_type": "quarterly"})
        with engine.db.connect() as conn:
            employees = dict(conn.execute(
                select(ProcessInstance.id, ProcessInstance.data_json).where(
                    ProcessInstance.id.in_(opened["appraisal_ids"]))).all())
        work = []
        for appraisal_id in opened["appraisal_ids"]:
            start = json.loads(employees[appraisal_id])["start"]
            if not current:
                stop = "recorded"
            elif start["employee"] == FEW_TASKS:
                stop = "self_assessment"
            elif start["appraiser"] == FEW_TASKS:
                stop = "manager_scoring"
            else:
                stop = rng.choices(STOPS, STOP_SHARES)[0]
            work.append((appraisal_id, stop))
        drive_all(engine, work, plan.seed)
        if not current:
            engine.complete(open_task(engine, int(opened["id"]), "close_cycle")[0], DIRECTOR,
                            {"summary": f"{period}: all appraisals recorded"})
    return periods


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
    names = list(TEMPLATES)
    shares = [TEMPLATES[n][1] for n in names]
    starters = weighted(holders["marketing_manager"] + holders["planning_supervisor"], BIG_STARTER, 0.15)
    choices = {"starter": starters,
               "researcher": weighted(holders["research_supervisor"], MANY_TASKS, 0.4),
               "planner": weighted(holders["planning_supervisor"], INVOLVED, 0.3),
               "reviewer": weighted(holders["marketing_manager"], "li.na", 0.25),
               "director": ([DIRECTOR], [1.0])}
    counts = {n: int(count * s / sum(shares)) for n, s in zip(names, shares, strict=True)}
    counts["research"] += count - sum(counts.values())
    copies = []
    for name in names:
        t = templates[name]
        for _ in range(counts[name]):
            who = {slot: rng.choices(*choices[slot])[0] for slot in SLOTS}
            actors = {SLOTS[slot]: who[slot] for slot in SLOTS}
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


# -- targets: where the database lives ----------------------------------------------------------------
class SqliteTarget:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.label = f"SQLite {path}"
        self.marker = path.with_name(path.name + ".meta.json")

    def read_marker(self) -> dict[str, Any] | None:
        if not self.path.exists() or not self.marker.exists():
            return None
        return dict(json.loads(self.marker.read_text(encoding="utf-8")))

    def write_marker(self, meta: dict[str, Any]) -> None:
        self.marker.write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")

    def fresh(self) -> None:
        self.marker.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def size(self) -> int:
        return sum(Path(f"{self.path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{self.path}{s}").exists())

    @contextmanager
    def scratch_copy(self) -> Iterator[str]:
        copy = self.path.with_name(self.path.stem + "-check.sqlite")
        db = create_engine(self.url)
        with db.connect() as conn:  # fold the WAL in, so that one file is the whole database
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        shutil.copyfile(self.path, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)


class PostgresTarget:
    def __init__(self, server_url: str, database: str = DEFAULT_PG_DATABASE) -> None:
        base = make_url(server_url)
        self.database = database
        self.admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
        self.url = base.set(database=database).render_as_string(hide_password=False)
        self.label = f"PostgreSQL database {database} on {base.host}:{base.port or 5432}"

    def _admin(self, *statements: str) -> list[Any]:
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            return [conn.execute(s).fetchall() if s.lstrip().upper().startswith("SELECT") else conn.execute(s)
                    for s in statements]

    def read_marker(self) -> dict[str, Any] | None:
        rows = self._admin(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                           f"WHERE datname = '{self.database}'")[0]
        if not rows or not rows[0][0]:
            return None
        return dict(json.loads(rows[0][0]))

    def write_marker(self, meta: dict[str, Any]) -> None:
        body = json.dumps(meta, ensure_ascii=False).replace("'", "''")
        self._admin(f"COMMENT ON DATABASE {self.database} IS '{body}'")

    def fresh(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)", f"CREATE DATABASE {self.database}")

    def size(self) -> int:
        return int(self._admin(f"SELECT pg_database_size('{self.database}')")[0][0][0])

    def drop(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")

    @contextmanager
    def scratch_copy(self) -> Iterator[str]:
        name = f"{self.database}_check"
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                    f"CREATE DATABASE {name} TEMPLATE {self.database}")
        try:
            yield make_url(self.url).set(database=name).render_as_string(hide_password=False)
        finally:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


Target = SqliteTarget | PostgresTarget


def postgres_unavailable(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be used, or None."""
    import psycopg

    try:
        with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True, connect_timeout=5):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


def schema_fingerprint() -> list[str]:
    return [f"{t.name}({','.join(c.name for c in t.columns)})" for t in Base.metadata.sorted_tables]


def table_counts(url: str) -> dict[str, int]:
    db = create_engine(url)
    try:
        with db.connect() as conn:
            counts = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
                      for t in Base.metadata.sorted_tables}
            counts["open human_task"] = int(conn.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.state == "open")) or 0)
        return counts
    finally:
        db.dispose()


# -- checks -------------------------------------------------------------------------------------------
def check_chains(url: str, sample: list[int]) -> None:
    """``Engine.verify`` on the sample, and the ``opsflow verify`` command on its first one."""
    engine = build_engine(url)
    try:
        problems = [p for instance_id in sample for p in engine.verify(instance_id)[1]]
    finally:
        engine.db.dispose()
    if problems:
        raise RuntimeError(f"{len(problems)} broken chain(s), e.g. instance {problems[0].instance_id}: "
                           f"{problems[0].message}")
    cli = [sys.executable, "-m", "opsflow.cli", "--database", url, "verify", str(sample[0])]
    done = subprocess.run(cli, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"opsflow verify {sample[0]} exited {done.returncode}: {done.stderr.strip()}")


NEXT_STEP = {"research": RESEARCH, "draft_plan": PLAN_DRAFT, "manager_review": {"decision": "approve"},
             "director_signoff": {"decision": "approve"}}
LANE_USER = {"research": MANY_TASKS, "draft_plan": INVOLVED, "manager_review": "li.na",
             "director_signoff": DIRECTOR}


def check_work_on_copies(url: str, copies_by_template: dict[str, list[int]]) -> list[str]:
    """On a scratch database: work on copies of every open template with the Engine; verify them."""
    engine = build_engine(url)
    done = []
    try:
        for name, instance_ids in copies_by_template.items():
            instance_id = instance_ids[-1]
            status = engine.show(instance_id)["status"]
            if status != "running":
                continue
            task_id, task_name, holder = open_task(engine, instance_id)
            user = holder or LANE_USER[task_name]
            engine.task(task_id, user)
            result = engine.complete(task_id, user, NEXT_STEP[task_name])
            done.append(f"{name}: completed {task_name} as {user} -> {result['status']} "
                        f"{result['end_event'] or ','.join(result['next_tasks'])}")
        plan = copies_by_template["research"][0]  # one copy all the way to the end
        while engine.show(plan)["status"] == "running":
            task_id, task_name, holder = open_task(engine, plan)
            engine.claim(task_id, LANE_USER[task_name])
            result = engine.complete(task_id, LANE_USER[task_name], NEXT_STEP[task_name])
        done.append(f"research copy {plan}: claimed and completed to the end -> {result['end_event']}")
        engine.cancel(copies_by_template["signoff"][0], DIRECTOR, "bench check")
        done.append(f"signoff copy {copies_by_template['signoff'][0]}: cancelled")
        worked = [ids[-1] for ids in copies_by_template.values()] + [plan, copies_by_template["signoff"][0]]
        problems = [p for instance_id in worked for p in engine.verify(instance_id)[1]]
        if problems:
            raise RuntimeError(f"after working on copies: {problems[0].instance_id}: {problems[0].message}")
    finally:
        engine.db.dispose()
    return done


# -- building -----------------------------------------------------------------------------------------
def quick_commits(engine: Engine) -> None:
    """Let the build's own engine commit without waiting for the disk (what it writes is the same)."""
    def no_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF" if engine.db.dialect.name == "sqlite" else
                       "SET synchronous_commit TO off")
        cursor.close()
        if engine.db.dialect.name != "sqlite":
            dbapi_connection.commit()

    event.listen(engine.db, "connect", no_wait)  # after the engine's own listener, so it wins


def build(target: Target, plan: Plan, log: Callable[[str], None] = print) -> dict[str, Any]:
    began = time.perf_counter()
    rng = random.Random(plan.seed)
    now = datetime.now(UTC)
    target.fresh()
    engine = build_engine(target.url)
    quick_commits(engine)
    phases: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        engine.init(demo=True, demo_password=PASSWORD)
        holders = build_org(engine, plan)
        phases["organisation"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        made = make_templates(engine)
        phases["templates"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        periods = run_cycles(engine, plan, rng, now)
        phases["appraisal cycles"] = time.perf_counter() - t0
        log(f"  engine: {len(holders.get('staff', []))} staff among {len(engine.users())} users, "
            f"{len(made)} market-plan templates, appraisal cycles {', '.join(periods)} "
            f"({phases['organisation'] + phases['templates'] + phases['appraisal cycles']:.1f} s)")
    finally:
        engine.db.dispose()

    t0 = time.perf_counter()
    db = create_engine(target.url)
    try:
        with db.connect() as conn:
            ids = _clones.user_ids(conn)
            templates = {name: _clones.read_template(conn, name, iid, set(SLOTS.values()))
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
    if isinstance(target, PostgresTarget):
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
    counts = table_counts(target.url)
    meta = {"builder_version": BUILDER_VERSION, "plan": asdict(plan), "schema": schema_fingerprint(),
            "built_at": now.isoformat(), "build_seconds": round(time.perf_counter() - began, 1),
            "phases": {k: round(v, 1) for k, v in phases.items()}, "counts": counts, "size_bytes": target.size(),
            "users": {"many_tasks": MANY_TASKS, "few_tasks": FEW_TASKS, "involved": INVOLVED,
                      "big_starter": BIG_STARTER},
            "templates": {name: len(ids) for name, ids in by_template.items()},
            "sample_copies": {name: ids[-1] for name, ids in by_template.items()}}
    target.write_marker(meta)
    return meta


def reusable(target: Target, plan: Plan) -> dict[str, Any] | None:
    """The marker of a database built for ``plan`` that still holds what it recorded, or None."""
    try:
        meta = target.read_marker()
    except Exception:  # e.g. the server is up but the database is gone
        return None
    if not meta or meta.get("builder_version") != BUILDER_VERSION or meta.get("plan") != asdict(plan) \
            or meta.get("schema") != schema_fingerprint():
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


def ensure(target: Target, plan: Plan, rebuild: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    """The database for ``plan``: reused when its marker matches, else built."""
    meta = None if rebuild else reusable(target, plan)
    if meta is not None:
        log(f"big_db: reusing {target.label} (built {meta['built_at'][:19]} in {meta['build_seconds']} s; "
            "--rebuild forces a new one)")
        return meta
    log(f"big_db: building {target.label}: {plan.instances:,} instances, about {plan.users} users, "
        f"{plan.cycles} closed appraisal cycles + the current one")
    return build(target, plan, log)


def report(target: Target, meta: dict[str, Any]) -> None:
    print(f"big_db: {target.label}, {meta['size_bytes'] / 1e6:,.0f} MB, built in {meta['build_seconds']} s "
          f"({', '.join(f'{k} {v} s' for k, v in meta['phases'].items())})")
    for table, n in meta["counts"].items():
        print(f"  {table:<22} {n:>10,}")
    print(f"  copies per template: {', '.join(f'{k} {v:,}' for k, v in meta['templates'].items())}")
    users = meta["users"]
    print(f"  bench users: {users['many_tasks']} (many team tasks), {users['few_tasks']} (few tasks), "
          f"{users['involved']} (took part in many), {users['big_starter']} (started many); password: the demo one")


def target_from(args: argparse.Namespace) -> Target:
    return PostgresTarget(args.postgres, args.pg_database) if args.postgres else SqliteTarget(args.path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SQLITE, help="SQLite file (default %(default)s)")
    parser.add_argument("--postgres", metavar="URL", help="build on this PostgreSQL server instead of SQLite")
    parser.add_argument("--pg-database", default=DEFAULT_PG_DATABASE, help="database to create (default %(default)s)")
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
