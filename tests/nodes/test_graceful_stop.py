"""Stopping a node gracefully: a web node finishes the requests it has, a worker the jobs it has."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from datetime import timedelta

from sqlalchemy import select

from engine.models import Job
from engine.runtime import outbox
from engine.scheduling.worker import Worker
from tests.paths import REPO

SLOW_APP = textwrap.dedent("""
    import sys, time
    from flask import Flask
    from webui.server import serve
    app = Flask("slow")

    @app.get("/slow")
    def slow():
        time.sleep(1.5)
        return "done"

    @app.get("/fast")
    def fast():
        return "fast"

    print("ready", flush=True)
    serve(app, "127.0.0.1", int(sys.argv[1]), threads=2, grace=10)
    print("stopped", flush=True)
""")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - a local test server
        return bytes(answer.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def test_a_web_node_answers_the_request_in_flight_then_stops_on_sigterm(tmp_path):
    port = free_port()
    script = tmp_path / "slow_app.py"
    script.write_text(SLOW_APP)
    node = subprocess.Popen([sys.executable, str(script), str(port)], stdout=subprocess.PIPE, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": str(REPO),
                                               "PATH": "/usr/bin:/bin"})
    try:
        wait_for_port(port)
        assert fetch(f"http://127.0.0.1:{port}/fast") == b"fast"
        answers: list[bytes] = []
        request = threading.Thread(target=lambda: answers.append(fetch(f"http://127.0.0.1:{port}/slow")))
        request.start()
        time.sleep(0.5)  # the slow request is being answered now
        node.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:  # no new connection is accepted once the signal came
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            refused = False
        except OSError:
            refused = True
        request.join(timeout=10)
        assert answers == [b"done"], "the request in flight was answered in full"
        assert refused
        assert node.wait(timeout=10) == 0
        assert node.stdout is not None and node.stdout.read().split() == ["ready", "stopped"]
    finally:
        if node.poll() is None:
            node.kill()
            node.wait()
        if node.stdout is not None:
            node.stdout.close()


def test_a_stopped_worker_finishes_its_job_in_flight_and_leaves_nothing_leased(sqlite_engine):
    engine = sqlite_engine
    running, release = threading.Event(), threading.Event()

    def slow_job(session, collaborators, payload, now):
        running.set()
        release.wait(10)

    engine.collaborators.hooks.on_job("slow_test_job", slow_job)
    now = engine.collaborators.clock()
    with engine.core.transaction() as session:
        outbox.schedule_jobs(session, [{"kind": "slow_test_job", "due_at": now - timedelta(seconds=1)},
                                       {"kind": "slow_test_job", "due_at": now + timedelta(hours=1)}], now)
    worker, stop = Worker(engine.core, slots=2), threading.Event()
    thread = threading.Thread(target=worker.run_forever, kwargs={"poll_seconds": 0.1, "stop": stop})
    thread.start()
    assert running.wait(10)
    stop.set()  # what SIGTERM does in `opsflow worker`
    time.sleep(0.3)
    assert thread.is_alive(), "the worker waits for its job in flight"
    release.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    with engine.core.transaction() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "slow_test_job").order_by(Job.id)).all()
        assert [(j.state, j.locked_until) for j in jobs] == [("done", None), ("pending", None)]
