"""Task completions per second over HTTP, through the production server (``opsflow serve``).

The script makes a temporary SQLite database with ``opsflow init --demo``, creates API tokens with
``opsflow token create USER --json``, starts ``opsflow serve`` (waitress) on a free port and drives
the REST API with the standard library's ``http.client`` over keep-alive connections.

Each mode starts its own market plans (not timed), then walks them through the four-step approve
journey stage by stage: research -> draft_plan -> manager_review (approve) -> director_signoff
(approve). Per stage, the open task ids are looked up first (not timed); then only the
``POST /api/v1/tasks/{id}/complete`` requests are timed, sent by one thread (``sequential``) or by
four threads with one connection each (``4 threads``). completions/s = completions / wall time of
the completing phases; the median and p95 are over the single requests. Every answer other than
200 is counted and printed. When ``--budget`` runs out, no more work is sent and the figures say so:
a mode cut short reports what it did, a mode that could not begin says that instead of a rate. Usage::

    .venv/bin/python bench/api_throughput.py [--instances 150] [--budget 90] [--database URL]

On the default SQLite file it then measures the floor of one completion (``bench/durable_limit.py``: the raw
engine-shaped step + bare SpiffWorkflow with serialization) and prints the sequential REST submission's median and
p95 beside it, as a multiple of the floor.

``--database`` points at an empty database to use instead of the temp SQLite file (e.g. a fresh
PostgreSQL schema), to compare how the server scales with concurrent writers there.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _figures import percentile  # noqa: E402

from tests.journey import DRAFT, RESEARCH, START, decision  # noqa: E402

STAGES: list[tuple[str, str, dict[str, Any]]] = [
    ("wang.lei", "research", RESEARCH),
    ("zhang.min", "draft_plan", DRAFT),
    ("li.na", "manager_review", decision("approve")),
    ("chen.yu", "director_signoff", decision("approve")),
]
STARTER = "li.na"
THREADS = 4


def opsflow_command() -> list[str]:
    """``opsflow`` of this virtualenv (its console script, or the module when it is not installed)."""
    script = Path(sys.executable).with_name("opsflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "opsflow.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Connection:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, port: int) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.opened = 0

    def call(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        if self.http.sock is None:
            self.opened += 1  # the first request, or the server closed the connection
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        self.http.request(method, f"/api/v1{path}", body=payload, headers=headers)
        response = self.http.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self.http.close()


@contextmanager
def server(budget_end: float, database: str | None) -> Iterator[tuple[int, dict[str, str], Path]]:
    """A demo database and ``opsflow serve`` on a free port; yield (port, tokens by user, log file)."""
    folder = Path(tempfile.mkdtemp(prefix="opsflow-api-bench-"))
    env = {**os.environ, "OPSFLOW_SECRET_KEY": secrets.token_hex(16)}
    base = [*opsflow_command(), "--database", database or f"sqlite:///{folder / 'bench.sqlite'}"]
    log_path = folder / "serve.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run([*base, "init", "--demo"], check=True, cwd=REPO, env=env, capture_output=True)
        tokens = {}
        for username in {u for u, _, _ in STAGES} | {STARTER}:
            created = subprocess.run([*base, "token", "create", username, "--json"], check=True, cwd=REPO,
                                     env=env, capture_output=True, text=True)
            tokens[username] = json.loads(created.stdout)["token"]
        port = free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen([*base, "serve", "--port", str(port)], cwd=REPO, env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
        wait_until_up(port, process, log_path, min(budget_end, time.monotonic() + 30))
        yield port, tokens, log_path
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def wait_until_up(port: int, process: subprocess.Popen[bytes], log_path: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"opsflow serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            connection = Connection(port)
            status, _ = connection.call("GET", "/openapi.json", "")
            connection.close()
            if status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"opsflow serve did not answer on port {port}:\n{log_path.read_text()}")


@dataclass
class Run:
    """What one mode measured."""

    completions: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    connections: int = 0
    cut_short: bool = False
    wanted: int = 0  # completions the mode meant to do


def open_tasks(connection: Connection, token: str, name: str, instance_ids: set[int]) -> list[int]:
    status, body = connection.call("GET", "/tasks", token)
    if status != 200:
        raise RuntimeError(f"GET /tasks answered {status}: {body}")
    return [t["id"] for t in body["items"] if t["name"] == name and t["instance_id"] in instance_ids]


def complete_all(port: int, token: str, task_ids: list[int], data: dict[str, Any], threads: int,
                 run: Run, deadline: float) -> None:
    """Complete ``task_ids`` with ``threads`` threads, each on its own keep-alive connection."""
    lock = threading.Lock()
    shares = [task_ids[i::threads] for i in range(threads)]

    def work(share: list[int], connection: Connection) -> None:
        for task_id in share:
            if time.monotonic() > deadline:
                run.cut_short = True
                return
            t0 = time.perf_counter()
            status, _ = connection.call("POST", f"/tasks/{task_id}/complete", token, {"data": data})
            spent = time.perf_counter() - t0
            with lock:
                run.statuses[status] += 1
                run.latencies.append(spent)
                run.completions += status == 200

    connections = [Connection(port) for _ in shares]
    workers = [threading.Thread(target=work, args=(share, c)) for share, c in zip(shares, connections, strict=True)]
    t0 = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    run.seconds += time.perf_counter() - t0
    for connection in connections:
        run.connections += connection.opened
        connection.close()


def measure(port: int, tokens: dict[str, str], instances: int, threads: int, deadline: float) -> Run:
    """Start ``instances`` plans (not timed), then complete their journey stage by stage."""
    control = Connection(port)
    started: set[int] = set()
    run = Run(wanted=instances * len(STAGES))
    for number in range(instances):
        if time.monotonic() > deadline:
            run.cut_short = True
            break
        body = {"data": {**START, "title": f"Bench plan {number}"}}
        status, answer = control.call("POST", "/process-definitions/market_plan/start", tokens[STARTER], body)
        if status != 201:
            raise RuntimeError(f"start answered {status}: {answer}")
        started.add(int(answer["id"]))
    for username, name, data in STAGES:
        if time.monotonic() > deadline:
            run.cut_short = True
            break
        task_ids = open_tasks(control, tokens[username], name, started)
        complete_all(port, tokens[username], task_ids, data, threads, run, deadline)
    control.close()
    return run


def report(label: str, run: Run, budget: float) -> None:
    if not run.latencies:
        why = f"the --budget of {budget:g} s was used up before it could begin" if run.cut_short else "nothing to do"
        print(f"{label:<11} not run: {why} (no figures; raise --budget)")
        return
    rate = run.completions / run.seconds
    median = statistics.median(run.latencies) * 1000
    p95 = percentile(run.latencies, 0.95) * 1000
    others = {s: n for s, n in sorted(run.statuses.items()) if s != 200}
    print(f"{label:<11} {run.completions:>5} completions in {run.seconds:6.2f} s = {rate:7.1f}/s   "
          f"latency median {median:6.1f} ms, p95 {p95:6.1f} ms   connections {run.connections}"
          + (f"   non-200: {others}" if others else "")
          + (f"   (cut short by --budget: {len(run.latencies)} of {run.wanted} completions sent)"
             if run.cut_short else ""))


def floor(sequential: Run) -> None:
    """The floor of one completion on SQLite (``bench/durable_limit.py``: raw step + bare SpiffWorkflow with
    serialization), measured after the server has stopped, in alternated blocks; and the REST submission beside it."""
    import durable_limit as limit

    raw_seconds: list[float] = []
    bare_seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="opsflow-floor-") as folder:
        engine = limit.build_engine(f"sqlite:///{folder}/floor.sqlite")
        try:
            limit.warm(engine)
            shape = limit.real_shape(engine)
            with limit.raw_sqlite(shape, 100) as raw:
                for _ in range(4):
                    raw_seconds += raw.block(100, limit.Budget(None))[0]
                    bare_seconds += limit.bare_steps(engine, shape, 40, limit.Budget(None))[0]
        finally:
            engine.db.dispose()
    raw_ms, bare_ms = statistics.median(raw_seconds) * 1000, statistics.median(bare_seconds) * 1000
    line = (f"floor (SQLite)  raw step {raw_ms:.2f} ms + bare SpiffWorkflow with serialization {bare_ms:.2f} ms = "
            f"{raw_ms + bare_ms:.2f} ms")
    if sequential.latencies:
        median = statistics.median(sequential.latencies) * 1000
        p95 = percentile(sequential.latencies, 0.95) * 1000
        line += (f"; one REST submission (sequential): median {median:.2f} ms = {median / (raw_ms + bare_ms):.1f}x "
                 f"the floor, p95 {p95:.2f} ms")
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=150, help="market plans per mode (4 completions each)")
    parser.add_argument("--budget", type=float, default=90.0, help="stop sending work after this many seconds")
    parser.add_argument("--database", help="an empty database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    began = time.monotonic()
    deadline = began + args.budget
    with server(deadline, args.database) as (port, tokens, _):
        where = args.database.split("://", 1)[0] if args.database else "a temp SQLite file"
        print(f"opsflow serve (waitress, 8 threads) on {where}, port {port}; "
              f"{args.instances} market plans per mode, 4 completions each, keep-alive http.client")
        sequential = measure(port, tokens, args.instances, 1, deadline)
        report("sequential", sequential, args.budget)
        report(f"{THREADS} threads", measure(port, tokens, args.instances, THREADS, deadline), args.budget)
    if args.database is None:
        floor(sequential)
    print(f"total {time.monotonic() - began:.1f} s")


if __name__ == "__main__":
    main()
