"""SQL statements and commits per use case, on SQLite, through the Engine and over HTTP.

Counts what goes to the database (SQLAlchemy ``before_cursor_execute``; the implicit BEGIN of the
sqlite3 driver is not a statement and is not counted) and the commits and rollbacks on
``engine.db`` during one call of ``Engine.start``, ``Engine.tasks``, ``Engine.claim`` and
``Engine.complete`` for each step of the market-plan approve journey, ``Engine.attach`` of a PDF to the
draft's file field and the draft's completion naming it, and during two HTTP task
submissions through the Flask test client (``webui.create_app``), auth included:

* ``POST /api/v1/tasks/{id}/complete`` with a bearer token (``Engine.create_token``);
* ``POST /tasks/{id}/complete``, the HTML form, in a signed-in session with the CSRF token taken
  from the task page.

Both submit the research report of a plan that is not claimed, as ``Engine.complete (research,
not claimed)`` does. The definition cache is warmed by one whole journey first, and each HTTP
route by one submission; the first call in a fresh process (cold cache) is shown separately.
Usage::

    .venv/bin/python bench/sql_per_step.py [--quiet] [--json]

``--quiet``: counts only, no statements. ``--json``: only ``{"start": {"statements": N,
"commits": M}, "list": ..., "claim": ..., "complete": ..., "http_complete": ...,
"http_complete_form": ...}``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from typing import Any

from _common import JOURNEY, RESEARCH, START, STARTER, SqlCount, count_sql, open_task_id, run_journey, sqlite_engine

from engine.facade import Engine, build_engine
from engine.org.people import Person
from engine.runtime.file_types import Upload
from tests.journey import OPERATOR
from webui import create_app

WIDTH = 150
RESEARCHER, FIRST_TASK = JOURNEY[0][0], JOURNEY[0][1]
PASSWORD = "bench-sql-per-step"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]+)"')


def measure(engine: Engine, label: str, call: Callable[[], Any], rows: list[tuple[str, SqlCount]]) -> Any:
    with count_sql(engine) as counted:
        result = call()
    rows.append((label, counted))
    return result


def new_research_task(engine: Engine) -> int:
    instance_id = int(engine.work.start(Person(STARTER), "market_plan", START).id)
    return open_task_id(engine, instance_id, FIRST_TASK)


def csrf_token(page: str) -> str:
    found = CSRF.search(page)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def hidden_fields(page: str, task_id: int) -> dict[str, str]:
    """The hidden fields of a task page's form (the CSRF token, the form it was made with), as a browser sends them."""
    form = page[page.index(f'action="/tasks/{task_id}/complete"'):]
    return dict(HIDDEN.findall(form[:form.index("</form>")]))


def attach_and_complete(engine: Engine, rows: list[tuple[str, SqlCount]]) -> None:
    """Count attaching a PDF to the draft's file field (附件), and completing the draft that names it."""
    (_r, research, research_data), (drafter, draft_name, draft_data) = JOURNEY[0], JOURNEY[1]
    instance_id = int(engine.work.start(Person(STARTER), "market_plan", START).id)
    engine.work.complete(Person(RESEARCHER), open_task_id(engine, instance_id, research), research_data)
    task_id = open_task_id(engine, instance_id, draft_name)
    [added] = measure(engine, f"Engine.attach ({draft_name}, a PDF to its file field)",
                      lambda: engine.work.attach(Person(drafter), task_id, [Upload("plan.pdf", PDF)],
                                                 field="plan_document"), rows)
    measure(engine, f"Engine.complete ({draft_name}, naming its file)",
            lambda: engine.work.complete(Person(drafter), task_id, {**draft_data, "plan_document": added["sha256"]}),
            rows)


def http_submissions(engine: Engine, rows: list[tuple[str, SqlCount]]) -> None:
    """Count one API and one HTML-form submission of a research report (each after a warm-up one)."""
    app = create_app(engine, {"SECRET_KEY": "bench-sql-per-step"})
    token = engine.org.create_token(Person(RESEARCHER), "bench sql_per_step")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for label in (None, "POST /api/v1/tasks/{id}/complete (bearer token)"):
        task_id = new_research_task(engine)
        with count_sql(engine) as counted:
            answer = api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": RESEARCH}, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"API completion answered {answer.status_code}: {answer.get_data(as_text=True)}")
        if label:
            rows.append((label, counted))

    engine.org.set_password(OPERATOR, RESEARCHER, PASSWORD)
    browser = app.test_client()
    signed_in = browser.post("/login", data={"username": RESEARCHER, "password": PASSWORD,
                                             "csrf_token": csrf_token(browser.get("/login").get_data(as_text=True))})
    if signed_in.status_code != 303:
        raise RuntimeError(f"signing in answered {signed_in.status_code}")
    for label in (None, "POST /tasks/{id}/complete (HTML form, signed in)"):
        task_id = new_research_task(engine)
        form = {**RESEARCH, **hidden_fields(browser.get(f"/tasks/{task_id}").get_data(as_text=True), task_id)}
        with count_sql(engine) as counted:
            answer = browser.post(f"/tasks/{task_id}/complete", data=form)
        if answer.status_code != 303:
            raise RuntimeError(f"form completion answered {answer.status_code}: {answer.get_data(as_text=True)}")
        if label:
            rows.append((label, counted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiet", action="store_true", help="print the counts only")
    parser.add_argument("--json", action="store_true", help="print statements and commits per step as JSON")
    args = parser.parse_args()

    rows: list[tuple[str, SqlCount]] = []
    with sqlite_engine() as engine:
        url = engine.db.url.render_as_string(hide_password=False)
        # cold: a second Engine on the same file has an empty definition cache
        cold = build_engine(url)
        try:
            measure(cold, "Engine.start (cold cache: first call in a process)",
                    lambda: cold.work.start(Person(STARTER), "market_plan", START), rows)
        finally:
            cold.db.dispose()

        run_journey(engine)  # warm the cache and every code path
        instance_id = int(measure(engine, "Engine.start",
                                  lambda: engine.work.start(Person(STARTER), "market_plan", START), rows).id)
        measure(engine, f"Engine.tasks({RESEARCHER!r})", lambda: engine.work.tasks(Person(RESEARCHER)), rows)
        task_id = open_task_id(engine, instance_id, FIRST_TASK)
        measure(engine, f"Engine.claim ({FIRST_TASK})", lambda: engine.work.claim(Person(RESEARCHER), task_id), rows)
        for username, name, data in JOURNEY:
            task_id = open_task_id(engine, instance_id, name)
            measure(engine, f"Engine.complete ({name}{', claimed' if name == FIRST_TASK else ''})",
                    lambda task_id=task_id, username=username, data=data: engine.work.complete(Person(username),
                                                                                               task_id, data),
                    rows)
        task_id = new_research_task(engine)
        measure(engine, f"Engine.complete ({FIRST_TASK}, not claimed)",
                lambda: engine.work.complete(Person(RESEARCHER), task_id, RESEARCH), rows)
        attach_and_complete(engine, rows)
        http_submissions(engine, rows)

    if args.json:
        by_label = dict(rows)
        picked = {"start": "Engine.start", "list": f"Engine.tasks({RESEARCHER!r})",
                  "claim": f"Engine.claim ({FIRST_TASK})", "complete": f"Engine.complete ({FIRST_TASK}, not claimed)",
                  "http_complete": "POST /api/v1/tasks/{id}/complete (bearer token)",
                  "http_complete_form": "POST /tasks/{id}/complete (HTML form, signed in)"}
        print(json.dumps({key: {"statements": len(by_label[label].statements), "commits": by_label[label].commits}
                          for key, label in picked.items()}))
        return
    print("sql_per_step: SQL statements and commits per call, SQLite, market-plan approve journey")
    print(f"  {'call':<58} {'statements':>10} {'commits':>8} {'rollbacks':>9}")
    for label, counted in rows:
        print(f"  {label:<58} {len(counted.statements):>10} {counted.commits:>8} {counted.rollbacks:>9}")
    if args.quiet:
        return
    for label, counted in rows:
        print(f"\n  {label}:")
        for i, statement in enumerate(counted.statements, 1):
            text = statement if len(statement) <= WIDTH else statement[:WIDTH - 3] + "..."
            print(f"    {i:>2}. {text}")


if __name__ == "__main__":
    main()
