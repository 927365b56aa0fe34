"""The audit workspace at scale: instance search at 100,000 instances, and a version's heatmap.

    .venv/bin/python bench/audit_search.py [--instances 100000] [--heatmap 10000] [--postgres URL]

Builds a database with the demo organisation, then bulk-inserts ``--instances`` market plans
(rows as the engine writes them: instance, human tasks, a history of 12-14 events each; a fifth
of them reworked once, one in ten vetoed, one in ten still running; moves: one in 20 urged at research,
one in 500 transferred there, one in 1,000 researched by a proxy for someone away), split over two versions:
``--heatmap`` of them on version 2, the rest on version 1. The bulk insert is not timed and
is not the engine's way of writing (its hash chains are not computed): only the reads are measured.

Then it times each audit search (median of 5 runs, first page of 50, the query as the web page
and the API send it), a page far into the listing (by its cursor), the director's department
scope, and the heatmap of version 2. On SQLite it also prints each query's plan, so an index
that is not used shows. Figures are for this machine and noisy: compare them with each other.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - puts the repository root on sys.path
from sqlalchemy import insert, select, text

from engine.audit.search import InstanceQuery, encode_cursor
from engine.facade import Engine, build_engine
from engine.models import HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, TaskDefinition, User
from engine.org.people import Person

PEOPLE = {"research": "wang.lei", "draft_plan": "zhang.min", "manager_review": "li.na",
          "director_signoff": "chen.yu"}
LANES = {"research": "research_supervisor", "draft_plan": "planning_supervisor",
         "manager_review": "marketing_manager", "director_signoff": "director"}
STARTERS = ("li.na", "zhang.min", "chen.yu")
BATCH = 5000


def second_version(engine: Engine) -> int:
    """A copy of market_plan v1 as v2 (same spec), so that one version holds a known share."""
    with engine.core.transaction() as session:
        v1 = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == "market_plan"))
        assert v1 is not None
        columns = {c.name: getattr(v1, c.name) for c in ProcessDefinition.__table__.columns if c.name != "id"}
        v2 = ProcessDefinition(**{**columns, "version": 2})
        session.add(v2)
        session.flush()
        for task in session.scalars(select(TaskDefinition).where(TaskDefinition.definition_id == v1.id)).all():
            values = {c.name: getattr(task, c.name) for c in TaskDefinition.__table__.columns}
            session.add(TaskDefinition(**{**values, "definition_id": v2.id}))
        return int(v2.id)


def _plan_rows(number: int, definition_id: int, users: dict[str, int], rng: random.Random, start: datetime,
               task_id: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    started = start + timedelta(minutes=rng.randrange(0, 525_600))
    path = ["research", "draft_plan", "manager_review"]
    reworked = rng.random() < 0.2
    if reworked:
        path += ["draft_plan", "manager_review"]
    running = rng.random() < 0.1
    if running:
        path = path[: rng.randrange(1, len(path) + 1)]
    else:
        path.append("director_signoff")
    end = None if running else ("vetoed" if rng.random() < 0.1 else "approved")
    events: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    at = started
    seq = 0

    def event(kind: str, actor: str | None, task: str | None, human: int | None, payload: dict[str, Any]) -> None:
        nonlocal seq
        seq += 1
        events.append({"instance_id": number, "seq": seq, "kind": kind, "occurred_at": at, "actor": actor,
                       "task_name": task, "human_task_id": human, "payload_json": json.dumps(payload),
                       "prev_hash": "0" * 64, "hash": "0" * 64})

    event("instance_started", STARTERS[number % 3], None, None, {"process": "market_plan"})
    for index, name in enumerate(path):
        task_id += 1
        created = at
        event("task_created", None, name, task_id, {"role": LANES[name]})
        if index == 0 and number % 20 == 0:  # moves, by the instance's number (the random stream stays as it was)
            event("task_urged", STARTERS[number % 3], name, task_id, {"told": [PEOPLE[name]]})
        if index == 0 and number % 500 == 0:
            event("task_transferred", PEOPLE[name], name, task_id, {"from": PEOPLE[name], "to": "zhou.jie",
                                                                    "reason": "bench"})
        at += timedelta(hours=rng.randrange(1, 96))
        last_open = running and index == len(path) - 1
        tasks.append({"id": task_id, "instance_id": number, "definition_id": definition_id,
                      "spiff_task_id": f"{number}-{index}", "name": name, "lane": LANES[name],
                      "state": "open" if last_open else "completed", "created_at": created,
                      "completed_at": None if last_open else at,
                      "completed_by_id": None if last_open else users[PEOPLE[name]],
                      "assignee_id": None if last_open else users[PEOPLE[name]],
                      "on_behalf_of_id": users["wang.lei"] if index == 0 and number % 1000 == 0 else None})
        if last_open:
            break
        decision = "return" if name == "manager_review" and reworked and index == 2 else "approve"
        event("task_completed", PEOPLE[name], name, task_id, {"decision": decision})
        if name == "manager_review":
            event("gateway_path", PEOPLE[name], "review_decision", None, {
                "gateway": "review_decision", "to": ["count_manager_return" if decision == "return"
                                                     else "director_signoff"]})
            if decision == "return":
                event("gateway_path", PEOPLE[name], "manager_return_cap", None,
                      {"gateway": "manager_return_cap", "to": ["draft_plan"]})
    if end:
        event("gateway_path", "chen.yu", "signoff_decision", None, {"gateway": "signoff_decision", "to": [end]})
        event("instance_ended", "chen.yu", end, None, {"end_event": end})
    instance = {"id": number, "definition_id": definition_id, "process_key": "market_plan",
                "title": f"Plan {number} ({'reworked' if reworked else 'straight'})",
                "status": "running" if running else "completed", "end_event": end,
                "started_by_id": users[STARTERS[number % 3]], "started_at": started,
                "ended_at": None if running else at, "version": 1, "state_json": "{}", "data_json": "{}",
                "history_seq": seq, "history_head": "0" * 64}
    return instance, tasks, events


def fill(engine: Engine, instances: int, on_v2: int) -> None:
    rng = random.Random(8)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.core.transaction() as session:
        users = {u.username: u.id for u in session.scalars(select(User))}
        v1 = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == "market_plan",
                                                               ProcessDefinition.version == 1))
    v2 = second_version(engine)
    task_id = 0
    for first in range(1, instances + 1, BATCH):
        rows: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
        for number in range(first, min(first + BATCH, instances + 1)):
            definition = v2 if number <= on_v2 else v1
            instance, tasks, events = _plan_rows(number, int(definition or 0), users, rng, start, task_id)
            task_id += len(tasks)
            rows[0].append(instance)
            rows[1].extend(tasks)
            rows[2].extend(events)
        with engine.core.transaction() as session:
            for model, batch in zip((ProcessInstance, HumanTask, HistoryEvent), rows, strict=True):
                session.execute(insert(model.__table__), batch)  # type: ignore[arg-type]
    if engine.db.dialect.name == "postgresql":
        with engine.db.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:
        with engine.db.begin() as connection:
            connection.execute(text("ANALYZE"))


def timed(run: Any, repeat: int = 5) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def plan_of(engine: Engine, username: str, params: dict[str, str]) -> str:
    """SQLite's plan for the search's query (one line per step)."""
    from sqlalchemy.dialects import sqlite

    from engine.audit import search
    from engine.org.people import load_actor

    captured: list[str] = []
    with engine.core.reading() as session:
        actor = load_actor(session, username)
        query = InstanceQuery.from_params(params)
        original = session.execute

        def spy(statement: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(statement, "is_select", False) and "process_instance" in str(statement) and not captured:
                compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
                captured.extend(str(row[-1]) for row in original(text(f"EXPLAIN QUERY PLAN {compiled}")))
            return original(statement, *args, **kwargs)

        session.execute = spy  # type: ignore[method-assign]
        search.search_instances(session, actor, query)
    return "; ".join(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--heatmap", type=int, default=10_000, help="instances on version 2 (the heatmap's)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to run on instead of a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'audit.sqlite'}"
        engine = build_engine(url)
        engine.setup.init(demo=True)
        began = time.perf_counter()
        fill(engine, args.instances, args.heatmap)
        print(f"{engine.db.dialect.name}: {args.instances} instances bulk-inserted in "
              f"{time.perf_counter() - began:.0f} s (not timed below)")
        middle = engine.audit.search(Person("he.ping"), {"sort": "id", "limit": "1", "after": encode_cursor(
            args.instances // 2, args.instances // 2)})["items"][0]
        deep = encode_cursor(datetime.fromisoformat(middle["started_at"].replace("Z", "+00:00")), middle["id"])
        searches = [
            ("newest first, page 1", "he.ping", {}),
            ("page at the middle (cursor)", "he.ping", {"after": deep}),
            ("process + end approved", "he.ping", {"process": "market_plan", "end": "approved"}),
            ("version 2, oldest first", "he.ping", {"process": "market_plan", "version": "2", "order": "asc"}),
            ("status running", "he.ping", {"status": "running"}),
            ("completed a step: li.na", "he.ping", {"actor": "li.na"}),
            ("started by zhang.min, March", "he.ping", {"started_by": "zhang.min", "from": "2026-03-01",
                                                       "to": "2026-03-31"}),
            ("ended in May, by end", "he.ping", {"dates": "ended", "from": "2026-05-01", "to": "2026-05-31",
                                                 "sort": "ended"}),
            ("text in the title", "he.ping", {"q": "reworked"}),
            ("rare text (scans titles)", "he.ping", {"q": "Plan 4242 "}),
            ("2 characters, in no title", "he.ping", {"q": "乙丙"}),
            ("2 characters, 1 title in 50", "he.ping", {"q": "42"}),
            ("2 characters, most titles", "he.ping", {"q": "ai"}),
            ("1 character, in no title", "he.ping", {"q": "乙"}),
            ("with rework", "he.ping", {"rework": "true", "end": "approved"}),
            ("move: urged (1 in 20)", "he.ping", {"move": "urged"}),
            ("move: transferred (1 in 500)", "he.ping", {"move": "transferred"}),
            ("move: transferred + approved", "he.ping", {"move": "transferred", "end": "approved"}),
            ("move: withdrawn (none)", "he.ping", {"move": "withdrawn"}),
            ("move: on behalf of (1 in 1000)", "he.ping", {"move": "on_behalf_of"}),
            ("move: urged, director's scope", "chen.yu", {"move": "urged"}),
            ("director's department scope", "chen.yu", {}),
        ]
        for label, user, params in searches:
            ms, page = timed(lambda u=user, p=params: engine.audit.search(Person(u), p))
            print(f"  search {label:<30} {ms:8.1f} ms  ({len(page['items'])} rows)")
            if engine.db.dialect.name == "sqlite":
                print(f"      plan: {plan_of(engine, user, params)}")
        ms, heat = timed(lambda: engine.audit.heatmap(Person("he.ping"), "market_plan", 2), repeat=1)
        print(f"  heatmap of version 2 over {heat['instances']} instances: {ms / 1000:.1f} s")
        ms, _ = timed(lambda: engine.audit.instance(Person("he.ping"), 1))
        print(f"  one instance's audit view: {ms:.1f} ms; replay of step 3: "
              f"{timed(lambda: engine.audit.replay(Person('he.ping'), 1, 3))[0]:.1f} ms")
        engine.db.dispose()


if __name__ == "__main__":
    main()
