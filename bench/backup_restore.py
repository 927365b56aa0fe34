"""Figures for ``opsflow backup`` and ``opsflow restore`` over M history events (default 200,000), on SQLite and
(with ``--postgres URL``, a database or schema you can drop everything in) on PostgreSQL.

Each figure is printed with its ratio to a baseline measured in the same run: SQLite against copying the
database file with ``shutil.copyfile`` (a backup that is not consistent while writers run); PostgreSQL
against a bare ``pg_dump --format=custom`` of the same schema. The restore is timed twice: a backup that holds
the latest checkpoint, and an older one put back with ``--acknowledge-rollback`` (note, tiles rebuilt,
checkpoint signed).

    .venv/bin/python bench/backup_restore.py [--events 200000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401 - puts the repository on sys.path
from audit_exports import clone, templates
from sqlalchemy import func, select, text

from engine.facade import Engine, build_engine
from engine.history import backup
from engine.models import HistoryEvent
from tests.journey import OPERATOR, start_plan


def fill(engine: Engine, events: int) -> int:
    sources = templates(engine)
    with engine.core.reading() as session:
        per_instance = int(session.scalar(select(func.count()).select_from(HistoryEvent)) or 1) / len(sources)
    clone(engine, sources, max(0, int(events / per_instance) - len(sources)), with_tasks=False)
    if engine.db.dialect.name == "postgresql":  # the clones took ids by hand: move the sequences past them
        with engine.db.begin() as connection:
            for table in ("process_instance", "history_event"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
    return engine.audit.checkpoint(OPERATOR).size


def timed(what: str, action: object, baseline: float | None = None) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    ratio = f" ({elapsed / baseline:.1f}x the baseline)" if baseline else ""
    print(f"  {what}: {elapsed:.2f} s{ratio}")
    return elapsed


def figures(engine: Engine, folder: Path, label: str, baseline_name: str, baseline: object) -> None:
    size = fill(engine, ARGS.events)
    print(f"{label}: {size:,} events in the tree, load {os.getloadavg()[0]:.1f}")
    base = timed(baseline_name, baseline)
    older = folder / f"{label}-older.backup"
    timed("opsflow backup", lambda: engine.ops.backup(OPERATOR, older), base)
    print(f"  backup file: {older.stat().st_size / 1e6:.1f} MB")
    timed("opsflow restore (holds the latest checkpoint)", lambda: engine.ops.restore(OPERATOR, older), base)
    start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    timed("opsflow restore --acknowledge-rollback (note, tiles, checkpoint)",
          lambda: engine.ops.restore(OPERATOR, older, "bench", "bench"), base)
    report = engine.audit.verify(OPERATOR)
    print(f"  verify after it: ok={report.ok}, {report.rollbacks}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["OPSFLOW_CHECKPOINT_DIR"] = str(folder / "checkpoints")
        os.environ["OPSFLOW_SIGNING_KEY"] = str(folder / "signing_key")
        database = folder / "bench.sqlite"
        engine = build_engine(f"sqlite:///{database}")
        engine.setup.init(demo=True)
        figures(engine, folder, "SQLite", "baseline: shutil.copyfile of the database file",
                lambda: shutil.copyfile(database, folder / "plain-copy.sqlite"))
        engine.db.dispose()
        if ARGS.postgres:
            shutil.rmtree(folder / "checkpoints")
            (folder / "signing_key").unlink()
            engine = build_engine(ARGS.postgres)
            with engine.db.begin() as connection:
                schema = connection.scalar(text("SELECT current_schema()"))
            engine.setup.init(demo=True)
            dsn, env = backup.libpq(engine.db.url)  # the same connection the command uses
            figures(engine, folder, "PostgreSQL", "baseline: bare pg_dump --format=custom",
                    lambda: subprocess.run(["pg_dump", "--format=custom", f"--schema={schema}", "--file",
                                            str(folder / "plain.pgdump"), "--dbname", dsn], env=env, check=True))
            engine.db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--postgres", metavar="URL")
    ARGS = parser.parse_args()
    main()
