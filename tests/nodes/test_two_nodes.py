"""Two web nodes and a worker on one PostgreSQL database, as in production behind a proxy.

A journey that hops between the nodes: a plan started through one node's API is worked on
through the other's, a person signed in on one node is signed in on the other (the cookie key
lives in the database), and a deadline is closed by the worker process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from typing import Any

import pytest

from engine.facade import build_engine
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, START, decision
from tests.nodes.test_graceful_stop import free_port, wait_for_port

PASSWORD = "opsflow-demo-pw"


class Node:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def api(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - http to a local test server
            self.base + "/api/v1" + path, data=data, method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - local test servers
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read())


@pytest.fixture
def cluster(postgres_url: str) -> Iterator[tuple[Node, Node]]:
    engine = build_engine(postgres_url)
    engine.setup.init(demo=True, demo_password=PASSWORD)
    engine.db.dispose()
    env = {**os.environ, "OPSFLOW_DATABASE_URL": postgres_url}
    env.pop("OPSFLOW_SECRET_KEY", None)
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "opsflow.cli", "serve", "--port", str(port), "--threads", "4"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for port in ports]
    procs.append(subprocess.Popen([sys.executable, "-m", "opsflow.cli", "worker", "--poll", "0.2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    try:
        for port in ports:
            wait_for_port(port, timeout=60)
        yield Node(ports[0]), Node(ports[1])
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        assert [proc.wait(timeout=30) for proc in procs] == [0, 0, 0]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()


def tokens(postgres_url: str, *users: str) -> dict[str, str]:
    engine = build_engine(postgres_url)
    try:
        return {user: engine.org.create_token(Person(user)) for user in users}
    finally:
        engine.db.dispose()


def task_of(node: Node, token: str, name: str, instance_id: int) -> int:
    status, tasks = node.api("GET", "/tasks", token)
    assert status == 200
    return int(next(t["id"] for t in tasks["items"] if t["name"] == name and t["instance_id"] == instance_id))


def test_a_journey_across_two_web_nodes_and_a_worker(cluster, postgres_url):
    a, b = cluster
    for node in (a, b):
        with urllib.request.urlopen(node.base + "/healthz", timeout=10) as answer:  # noqa: S310
            assert json.loads(answer.read())["status"] == "ok"
    t = tokens(postgres_url, "li.na", "wang.lei", "zhang.min", "chen.yu")
    status, plan = a.api("POST", "/process-definitions/market_plan/start", t["li.na"], {"data": START})
    assert status == 201, plan
    steps = [("wang.lei", "research", RESEARCH), ("zhang.min", "draft_plan", DRAFT),
             ("li.na", "manager_review", decision("approve")), ("chen.yu", "director_signoff", decision("approve"))]
    for n, (user, name, data) in enumerate(steps):
        node = (a, b)[n % 2]  # each step through the other node
        task_id = task_of(node, t[user], name, plan["id"])
        status, done = node.api("POST", f"/tasks/{task_id}/complete", t[user], {"data": data})
        assert status == 200, done
    status, shown = a.api("GET", f"/process-instances/{plan['id']}", t["li.na"])
    assert (shown["status"], shown["end_event"]) == ("completed", "approved")

    # A person signed in on node a is signed in on node b: both sign cookies with the key in the database.
    jar = CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(a.base + "/login", timeout=10) as page:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert csrf
    form = urllib.parse.urlencode({"username": "li.na", "password": PASSWORD, "csrf_token": csrf.group(1)}).encode()
    with browser.open(a.base + "/login", data=form, timeout=10) as signed:
        assert urllib.parse.urlsplit(signed.url).path == "/"
    with browser.open(b.base + "/requests", timeout=10) as other:
        assert urllib.parse.urlsplit(other.url).path == "/requests" and "李娜" in other.read().decode()

    # The worker process closes a self-assessment whose window passed: a timer job, run on no web node.
    status, cycle = b.api("POST", "/process-definitions/appraisal_cycle/start", t["chen.yu"], {
        "data": {"period": "2026-Q4", "period_type": "quarterly", "self_assessment_window": "PT1S"}})
    assert status == 201, cycle
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, tasks = a.api("GET", "/tasks", t["wang.lei"])
        if any(task["name"] == "manager_scoring" for task in tasks["items"]):
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the worker did not close the self-assessments")
