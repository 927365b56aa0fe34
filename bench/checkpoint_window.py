"""What does a short exposure window cost? Events per second with and without a checkpoint every 100 events.

Market plans are walked to "approved" (start + four completions) on a fresh SQLite database, in three runs of
``--journeys`` plans each, interleaved so that the machine's load falls on all alike:

* baseline: no checkpoint at all;
* window: after each plan, the worker's checkpoint job as it runs every minute (sequence the new events, sign
  when 100 are new or the latest is 5 minutes old), inline in the same thread, so its whole cost is counted
  (in production it runs in the worker's process, beside the web);
* window+publish: the same, and each new checkpoint copied to a publishing folder (the job's work, inline).

It prints events/s for each and the ratio to the baseline, the checkpoints made, and the median milliseconds
of one signing run. Usage: ``.venv/bin/python bench/checkpoint_window.py [--journeys 150] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _common import run_journey, sqlite_engine
from sqlalchemy import func, select

from engine.facade import Engine
from engine.history.checkpoints import CheckpointSettings
from engine.history.publish import PublishSettings
from engine.models import HistoryEvent
from engine.org.people import Operator
from engine.scheduling.publishing import publish_one

BENCH = Operator("bench")


def events(engine: Engine) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(HistoryEvent)) or 0)


def run(mode: str, journeys: int) -> tuple[float, int, list[float]]:
    """(events/s, checkpoints made, seconds per signing run) of one run."""
    with sqlite_engine(f"opsflow-window-{mode}") as engine, tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        settings = CheckpointSettings(base / "checkpoints", base / "keys" / "signing_key")
        if mode == "window+publish":
            settings = replace(settings, publish=PublishSettings(folder=base / "published"))
        engine.collaborators.checkpoints = settings
        before = events(engine)
        made, signing = 0, []
        started = time.perf_counter()
        for _ in range(journeys):
            run_journey(engine)
            if mode == "baseline":
                continue
            t0 = time.perf_counter()
            result = engine.audit.checkpoint(BENCH, settings.after_events, settings.max_age)
            if result.file is not None:
                made += 1
                if settings.publish is not None:
                    with engine.core.transaction() as session:
                        publish_one(session, engine.collaborators, result.file, "folder",
                                    engine.collaborators.clock())
                signing.append(time.perf_counter() - t0)
        seconds = time.perf_counter() - started
        return (events(engine) - before) / seconds, made, signing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    modes = ("baseline", "window", "window+publish")
    rates: dict[str, list[float]] = {m: [] for m in modes}
    made: dict[str, int] = dict.fromkeys(modes, 0)
    signing: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(args.rounds):
        for mode in modes:
            rate, count, runs = run(mode, args.journeys)
            rates[mode].append(rate)
            made[mode] += count
            signing[mode] += runs
    load = os.getloadavg()
    print(f"checkpoint window: {args.journeys} market plans x {args.rounds} rounds, SQLite, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    base = statistics.median(rates["baseline"])
    for mode in modes:
        rate = statistics.median(rates[mode])
        extra = "" if mode == "baseline" else (
            f"  {made[mode]} checkpoint(s), signing run median {statistics.median(signing[mode]) * 1000:.1f} ms"
            if signing[mode] else "  no checkpoint made")
        print(f"  {mode:<15} {rate:8.1f} events/s  ratio {rate / base:.3f}{extra}")


if __name__ == "__main__":
    main()
