"""The pages people open every day, on a department-sized database (issue 10's "before" figures).

On the database bench/big_db.py builds (100,000 instances, about 1,000,000 history events and
60,000 open tasks; built first if it is missing, reused otherwise), through the Flask test client
(``webui.create_app(engine)``, then ``webui.server.settle_memory()`` as ``opsflow serve`` does; signed
in by posting to ``/login`` with the demo password, the API with a token from ``Engine.create_token``):

* ``GET /`` (the inbox) and ``GET /api/v1/tasks`` for the user with about 30,000 team tasks and the
  user with about 5 tasks, and both sorted by due date for the first; his inbox searched for texts that
  none of his tasks has (``2025-Q3`` in 5% of the titles) or few have (``Spring`` in 14%): through the title
  index (``title_search.task_or_instance_titled``), two-character texts (in no
  title, in step titles that are not his, in 11%, 25%, 28% and every title: the bigram index for the rare ones,
  his queue row by row in its order for the common ones), one-character ones (in no title, in 25%, 28% and every
  title: the character index, or row by row) and a three-character one in no title; the auditor's search for
  texts of 7, 2 and 1 characters, rare and common; each search again as it was before the index (ILIKE row by
  row, patched in: "(before)", left out with ``--no-before``); ``--only TEXT`` measures only the pages whose
  label holds TEXT (e.g. ``q=``);
* ``GET /requests`` ("My requests") for those two, for a user who took part in many instances and
  for one who started many.

Each page gets ``--warmup`` requests first, then ``--requests`` measured ones, each timed on its own:
p50 and p95 are over those timings. A page whose measurements pass ``--budget`` seconds stops early
and says so. The SQL statements (SQLAlchemy ``before_cursor_execute``) and commits of each request
are counted, and the statements that took longest are listed; ``--explain`` adds their query plans
(``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL).

SQLite is measured as the file was built; ``--with-stats`` also measures a scratch copy after the
engine's own ``refresh_statistics`` (a sampled ``ANALYZE``, as ``opsflow init`` and the worker run it)
and one after a full ``ANALYZE`` (as someone might run by hand: SQLite then picks slower plans).
big_db runs ``VACUUM (ANALYZE)`` on PostgreSQL, as autovacuum would.
The tokens made for the run are deleted at the end. Usage::

    .venv/bin/python bench/inbox_at_scale.py [--sqlite PATH] [--postgres URL | --no-postgres]
        [--requests 50] [--warmup 5] [--budget 60] [--explain] [--with-stats] [--heatmap]

``--heatmap`` also times the market plan's heatmap for the auditor: worked out from every event (before), the
worker's catching up of the kept parts (``Core.keep_heatmaps``: written into the big database, as a worker would),
a round with nothing new, then a fresh node's first look at the page and its diagram (kept by the node); then
``--heatmap-rounds`` first looks by fresh nodes, alternately adding up every kept part (as before the block sums of
``engine.audit.heat_blocks``) and the block sums, and whether both give the full computation's numbers.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import _department as dept  # noqa: E402
import _targets as targets  # noqa: E402
import big_db  # noqa: E402
from _figures import Budget, percentile  # noqa: E402
from sqlalchemy import delete, event, func, or_, select  # noqa: E402

from engine.audit import heat_blocks, heat_kept, heatmap  # noqa: E402
from engine.audit import search as audit_search  # noqa: E402
from engine.audit.heatmap_memo import HeatmapMemo  # noqa: E402
from engine.db import refresh_statistics  # noqa: E402
from engine.facade import Engine, build_engine  # noqa: E402
from engine.models import ApiToken, HumanTask, ProcessInstance, User  # noqa: E402
from engine.org.people import Person, acting  # noqa: E402
from engine.runtime import inbox  # noqa: E402
from webui import create_app  # noqa: E402
from webui.server import settle_memory  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TOKEN_LABEL = "bench inbox_at_scale"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SHOWN_STATEMENTS = 3


@dataclass
class Statement:
    sql: str
    parameters: Any
    seconds: float = 0.0


@dataclass
class RequestLog:
    statements: list[Statement] = field(default_factory=list)
    commits: int = 0


class SqlWatch:
    """The statements (with their time) and commits sent to the database during one request."""

    def __init__(self, engine: Engine) -> None:
        self.db = engine.db
        self.current = RequestLog()
        self.on = False
        event.listen(self.db, "before_cursor_execute", self._before)
        event.listen(self.db, "after_cursor_execute", self._after)
        event.listen(self.db, "commit", self._commit)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.on:
            self.current.statements.append(Statement(statement, parameters, time.perf_counter()))

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.on:
            last = self.current.statements[-1]
            last.seconds = time.perf_counter() - last.seconds

    def _commit(self, conn: Any) -> None:
        if self.on:
            self.current.commits += 1

    def start(self) -> None:
        self.current = RequestLog()
        self.on = True

    def stop(self) -> RequestLog:
        self.on = False
        return self.current

    def close(self) -> None:
        event.remove(self.db, "before_cursor_execute", self._before)
        event.remove(self.db, "after_cursor_execute", self._after)
        event.remove(self.db, "commit", self._commit)


@dataclass
class Measured:
    label: str
    user: str
    about: str
    seconds: list[float]
    logs: list[RequestLog]
    note: str
    cpu: list[float] = field(default_factory=list)  # CPU seconds per request: this process and its database backends

    def statement_counts(self) -> str:
        counts = sorted({len(log.statements) for log in self.logs})
        return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"

    def commit_counts(self) -> str:
        counts = sorted({log.commits for log in self.logs})
        return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"

    def sql_ms(self) -> float:
        """Median over the requests of the time spent in the driver's execute calls."""
        return statistics.median(sum(st.seconds for st in log.statements) for log in self.logs) * 1000

    def slowest(self) -> list[tuple[float, Statement]]:
        """The statements of a request by their median time over the measured requests, slowest first."""
        shape = len(self.logs[0].statements)
        logs = [log for log in self.logs if len(log.statements) == shape]
        medians = [(statistics.median(log.statements[i].seconds for log in logs), logs[-1].statements[i])
                   for i in range(shape)]
        return sorted(medians, key=lambda m: -m[0])


SELECT_LIST = re.compile(r"^SELECT (DISTINCT )?(.+?) FROM ", re.S)


def shorten(sql: str, width: int = 200) -> str:
    """A statement on one line, its select list left out (the FROM and WHERE tell statements apart)."""
    line = SELECT_LIST.sub(lambda m: f"SELECT {m.group(1) or ''}… FROM ", " ".join(sql.split()), count=1)
    return line if len(line) <= width else line[:width - 1] + "…"


def sign_in(app: Any, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    answer = client.post("/login", data={"username": username, "password": dept.PASSWORD,
                                         "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise RuntimeError(f"could not sign in as {username}: HTTP {answer.status_code}")
    return client


def measure(app: Any, watch: SqlWatch, label: str, path: str, user: str, about: str, headers: dict[str, str],
            args: argparse.Namespace) -> Measured:
    client = app.test_client() if headers else sign_in(app, user)
    for _ in range(args.warmup):
        client.get(path, headers=headers)
    budget = Budget(args.budget)
    seconds, logs, cpu = [], [], []
    backends = backend_pids(watch.db)
    for _ in range(args.requests):
        if budget.spent():
            break
        watch.start()
        c0 = cpu_seconds(backends)
        t0 = time.perf_counter()
        answer = client.get(path, headers=headers)
        seconds.append(time.perf_counter() - t0)
        cpu.append(cpu_seconds(backends) - c0)
        logs.append(watch.stop())
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} as {user}: HTTP {answer.status_code}")
    return Measured(label, user, about, seconds, logs, budget.note(len(seconds), args.requests), cpu)


def backend_pids(db: Any) -> list[int]:
    """PostgreSQL on this machine: the server processes of the connections the engine's pool holds (every backend
    of the bench's own database); nothing for SQLite, which runs inside this process."""
    if db.dialect.name == "sqlite":
        return []
    with db.connect() as connection:
        return [int(pid) for pid in connection.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND backend_type = 'client backend'").scalars()]


def cpu_seconds(backends: list[int]) -> float:
    """CPU time used so far by this process and by ``backends`` (from /proc/PID/schedstat, in nanoseconds): unlike
    the wall clock, not lengthened by other work on a shared machine."""
    used = time.process_time()
    for pid in backends:
        try:
            used += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return used


def about_users(engine: Engine, users: dict[str, str]) -> dict[str, dict[str, int]]:
    """Open tasks (mine, team), requests started and instances taken part in, per bench user."""
    facts = {}
    with engine.db.connect() as conn:
        for name in users.values():
            uid = conn.scalar(select(User.id).where(User.username == name))
            started = conn.scalar(select(func.count()).select_from(ProcessInstance)
                                  .where(ProcessInstance.started_by_id == uid))
            took_part = conn.scalar(select(func.count(func.distinct(HumanTask.instance_id)))
                                    .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                                    .where(or_(HumanTask.completed_by_id == uid, HumanTask.assignee_id == uid),
                                           ProcessInstance.started_by_id != uid))
            counts = engine.work.task_counts(Person(name))
            facts[name] = {"mine": counts.mine, "team": counts.team, "started": int(started or 0),
                           "took_part": int(took_part or 0)}
    return facts


def pages(users: dict[str, str], facts: dict[str, dict[str, int]]) -> list[tuple[str, str, str, str]]:
    """(label, path, user, about) of every measured page."""
    def tasks(name: str) -> str:
        f = facts[name]
        return f"{f['mine']:,} mine + {f['team']:,} team tasks"

    def requests(name: str) -> str:
        f = facts[name]
        return f"started {f['started']:,}, took part in {f['took_part']:,}"

    many, few = users["many_tasks"], users["few_tasks"]
    return [
        ("GET /", "/", many, tasks(many)),
        ("GET /", "/", few, tasks(few)),
        ("GET /?sort=due", "/?sort=due", many, tasks(many)),
        ("GET /?q=2025-Q3", "/?q=2025-Q3", many, tasks(many)),  # matches none of his (many others): the index
        ("GET /?q=Spring", "/?q=Spring", many, tasks(many)),  # 6 characters in 14% of the titles, none of his
        ("GET /?q=乙丙", "/?q=%E4%B9%99%E4%B8%99", many, tasks(many)),  # 2 characters, none: the bigram index
        ("GET /?q=乙丙丁", "/?q=%E4%B9%99%E4%B8%99%E4%B8%81", many, tasks(many)),  # 3, in no title: the index
        ("GET /?q=方案", "/?q=%E6%96%B9%E6%A1%88", many, tasks(many)),  # 2, in step titles (not his): bigrams
        ("GET /?q=20", "/?q=20", many, tasks(many)),  # 2, in every title
        ("GET /?q=ri", "/?q=ri", many, tasks(many)),  # 2, in 28% of the titles
        ("GET /?q=水器", "/?q=%E6%B0%B4%E5%99%A8", many, tasks(many)),  # 2, in 25% of the titles
        ("GET /?q=华北", "/?q=%E5%8D%8E%E5%8C%97", many, tasks(many)),  # 2, in 11% of the titles
        ("GET /?q=乙", "/?q=%E4%B9%99", many, tasks(many)),  # 1 character, in no title
        ("GET /?q=门", "/?q=%E9%97%A8", many, tasks(many)),  # 1 character, in 25% of the titles
        ("GET /?q=D", "/?q=D", many, tasks(many)),  # 1 character, in 28% of the titles (d or D)
        ("GET /?q=2", "/?q=2", many, tasks(many)),  # 1 character, in every title
        ("GET /audit/?q=2025-Q3", "/audit/?q=2025-Q3", AUDITOR, "audits every instance"),
        ("GET /audit/?q=乙丙", "/audit/?q=%E4%B9%99%E4%B8%99", AUDITOR, "audits every instance"),
        ("GET /audit/?q=华北", "/audit/?q=%E5%8D%8E%E5%8C%97", AUDITOR, "audits every instance"),
        ("GET /audit/?q=水器", "/audit/?q=%E6%B0%B4%E5%99%A8", AUDITOR, "audits every instance"),
        ("GET /audit/?q=20", "/audit/?q=20", AUDITOR, "audits every instance"),
        ("GET /audit/?q=乙", "/audit/?q=%E4%B9%99", AUDITOR, "audits every instance"),
        ("GET /audit/?q=门", "/audit/?q=%E9%97%A8", AUDITOR, "audits every instance"),
        ("GET /audit/?q=2", "/audit/?q=2", AUDITOR, "audits every instance"),
        ("GET /requests", "/requests", many, requests(many)),
        ("GET /requests", "/requests", few, requests(few)),
        ("GET /requests", "/requests", users["involved"], requests(users["involved"])),
        ("GET /requests", "/requests", users["big_starter"], requests(users["big_starter"])),
        ("GET /api/v1/tasks", "/api/v1/tasks", many, tasks(many)),
        ("GET /api/v1/tasks", "/api/v1/tasks", few, tasks(few)),
        ("GET /api/…?sort=due", "/api/v1/tasks?sort=due", many, tasks(many)),
    ]


def chosen(listed: list[tuple[str, str, str, str]], only: str | None) -> list[tuple[str, str, str, str]]:
    """The pages whose label contains ``only`` (all without it)."""
    return [page for page in listed if only is None or only in page[0]]


def explain(engine: Engine, statement: Statement) -> list[str]:
    with engine.db.connect() as conn:
        if engine.db.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql, statement.parameters).all()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * depth[node] + str(detail))
            return lines
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters).all()
        return [str(r[0]) for r in rows]


def round_trip(engine: Engine, times: int = 200) -> tuple[float, float]:
    """Median and p95 seconds of one ``SELECT 1`` on the driver's connection: the floor under every statement,
    measured in the same run (on this kind of machine a PostgreSQL round trip varies several-fold by the minute)."""
    with engine.db.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        seconds = []
        for _ in range(times):
            began = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            seconds.append(time.perf_counter() - began)
        cursor.close()
    return percentile(seconds, 0.5), percentile(seconds, 0.95)


AUDITOR = "he.ping"
DIRECTOR = "chen.yu"  # audits his department's requests (in the bench's database, nearly all)


SEARCHES = ("GET /?q=", "GET /audit/?q=")


@contextmanager
def row_by_row_search() -> Iterator[None]:
    """The search as it was before the title index (issue 24): ILIKE on the joined titles, row by row."""
    saved = inbox.by_index, audit_search.by_index
    inbox.by_index = audit_search.by_index = lambda _session, _text, _counting=False: False  # type: ignore[assignment]
    try:
        yield
    finally:
        inbox.by_index, audit_search.by_index = saved


def heatmap_before(engine: Engine, viewer: str = AUDITOR) -> tuple[float, Any]:
    """Seconds of the heatmap worked out from every event, as the page did before parts were kept; its numbers."""
    began = time.perf_counter()
    with engine.core.transaction() as session:
        definition = heatmap.find_version(session, "market_plan", 1)
        numbers = heatmap.version_heatmap(session, engine.collaborators.calendar, acting(session, Person(viewer)),
                                          definition, engine.collaborators.clock())
    return time.perf_counter() - began, numbers


def heatmap_kept(engine: Engine, viewer: str = AUDITOR) -> Any:
    """The heatmap as a look works it out from what is kept (block sums, or parts where ``parts_only``)."""
    with engine.core.transaction() as session:
        definition = heatmap.find_version(session, "market_plan", 1)
        return heat_kept.kept_heatmap(session, engine.collaborators.calendar, acting(session, Person(viewer)),
                                      definition, engine.collaborators.clock())


@contextmanager
def parts_only() -> Iterator[None]:
    """A look as it was before the block sums (issue 24): every instance's kept part added up."""
    saved = heat_blocks.whole_version
    heat_blocks.whole_version = lambda *_args: None  # type: ignore[assignment]
    try:
        yield
    finally:
        heat_blocks.whole_version = saved


def same_numbers(full: Any, shown: Any) -> bool:
    return {**full, "computed_at": None} == {**shown, "computed_at": None}


def first_looks(engine: Engine, rounds: int, viewer: str = AUDITOR,
                ) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Seconds of a fresh node's first look at the page (elapsed, and this process's CPU: on SQLite the database's
    work too), alternately adding up the parts (before) and the block sums (after), so that a load spike cannot
    flatter either."""
    before: list[tuple[float, float]] = []
    after: list[tuple[float, float]] = []
    for _ in range(rounds):
        for side, sums in ((before, parts_only), (after, nullcontext)):
            engine.core.heatmaps = HeatmapMemo()  # a fresh node keeps no heatmap yet
            app = create_app(engine, {"SECRET_KEY": "bench-inbox-at-scale"})
            with sums():
                cpu = time.process_time()
                elapsed = heatmap_looks(app, viewer)[0]
                side.append((elapsed, time.process_time() - cpu))
    return before, after


def first_looks_line(looks: tuple[list[tuple[float, float]], list[tuple[float, float]]], viewer: str = AUDITOR) -> str:
    (before, before_cpu), (after, after_cpu) = ((statistics.median(x[0] for x in side),
                                                 statistics.median(x[1] for x in side)) for side in looks)
    return (f"  {viewer}'s first look, alternated {len(looks[0])} times each (fresh node), elapsed (CPU of this "
            "process): "
            f"adding up the kept parts (before) median {before:.3f} s ({before_cpu:.3f} s) "
            f"[{', '.join(f'{x[0]:.2f}' for x in looks[0])}], the block sums (after) median {after:.3f} s "
            f"({after_cpu:.3f} s) [{', '.join(f'{x[0]:.2f}' for x in looks[1])}]: {before / after:.1f}x "
            f"({before_cpu / after_cpu:.1f}x CPU)")


def heatmap_looks(app: Any, viewer: str = AUDITOR) -> tuple[float, float]:
    """Seconds of the heatmap page (worked out over every instance of the version ``viewer`` may audit), then of its
    diagram's request (the numbers the node keeps); a fresh app, so nothing is kept before."""
    client = sign_in(app, viewer)
    seconds = []
    for path in ("/audit/processes/market_plan/versions/1", "/audit/processes/market_plan/versions/1/diagram"):
        began = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - began)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} as {viewer}: HTTP {answer.status_code}")
    return seconds[0], seconds[1]


def run_backend(label: str, url: str, meta: dict[str, Any], args: argparse.Namespace) -> None:
    counts = meta["counts"]
    engine = build_engine(url)
    app = create_app(engine, {"SECRET_KEY": "bench-inbox-at-scale"})
    settle_memory()  # as `opsflow serve` does before its first request
    users = meta["users"]
    tokens = {name: engine.org.create_token(Person(name), TOKEN_LABEL) for name in (users["many_tasks"],
                                                                                    users["few_tasks"])}
    watch = SqlWatch(engine)
    results = []
    before = round_trip(engine)
    try:
        facts = about_users(engine, users)
        for page, path, user, about in chosen(pages(users, facts), args.only):
            headers = {"Authorization": f"Bearer {tokens[user]}"} if path.startswith("/api/") else {}
            results.append(measure(app, watch, page, path, user, about, headers, args))
        with row_by_row_search():
            for page, path, user, about in chosen(pages(users, facts), args.only):
                if page.startswith(SEARCHES) and not args.no_before:
                    results.append(measure(app, watch, page + " (before)", path, user, about, {}, args))
        after = round_trip(engine)
        heat = None
        looks: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
        directors = looks
        same = director_same = (False, False)
        if args.heatmap:
            full, numbers = heatmap_before(engine)
            began = time.perf_counter()
            caught_up = engine.core.keep_heatmaps()  # what the worker does every few seconds
            catching = time.perf_counter() - began
            again = time.perf_counter()
            engine.core.keep_heatmaps()
            idle = time.perf_counter() - again
            engine.core.heatmaps = HeatmapMemo()  # the look above kept nothing here, but a fresh node is meant
            fresh_app = create_app(engine, {"SECRET_KEY": "bench-inbox-at-scale"})
            heat = (full, caught_up, catching, idle, *heatmap_looks(fresh_app))
            with parts_only():
                by_parts = same_numbers(numbers, heatmap_kept(engine))
            same = by_parts, same_numbers(numbers, heatmap_kept(engine))
            looks = first_looks(engine, args.heatmap_rounds)
            _, numbers = heatmap_before(engine, DIRECTOR)
            with parts_only():
                by_parts = same_numbers(numbers, heatmap_kept(engine, DIRECTOR))
            director_same = by_parts, same_numbers(numbers, heatmap_kept(engine, DIRECTOR))
            directors = first_looks(engine, args.heatmap_rounds, DIRECTOR)
    finally:
        watch.close()
        with engine.db.begin() as conn:
            conn.execute(delete(ApiToken).where(ApiToken.label == TOKEN_LABEL))
    print(f"\n{label}: {counts['process_instance']:,} instances, {counts['history_event']:,} history events, "
          f"{counts['open human_task']:,} open tasks; {args.requests} measured requests per page after "
          f"{args.warmup} warm-up, Flask test client")
    print(f"  one round trip (SELECT 1 on the driver), median / p95 ms: before the pages {before[0] * 1000:.3f} / "
          f"{before[1] * 1000:.3f}, after them {after[0] * 1000:.3f} / {after[1] * 1000:.3f}")
    print(f"  {'page':<20} {'user':<10} {'what the user has':<38} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'max ms':>8} {'in SQL':>7} {'stmts':>5} {'commits':>7} {'cpu ms':>7}")
    for m in results:
        print(f"  {m.label:<20} {m.user:<10} {m.about:<38} {len(m.seconds):>3} "
              f"{percentile(m.seconds, 0.5) * 1000:8.1f} {percentile(m.seconds, 0.95) * 1000:8.1f} "
              f"{max(m.seconds) * 1000:8.1f} {m.sql_ms():7.1f} {m.statement_counts():>5} {m.commit_counts():>7}"
              f" {statistics.median(m.cpu) * 1000 if m.cpu else 0:7.1f}{m.note}")
    if heat is not None:
        print(f"  heatmap of market_plan v1 as {AUDITOR}: before (worked out from every event, in-process) "
              f"{heat[0]:.2f} s; the worker's catching up: {heat[1]:,} instances in {heat[2]:.1f} s, a round with "
              f"nothing new {heat[3] * 1000:.1f} ms; then a fresh node's first look at the page {heat[4]:.3f} s "
              f"and its diagram {heat[5] * 1000:.1f} ms (kept by the node)")
        print(f"{first_looks_line(looks)}; the numbers equal the full computation's: parts {same[0]}, "
              f"block sums {same[1]}")
        print(f"{first_looks_line(directors, DIRECTOR)} (his department's requests: the block sums less those "
              f"outside it); the numbers equal the full computation's: parts {director_same[0]}, "
              f"block sums {director_same[1]}")
    print("  (in SQL: median ms per request inside the driver's execute calls; SQLite hands rows over as they are "
          "fetched, so there it holds the time to the first row and any sort, not the fetching; cpu ms: median CPU "
          "time per request of this process and of the PostgreSQL backends serving it, which other work on the "
          "machine lengthens less than the wall clock)")
    print(f"  the slowest statements of each page (median ms over the measured requests, top {SHOWN_STATEMENTS}):")
    for m in results:
        print(f"    {m.label} as {m.user}:")
        for seconds, statement in m.slowest()[:SHOWN_STATEMENTS]:
            print(f"      {seconds * 1000:8.2f} ms  {shorten(statement.sql)}")
            if args.explain:
                for line in explain(engine, statement):
                    print(f"                  {line}")
    engine.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", type=Path, default=targets.DEFAULT_SQLITE, help="SQLite file (default %(default)s)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server (default %(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--pg-database", default=targets.DEFAULT_PG_DATABASE)
    parser.add_argument("--instances", type=int, default=big_db.Plan.instances)
    parser.add_argument("--users", type=int, default=big_db.Plan.users)
    parser.add_argument("--cycles", type=int, default=big_db.Plan.cycles)
    parser.add_argument("--seed", type=int, default=big_db.Plan.seed)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the big databases first")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=5, help="requests per page before measuring")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of measuring per page at most")
    parser.add_argument("--explain", action="store_true", help="print the query plans of the slowest statements")
    parser.add_argument("--no-before", action="store_true", help="skip the searches as they were before the index")
    parser.add_argument("--only", metavar="TEXT", help="measure only the pages whose label contains TEXT (e.g. q=)")
    parser.add_argument("--heatmap", action="store_true",
                        help="also time the market plan's heatmap for the auditor: worked out, then kept")
    parser.add_argument("--heatmap-rounds", type=int, default=3,
                        help="first looks at the heatmap page per side, alternated (default %(default)s)")
    parser.add_argument("--with-stats", action="store_true",
                        help="SQLite also after the sampled and a full ANALYZE, on scratch copies")
    args = parser.parse_args()

    print("inbox_at_scale: p50/p95 per page from per-request timings; SQL statements and commits per request")
    plan = big_db.plan_from(args)
    if not args.no_sqlite:
        target = targets.SqliteTarget(args.sqlite)
        meta = big_db.ensure(target, plan, args.rebuild)
        run_backend("SQLite (as built)", target.url, meta, args)
        if args.with_stats:
            with target.scratch_copy() as url:
                db = build_engine(url).db
                refresh_statistics(db)  # what `opsflow init` and the worker do: a sampled ANALYZE
                db.dispose()
                run_backend("SQLite, a scratch copy after the engine's refresh_statistics (sampled ANALYZE)",
                            url, meta, args)
            with target.scratch_copy() as url:
                db = build_engine(url).db
                with db.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")  # what a plain ANALYZE by hand does
                db.dispose()
                run_backend("SQLite, a scratch copy after a full ANALYZE", url, meta, args)
    if not args.no_postgres:
        why = targets.postgres_unavailable(args.postgres)
        if why:
            print(f"\nPostgreSQL: skipped ({why})")
        else:
            target = targets.PostgresTarget(args.postgres, args.pg_database)
            meta = big_db.ensure(target, plan, args.rebuild)
            run_backend("PostgreSQL (after VACUUM ANALYZE, as autovacuum would)", target.url, meta, args)


if __name__ == "__main__":
    main()
