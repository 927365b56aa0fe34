"""Shared helpers for the benchmarks in bench/ (not a benchmark itself).

The scripts are run as ``.venv/bin/python bench/<name>.py`` from anywhere; this module puts
the repository root on ``sys.path`` so that ``engine`` and ``tests.journey`` import.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from engine.definitions.sandbox import make_script_engine  # noqa: E402
from engine.facade import Engine, build_engine  # noqa: E402
from engine.models import HumanTask  # noqa: E402
from engine.org.people import Person  # noqa: E402
from tests.journey import DRAFT, RESEARCH, START, decision, deploy_files  # noqa: E402

MARKET_PLAN_BPMN = REPO / "processes" / "market_plan.bpmn"
LONG_LOOP_BPMN = REPO / "bench" / "processes" / "long_loop.bpmn"
BENCH_FORMS = REPO / "bench" / "forms"
LOOP_USER = "zhou.jie"  # a demo user with the role "staff" (the lane of long_loop's task)

# The market-plan approve journey: (user, task, form data); four completions per instance.
JOURNEY: list[tuple[str, str, dict[str, Any]]] = [
    ("wang.lei", "research", RESEARCH),
    ("zhang.min", "draft_plan", DRAFT),
    ("li.na", "manager_review", decision("approve")),
    ("chen.yu", "director_signoff", decision("approve")),
]
STARTER = "li.na"


# -- bare SpiffWorkflow ---------------------------------------------------------------------
def parse_specs(bpmn: Path, process_id: str) -> tuple[Any, dict[str, Any]]:
    """The library's own parse of one BPMN file (with the DMN tables beside it), no engine involved."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for table in sorted(bpmn.parent.glob("*.dmn")):
        parser.add_dmn_file(str(table))
    parser.add_bpmn_file(str(bpmn))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def bare_workflow(specs: tuple[Any, dict[str, Any]], start_data: dict[str, Any]) -> BpmnWorkflow:
    """A new workflow with the engine's sandboxed script engine, run to its first wait state."""
    spec, subprocess_specs = specs
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=make_script_engine())
    workflow.get_next_task(spec_name="Start").data.update({"start": start_data})
    workflow.do_engine_steps()
    return workflow


def bare_complete(workflow: BpmnWorkflow, name: str, data: dict[str, Any]) -> None:
    """Complete the ready human task ``name`` the way the engine does, and run to the next wait."""
    ready = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == name]
    if len(ready) != 1:
        raise RuntimeError(f"expected one ready {name!r} task, found {len(ready)}")
    task = ready[0]
    task.data[name] = data
    task.run()
    workflow.do_engine_steps()


# -- the persisted engine -------------------------------------------------------------------
@contextmanager
def sqlite_engine(label: str = "opsflow-bench") -> Iterator[Engine]:
    """An engine on a fresh SQLite file (WAL, as build_engine configures it) with the demo org."""
    with tempfile.TemporaryDirectory(prefix=f"{label}-") as folder:
        engine = build_engine(f"sqlite:///{folder}/bench.sqlite")
        try:
            engine.setup.init(demo=True)
            yield engine
        finally:
            engine.db.dispose()


def deploy_long_loop(engine: Engine) -> None:
    """Deploy bench/processes/long_loop.bpmn with its forms from bench/forms/."""
    saved = engine.collaborators.forms_root
    engine.collaborators.forms_root = BENCH_FORMS
    try:
        deploy_files(engine, [LONG_LOOP_BPMN], "gao.yan")
    finally:
        engine.collaborators.forms_root = saved


def open_task_id(engine: Engine, instance_id: int, name: str) -> int:
    """The id of the open task ``name`` of an instance (read directly: not part of any timing)."""
    with engine.core.session_factory() as session:
        ids = session.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.name == name, HumanTask.state == "open")).all()
    if len(ids) != 1:
        raise RuntimeError(f"expected one open {name!r} task in instance {instance_id}, found {len(ids)}")
    return int(ids[0])


def run_journey(engine: Engine) -> tuple[float, list[float]]:
    """Start one market plan and walk it to 'approved'.

    Return the seconds spent in ``Engine.start`` and in each of the four ``Engine.complete``
    calls. Task ids are read directly between the calls and not timed.
    """
    t0 = time.perf_counter()
    instance_id = int(engine.work.start(Person(STARTER), "market_plan", START).id)
    start_seconds = time.perf_counter() - t0
    completions = []
    result: dict[str, Any] = {}
    for username, name, data in JOURNEY:
        task_id = open_task_id(engine, instance_id, name)
        t0 = time.perf_counter()
        result = engine.work.complete(Person(username), task_id, data)
        completions.append(time.perf_counter() - t0)
    if result.get("status") != "completed" or result.get("end_event") != "approved":
        raise RuntimeError(f"journey did not end approved: {result}")
    return start_seconds, completions


# -- SQL counting ---------------------------------------------------------------------------
@dataclass
class SqlCount:
    statements: list[str] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0


@contextmanager
def count_sql(engine: Engine) -> Iterator[SqlCount]:
    """Count statements sent to the database and commits/rollbacks on engine.db meanwhile."""
    counted = SqlCount()

    def on_execute(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        counted.statements.append(" ".join(statement.split()))

    def on_commit(conn: Any) -> None:
        counted.commits += 1

    def on_rollback(conn: Any) -> None:
        counted.rollbacks += 1

    db = engine.db
    event.listen(db, "before_cursor_execute", on_execute)
    event.listen(db, "commit", on_commit)
    event.listen(db, "rollback", on_rollback)
    try:
        yield counted
    finally:
        event.remove(db, "before_cursor_execute", on_execute)
        event.remove(db, "commit", on_commit)
        event.remove(db, "rollback", on_rollback)


# -- figures --------------------------------------------------------------------------------
def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000.0


def pct_ms(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000.0
