"""Figures for the auditors' exports and the tamper evidence, on SQLite:

- XES export of N market-plan instances (default 10,000): time, and peak Python memory while streaming;
- conformance of a sample of them;
- ``opsflow checkpoint`` and ``opsflow verify`` over M history events (default 1,000,000).

The instances are made fast: four real ones (approve, rework, return to research, veto) run through the
engine, then cloned with SQLAlchemy Core inserts, each clone's events re-chained with real hashes.

    .venv/bin/python bench/audit_exports.py [--instances 10000] [--events 1000000]
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import _common  # noqa: F401 - puts the repository on sys.path
from sqlalchemy import func, insert, select

from engine.audit.conformance import check_conformance
from engine.audit.xes import LogFilter
from engine.facade import Engine, build_engine
from engine.history import GENESIS_HASH, event_hash
from engine.models import HistoryEvent, HumanTask, ProcessInstance
from tests.journey import OPERATOR, chains, start_plan
from tests.process_paths import PATHS

BATCH = 2000
CONFORMANCE_SAMPLE = 1000


def templates(engine: Engine) -> list[int]:
    made = []
    for walk in PATHS.values():
        plan = start_plan(engine)
        walk(engine, plan)
        made.append(plan)
    return made


def clone(engine: Engine, sources: list[int], copies: int, with_tasks: bool) -> int:
    """Add ``copies`` instances cloned from ``sources`` in turn; return the events written."""
    with engine.core.reading() as session:
        instances = {i.id: i for i in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(sources)))}
        events = {s: session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == s)
                                     .order_by(HistoryEvent.seq)).all() for s in sources}
        tasks = {s: session.scalars(select(HumanTask).where(HumanTask.instance_id == s)).all() for s in sources}
        session.expunge_all()  # keep them readable after the reading transaction ends
        next_instance = int(session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
        next_task = int(session.scalar(select(func.max(HumanTask.id))) or 0) + 1
    written = 0
    columns = [c.name for c in ProcessInstance.__table__.columns]
    for start in range(0, copies, BATCH):
        rows_i, rows_t, rows_e = [], [], []
        for n in range(start, min(copies, start + BATCH)):
            source = sources[n % len(sources)]
            template = instances[source]
            new_id = next_instance + n
            remap = {}
            if with_tasks:
                for task in tasks[source]:
                    remap[task.id] = next_task
                    rows_t.append({**{c.name: getattr(task, c.name) for c in HumanTask.__table__.columns},
                                   "id": next_task, "instance_id": new_id, "spiff_task_id": str(uuid.uuid4())})
                    next_task += 1
            head = GENESIS_HASH
            for event in events[source]:
                task_id = remap.get(event.human_task_id, event.human_task_id) if event.human_task_id else None
                digest = event_hash(head, new_id, event.seq, event.kind, event.occurred_at, event.actor,
                                    event.task_name, task_id, event.payload_json, event.encoding)
                rows_e.append({"instance_id": new_id, "seq": event.seq, "kind": event.kind,
                               "occurred_at": event.occurred_at, "actor": event.actor, "task_name": event.task_name,
                               "human_task_id": task_id, "payload_json": event.payload_json, "prev_hash": head,
                               "hash": digest, "encoding": event.encoding})
                head = digest
            rows_i.append({**{c: getattr(template, c) for c in columns}, "id": new_id, "history_head": head,
                           "business_key": None})
        with engine.db.begin() as connection:
            connection.execute(insert(ProcessInstance.__table__), rows_i)
            if rows_t:
                connection.execute(insert(HumanTask.__table__), rows_t)
            connection.execute(insert(HistoryEvent.__table__), rows_e)
        written += len(rows_e)
    return written


def xes_figures(folder: Path, instances: int) -> None:
    engine = build_engine(f"sqlite:///{folder / 'xes.sqlite'}")
    engine.setup.init(demo=True)
    sources = templates(engine)
    started = time.perf_counter()
    events = clone(engine, sources, instances - len(sources), with_tasks=True)
    print(f"built {instances:,} instances ({events:,} events) in {time.perf_counter() - started:.1f} s")
    wanted = LogFilter("market_plan")
    target = folder / "log.xes"
    started = time.perf_counter()
    with open(target, "w", encoding="utf-8") as out:
        for piece in engine.audit.xes_log(OPERATOR, wanted):
            out.write(piece)
    elapsed = time.perf_counter() - started
    size = target.stat().st_size
    tracemalloc.start()
    with open(os.devnull, "w", encoding="utf-8") as out:
        for piece in engine.audit.xes_log(OPERATOR, wanted):
            out.write(piece)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"XES export, {instances:,} instances: {elapsed:.2f} s ({instances / elapsed:,.0f} traces/s), "
          f"{size / 1e6:.1f} MB, peak Python memory while streaming {peak / 1e6:.1f} MB")
    started = time.perf_counter()
    with engine.core.reading() as session:  # a sample: the replay costs what the steps cost
        verdicts = list(itertools.islice(check_conformance(session, engine.collaborators, wanted), CONFORMANCE_SAMPLE))
    elapsed = time.perf_counter() - started
    fits = sum(1 for v in verdicts if v.fits)
    print(f"conformance, {len(verdicts):,} instances: {elapsed:.1f} s ({len(verdicts) / elapsed:,.0f}/s), "
          f"{fits:,} fit")
    engine.db.dispose()


def verify_figures(folder: Path, events: int) -> None:
    engine = build_engine(f"sqlite:///{folder / 'verify.sqlite'}")
    engine.setup.init(demo=True)
    sources = templates(engine)
    with engine.core.reading() as session:
        per_instance = int(session.scalar(select(func.count()).select_from(HistoryEvent))) / len(sources)
    copies = max(0, int(events / per_instance) - len(sources))
    started = time.perf_counter()
    written = clone(engine, sources, copies, with_tasks=False)
    print(f"built {copies + len(sources):,} instances, {written:,} events in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    result = engine.audit.checkpoint(OPERATOR)
    print(f"first checkpoint (sequence {result.size:,} events, tiles, sign): {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    checked, problems = chains(engine)
    print(f"verify, chains only: {time.perf_counter() - started:.1f} s ({checked:,} instances, "
          f"{len(problems)} problems)")
    started = time.perf_counter()
    report = engine.audit.verify(OPERATOR)
    elapsed = time.perf_counter() - started
    print(f"verify against the checkpoint, {report.events:,} events: {elapsed:.1f} s "
          f"({report.events / elapsed:,.0f} events/s), {len(report.problems)} problems, {report.covered:,} covered")
    one = report.instances // 2
    started = time.perf_counter()
    engine.audit.verify(OPERATOR, one)
    print(f"verify one instance against the same checkpoint: {time.perf_counter() - started:.2f} s")
    engine.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["OPSFLOW_CHECKPOINT_DIR"] = str(folder / "checkpoints")
        os.environ["OPSFLOW_SIGNING_KEY"] = str(folder / "signing_key")
        xes_figures(folder, args.instances)
        verify_figures(folder, args.events)


if __name__ == "__main__":
    main()
