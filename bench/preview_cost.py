"""What the route preview (流程预测, "what happens next") costs an open task's page.

    .venv/bin/python bench/preview_cost.py [--history 100] [--repeat 30] [--postgres URL | --no-postgres]

Builds a market-plan history with the Engine (``bench/_plan_history.py``; the preview's times are fitted
from it), then one market plan waiting at each step (research, draft_plan, manager_review, director_signoff,
and a large budget at joint_signoff). For each, as the person the step is for, it times in the same run:

* ``page``: ``GET /tasks/<id>`` through the Flask test client, the page as served;
* ``page, no preview``: the same page with the preview left out (the engine's ``next_steps`` refused, so the
  page renders without its panel): the baseline;
* ``preview``: ``POST /api/v1/tasks/<id>/preview`` (what the page's script asks once the page is shown);
* ``next_steps``: ``Engine.simulation.next_steps`` alone, the engine's part of it.

Each figure is the median and p95 of ``--repeat`` single requests (after one warm-up request each, so the
fitted durations are in the engine's memo as in a running server); the ratio is page / baseline.
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

from engine.errors import ProcessError
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


@contextmanager
def preview_left_out(engine: Engine) -> Iterator[None]:
    """The task page without its preview: ``next_steps`` refuses, as when the model cannot run the data."""
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ProcessError("left out for the baseline")

    engine.simulation.next_steps = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        del engine.simulation.next_steps  # the class's method again


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm-up: templates compiled, the fit in the memo
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - began)
    return seconds


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} / {percentile(values, 0.95) * 1000:7.1f}"


@dataclass
class StepFigures:
    page: list[float]  # GET /tasks/<id>, as served
    bare: list[float]  # ... with the preview left out
    api: list[float]  # POST /api/v1/tasks/<id>/preview
    engine: list[float]  # Engine.simulation.next_steps
    listed: bool  # whether the served page lists the route (else its script fetches it)


def measure_step(app: Flask, engine: Engine, user: str, task_id: int, repeat: int) -> StepFigures:
    client = app.test_client()
    with client.session_transaction() as session:
        session["username"] = user

    def page() -> str:
        response = client.get(f"/tasks/{task_id}")
        assert response.status_code == 200, response.status_code
        return str(response.get_data(as_text=True))

    shown = page()
    found = CSRF.search(shown)
    assert found, "no CSRF token on the task page"
    headers = {"X-CSRFToken": found.group(1)}

    def api() -> None:
        response = client.post(f"/api/v1/tasks/{task_id}/preview", json={"data": {}}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    full = timed(page, repeat)
    with preview_left_out(engine):
        assert 'id="route-preview"' not in page()
        bare = timed(page, repeat)
    asked = timed(api, repeat)
    alone = timed(lambda: engine.simulation.next_steps(Person(user), task_id, {}), repeat)
    return StepFigures(full, bare, asked, alone, "<li data-step" in shown)


def measure(engine: Engine, label: str, repeat: int) -> None:
    app = create_app(engine=engine, config={"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"median / p95 in ms of {repeat} requests each")
    print(f"{'step':18} {'page':>17} {'page, no preview':>17} {'ratio':>6} {'preview (API)':>17} "
          f"{'next_steps':>17}  route in page")
    every = StepFigures([], [], [], [], False)
    for step, user, task_id in plans_at_each_step(engine):
        one = measure_step(app, engine, user, task_id, repeat)
        ratio = statistics.median(one.page) / statistics.median(one.bare)
        print(f"{step:18} {ms(one.page):>17} {ms(one.bare):>17} {ratio:6.2f} {ms(one.api):>17} {ms(one.engine):>17}"
              f"  {'listed' if one.listed else 'fetched after'}")
        every.page += one.page
        every.bare += one.bare
        every.api += one.api
        every.engine += one.engine
    page_ms, bare_ms = statistics.median(every.page) * 1000, statistics.median(every.bare) * 1000
    api_ms = statistics.median(every.api) * 1000
    print(f"{'all steps':18} {ms(every.page):>17} {ms(every.bare):>17} {page_ms / bare_ms:6.2f} {ms(every.api):>17} "
          f"{ms(every.engine):>17}")
    print(f"{label}: the page takes {page_ms - bare_ms:+.1f} ms ({page_ms / bare_ms - 1:+.0%}) against the page "
          f"without the preview; the preview asked on its own takes {api_ms:.1f} ms = {api_ms / bare_ms:.0%} of "
          f"the page without it")


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
