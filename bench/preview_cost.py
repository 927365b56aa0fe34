"""What the route preview (流程预测, "what happens next") costs an open task's page.

    .venv/bin/python bench/preview_cost.py [--history 100] [--repeat 30] [--postgres URL | --no-postgres]

Builds a market-plan history with the Engine (``bench/_plan_history.py``; the preview's times are fitted
from it), then one market plan waiting at each step (research, draft_plan, manager_review, director_signoff,
and a large budget at joint_signoff). For each, as the person the step is for, it times in the same run:

* ``page: inline``: ``GET /tasks/<id>`` through the Flask test client with ``OPSFLOW_ROUTE_PREVIEW=inline``,
  the route worked out while the page renders (how the page was served before);
* ``page: after``: the same page as now served by default, without the route: its script asks for it once
  the page is shown;
* ``page: off``: the same page without the panel at all: the baseline of the ratios;
* ``preview (API)``: ``POST /api/v1/tasks/<id>/preview``, what the page's script asks;
* ``next_steps``: ``Engine.simulation.next_steps`` alone, the engine's part of it.

Each figure is the median and p95 of ``--repeat`` single requests (after one warm-up request each, so the
fitted durations are in the engine's memo as in a running server); a ratio is a median over the median of
``page: off`` measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import _common  # noqa: F401  (puts the repository on sys.path)
from _figures import percentile
from _plan_history import build_history
from flask import Flask
from sqlalchemy import select

from engine.facade import Engine
from engine.models import HumanTask
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, START, decision
from webui import create_app

STEPS: list[tuple[str, str, dict[str, Any]]] = [  # (step, who takes it, what they submit) in flow order
    ("research", "wang.lei", RESEARCH),
    ("draft_plan", "zhang.min", DRAFT),
    ("manager_review", "li.na", decision("approve")),
    ("director_signoff", "chen.yu", decision("approve")),
]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "opsflow_bench_preview_cost"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LARGE = {**DRAFT, "budget_cny": 1_500_000}  # over the countersign threshold: joint_signoff instead


def open_task(engine: Engine, instance_id: int, name: str) -> int:
    with engine.core.session_factory() as session:
        ids = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.name == name,
                                                         HumanTask.state == "open").order_by(HumanTask.id)).all()
    if not ids:
        raise RuntimeError(f"no open {name!r} task in instance {instance_id}")
    return int(ids[0])


def plans_at_each_step(engine: Engine) -> list[tuple[str, str, int]]:
    """(step, its user, task id): one new market plan waiting at each step."""
    waiting = []
    for depth, (step, user, _form) in enumerate([*STEPS, ("joint_signoff", "chen.yu", {})]):
        large = step == "joint_signoff"
        instance = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": f"Bench {step}"}).id)
        for earlier, who, form in STEPS[:3 if large else depth]:
            task = open_task(engine, instance, earlier)
            engine.work.complete(Person(who), task, LARGE if large and earlier == "draft_plan" else form)
        waiting.append((step, user, open_task(engine, instance, step)))
    return waiting


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm-up: templates compiled, the fit in the memo
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - began)
    return seconds


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:6.1f} /{percentile(values, 0.95) * 1000:6.1f}"


@dataclass
class StepFigures:
    inline: list[float]  # GET /tasks/<id>, the route worked out while rendering
    after: list[float]  # ... served without it (the default: the page's script asks once it is shown)
    off: list[float]  # ... without the panel at all: the baseline
    api: list[float]  # POST /api/v1/tasks/<id>/preview: what the script asks
    engine: list[float]  # Engine.simulation.next_steps alone

    def add(self, other: StepFigures) -> None:
        for name in ("inline", "after", "off", "api", "engine"):
            getattr(self, name).extend(getattr(other, name))


def measure_step(app: Flask, engine: Engine, user: str, task_id: int, repeat: int) -> StepFigures:
    client = app.test_client()
    with client.session_transaction() as session:
        session["username"] = user

    def page() -> str:
        response = client.get(f"/tasks/{task_id}")
        assert response.status_code == 200, response.status_code
        return str(response.get_data(as_text=True))

    modes = ("inline", "after", "off")  # OPSFLOW_ROUTE_PREVIEW, read on each request
    figures: dict[str, list[float]] = {mode: [] for mode in modes}
    for mode in modes:  # warm-up, and each mode shows what it should
        app.config["OPSFLOW_ROUTE_PREVIEW"] = mode
        shown = page()
        assert ("<li data-step" in shown) == (mode == "inline") and ("data-load" in shown) == (mode == "after")
    for index in range(repeat):  # interleaved, in turning order, so that a change of load hits all three alike
        for mode in modes[index % 3:] + modes[:index % 3]:
            app.config["OPSFLOW_ROUTE_PREVIEW"] = mode
            began = time.perf_counter()
            page()
            figures[mode].append(time.perf_counter() - began)
    app.config["OPSFLOW_ROUTE_PREVIEW"] = "after"
    found = CSRF.search(page())
    assert found, "no CSRF token on the task page"

    def api() -> None:
        response = client.post(f"/api/v1/tasks/{task_id}/preview", json={"data": {}},
                               headers={"X-CSRFToken": found[1]})
        assert response.status_code == 200, response.get_data(as_text=True)

    asked = timed(api, repeat)
    alone = timed(lambda: engine.simulation.next_steps(Person(user), task_id, {}), repeat)
    return StepFigures(figures["inline"], figures["after"], figures["off"], asked, alone)


def measure(engine: Engine, label: str, repeat: int) -> None:
    app = create_app(engine=engine, config={"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"median / p95 in ms of {repeat} requests each; ratios: median against the page without the preview")
    print(f"{'step':17} {'page: inline':>15} {'ratio':>5} {'page: after':>15} {'ratio':>5} {'page: off':>15} "
          f"{'preview (API)':>15} {'ratio':>5} {'next_steps':>15}")
    every = StepFigures([], [], [], [], [])
    for step, user, task_id in plans_at_each_step(engine):
        one = measure_step(app, engine, user, task_id, repeat)
        print(f"{step:17} {row(one)}")
        every.add(one)
    print(f"{'all steps':17} {row(every)}")
    off, inline = statistics.median(every.off), statistics.median(every.inline)
    after, api = statistics.median(every.after), statistics.median(every.api)
    print(f"{label}: worked out while rendering, the preview adds {(inline - off) * 1000:.1f} ms "
          f"({inline / off - 1:+.0%}) to the page; served without it, the page takes {after / off - 1:+.0%} "
          f"against no preview at all, and the script's request then takes {api * 1000:.1f} ms ({api / off:.0%} of "
          f"the page, after it is shown)")


def row(figures: StepFigures) -> str:
    off = statistics.median(figures.off)
    return (f"{ms(figures.inline):>15} {statistics.median(figures.inline) / off:5.2f} {ms(figures.after):>15} "
            f"{statistics.median(figures.after) / off:5.2f} {ms(figures.off):>15} {ms(figures.api):>15} "
            f"{statistics.median(figures.api) / off:5.2f} {ms(figures.engine):>15}")


@contextmanager
def postgres_database(url: str) -> Iterator[str | None]:
    """A database made for this run on the server at ``url`` (dropped afterwards); None when none answers."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not run: {str(exc).strip().splitlines()[0]}")
        yield None
        return
    try:
        yield base.set(database=PG_DATABASE).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def on(url: str, label: str, history: int, repeat: int) -> None:
    began = time.perf_counter()
    engine = build_history(url, history)
    print(f"\n{label}: history of {history} market plans built in {time.perf_counter() - began:.0f} s")
    try:
        measure(engine, label, repeat)
    finally:
        engine.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history", type=int, default=100, help="market plans in the history")
    parser.add_argument("--repeat", type=int, default=30, help="requests per figure")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a PostgreSQL server (a database "
                        f"{PG_DATABASE} is made on it for the run)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="opsflow-preview-") as folder:
        on(f"sqlite:///{folder}/history.sqlite", "SQLite", args.history, args.repeat)
    if not args.no_postgres:
        with postgres_database(args.postgres) as url:
            if url is not None:
                on(url, "PostgreSQL", args.history, args.repeat)
    print(f"\nload after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
