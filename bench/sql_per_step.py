"""SQL statements and commits per use case, on SQLite, through the Engine and over HTTP.

Counts what goes to the database (SQLAlchemy ``before_cursor_execute``; the implicit BEGIN of the
sqlite3 driver is not a statement and is not counted) and the commits and rollbacks on
``engine.db`` during one call of ``Engine.start``, ``Engine.tasks``, ``Engine.claim`` and
``Engine.complete`` for each step of the market-plan approve journey, the moves ``Engine.urge``,
``Engine.transfer`` and ``Engine.withdraw`` (issue 19), the inbox page's read with and without its rows' marks
(``Engine.inbox``), handing a task on (``Engine.delegate``,
the delegate's and the holder's ``Engine.complete``, ``Engine.add_signers``, ``Engine.sign``), a return and
its straight-back completion, a countersign (会签: the round task's page, the first decision, the one that ends
the round), ``Engine.attach`` of a PDF to the draft's file field and the draft's completion naming it, and
during two HTTP task
submissions through the Flask test client (``webui.create_app``), auth included:

* ``POST /api/v1/tasks/{id}/complete`` with a bearer token (``Engine.create_token``);
* ``POST /tasks/{id}/complete``, the HTML form, in a signed-in session with the CSRF token taken
  from the task page.

Both submit the research report of a plan that is not claimed, as ``Engine.complete (research,
not claimed)`` does. The moves of issue 19 are counted too: a return from the director's sign-off to
research (``Engine.return_task``), and research completed again, straight back to the sign-off. The
definition cache is warmed by one whole journey first, and each HTTP route by one submission; the first
call in a fresh process (cold cache) is shown separately.
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
from sqlalchemy import select

from engine.facade import Engine, build_engine
from engine.models import HumanTask, User
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
APPROVE = {"decision": "approve"}


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


def moves(engine: Engine, rows: list[tuple[str, SqlCount]]) -> None:
    """Count the moves of issue 19 around a research task nobody holds: urge (the starter), transfer (the role's
    holder, to someone his manager manages), and withdrawing a fresh request (its starter)."""
    task_id = new_research_task(engine)
    measure(engine, f"Engine.urge ({FIRST_TASK})", lambda: engine.work.urge(Person(STARTER), task_id), rows)
    measure(engine, f"Engine.transfer ({FIRST_TASK})",
            lambda: engine.work.transfer(Person(RESEARCHER), task_id, "zhou.jie", "bench"), rows)
    # the inbox page's read, and the marks of its rows (returned, urged, transferred): one statement more
    measure(engine, "Engine.inbox ('zhou.jie')", lambda: engine.work.inbox(Person("zhou.jie")), rows)
    measure(engine, "Engine.inbox ('zhou.jie', with marks)", lambda: engine.work.inbox(Person("zhou.jie"),
                                                                                       marks=True), rows)
    instance_id = int(engine.work.start(Person(STARTER), "market_plan", START).id)
    measure(engine, "Engine.withdraw", lambda: engine.work.withdraw(Person(STARTER), instance_id, "bench"), rows)


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


def handover_moves(engine: Engine, rows: list[tuple[str, SqlCount]]) -> None:
    """Count the moves around a task (委派, 加签): they cost more than a completion, but only when used."""
    holder, colleague = Person(RESEARCHER), Person("zhou.jie")
    task_id = new_research_task(engine)
    measure(engine, f"Engine.delegate ({FIRST_TASK})",
            lambda: engine.work.delegate(holder, task_id, colleague.username, "bench"), rows)
    measure(engine, f"Engine.complete ({FIRST_TASK}, by the delegate)",
            lambda: engine.work.complete(colleague, task_id, RESEARCH), rows)
    measure(engine, f"Engine.complete ({FIRST_TASK}, prepared by a delegate)",
            lambda: engine.work.complete(holder, task_id, RESEARCH), rows)
    task_id = new_research_task(engine)
    measure(engine, f"Engine.add_signers ({FIRST_TASK}, before)",
            lambda: engine.work.add_signers(holder, task_id, [colleague.username], "before", "bench"), rows)
    measure(engine, f"Engine.sign ({FIRST_TASK}, approve)", lambda: engine.work.sign(colleague, task_id, "approve"),
            rows)


def return_moves(engine: Engine, rows: list[tuple[str, SqlCount]]) -> None:
    """Count a return from the director's sign-off to research (驳回), and research completed straight back."""
    instance_id = int(engine.work.start(Person(STARTER), "market_plan", START).id)
    director, signoff = JOURNEY[-1][0], JOURNEY[-1][1]
    for username, name, data in JOURNEY[:-1]:
        engine.work.complete(Person(username), open_task_id(engine, instance_id, name), data)
    task_id = open_task_id(engine, instance_id, signoff)
    measure(engine, f"Engine.return_task ({signoff} -> {FIRST_TASK})",
            lambda: engine.work.return_task(Person(director), task_id, FIRST_TASK, "Old data"), rows)
    task_id = open_task_id(engine, instance_id, FIRST_TASK)
    measure(engine, f"Engine.complete ({FIRST_TASK}, straight back)",
            lambda: engine.work.complete(Person(RESEARCHER), task_id, RESEARCH), rows)


def countersign(engine: Engine, rows: list[tuple[str, SqlCount]]) -> None:
    """A plan above the sign-off threshold: the director and the branch GM countersign (会签). Counts the
    round task's page data (the round read with it), the first decision, and the one that ends the round."""
    instance_id = int(engine.work.start(Person(STARTER), "market_plan", START).id)
    for username, name, data in JOURNEY[:3]:
        data = {**data, "budget_cny": 2000000} if name == "draft_plan" else data
        engine.work.complete(Person(username), open_task_id(engine, instance_id, name), data)
    with engine.core.session_factory() as session:
        parts = dict(session.execute(select(User.username, HumanTask.id).join(User, User.id == HumanTask.assignee_id)
                                     .where(HumanTask.instance_id == instance_id, HumanTask.state == "open")).all())
    measure(engine, "Engine.task (joint_signoff: the round)", lambda: engine.work.task(Person("sun.hao"),
                                                                                         parts["sun.hao"]), rows)
    measure(engine, "Engine.complete (joint_signoff, first of two)",
            lambda: engine.work.complete(Person("sun.hao"), parts["sun.hao"], APPROVE), rows)
    measure(engine, "Engine.complete (joint_signoff, ends the round)",
            lambda: engine.work.complete(Person("chen.yu"), parts["chen.yu"], APPROVE), rows)


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
        moves(engine, rows)
        handover_moves(engine, rows)
        return_moves(engine, rows)
        attach_and_complete(engine, rows)
        http_submissions(engine, rows)
        countersign(engine, rows)

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
