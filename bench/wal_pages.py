"""Pages one ``Engine.complete`` writes on SQLite, by table and index (what its commit must write and sync).

A market plan's four steps (research, draft, review approve, sign-off approve) are completed on a fresh SQLite
file with the PRAGMAs of ``engine/db.py``, the WAL never checkpointed meanwhile; after each completion the frames
it added to the WAL are read (each frame names its page) and each page is named by ``dbstat`` (the table or
index it belongs to; ``?``: a free-list page). Counts only, no timing: the same on any machine and load.

Usage::

    .venv/bin/python bench/wal_pages.py [--plans 30]
"""

from __future__ import annotations

import argparse
import collections
import sqlite3
import struct
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import durable_limit as durable  # noqa: E402
from sqlalchemy import event  # noqa: E402

from engine.facade import build_engine  # noqa: E402
from engine.org.people import Person  # noqa: E402

WAL_HEADER, FRAME_HEADER = 32, 24


def wal_pages(path: Path) -> list[int]:
    """The page number of each frame in the WAL file ``path``, in order."""
    data = path.read_bytes() if path.exists() else b""
    if len(data) < WAL_HEADER:
        return []
    size = struct.unpack(">I", data[8:12])[0]
    pages, offset = [], WAL_HEADER
    while offset + FRAME_HEADER + size <= len(data):
        pages.append(struct.unpack(">I", data[offset:offset + 4])[0])
        offset += FRAME_HEADER + size
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=30, help="market plans completed (default %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opsflow-wal-pages-") as folder:
        path = Path(folder) / "pages.sqlite"
        engine = build_engine(f"sqlite:///{path}")
        durable.warm(engine)
        plans = [int(engine.work.start(Person("li.na"), "market_plan", durable.START).id) for _ in range(args.plans)]
        event.listen(engine.db, "connect", lambda conn, _record: conn.execute("PRAGMA wal_autocheckpoint=0"))
        engine.db.dispose()  # the engine's next connections never checkpoint
        names = sqlite3.connect(path)
        names.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = Path(f"{path}-wal")
        total = 0
        for username, step, data in durable.STAGES:
            by_tree: collections.Counter[str] = collections.Counter()
            for plan in plans:
                task_id = durable.open_task(engine, plan, step)
                before = len(wal_pages(wal))
                engine.work.complete(Person(username), task_id, data)
                written = wal_pages(wal)[before:]
                owner = dict(names.execute("SELECT pageno, name FROM dbstat").fetchall())
                by_tree.update(owner.get(page, "?") for page in written)
            count = sum(by_tree.values())
            total += count
            print(f"{step}: {count / len(plans):.1f} pages per completion")
            for tree, pages in by_tree.most_common():
                print(f"    {tree:<40} {pages / len(plans):5.2f}")
        print(f"all steps: {total / (len(plans) * len(durable.STAGES)):.1f} pages per completion")
        names.close()
        engine.db.dispose()


if __name__ == "__main__":
    main()
