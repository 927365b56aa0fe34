"""Web benchmark: page latency and task completions per second over HTTP against the production
server (``opsflow serve``, waitress), through the HTML forms, on a realistic mix of instances.

Run: ``.venv/bin/python bench/web_inbox.py`` (options: ``--instances``, ``--requests``,
``--completions``, ``--clients``, ``--postgres``). It prints figures only; there are no thresholds.

How the data is made: bench/big_db.py's builder, scaled down to ``--instances`` (default 10,000),
into a fresh database of its own (a temp SQLite file, or with ``--postgres URL`` a database
``opsflow_bench_web`` created on that server and dropped at the end): about 300 people, market
plans at every step and ended ones (approved, vetoed, cancelled) started by many people over two
years, and an appraisal cycle with its appraisals at their steps. wang.lei (research supervisor)
has about 30 % of the plans as team tasks (the engine returns at most 500, the page lists 100);
zhou.jie has five. Completions are wang.lei's research reports, POSTed as the browser does (CSRF
token, form fields); each is one HTTP request with its redirect not followed. For the pages at
full size (100,000 instances) see bench/inbox_at_scale.py.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.error import HTTPError, URLError

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import _department as dept  # noqa: E402
import _targets as targets  # noqa: E402
import big_db  # noqa: E402
from _figures import percentile  # noqa: E402

from engine.facade import build_engine  # noqa: E402
from engine.org.people import Person  # noqa: E402
from tests.journey import RESEARCH  # noqa: E402

PASSWORD = dept.PASSWORD
WEB_DATABASE = "opsflow_bench_web"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """A signed-in HTML client: its own cookies, redirects not followed."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
        self.token = self.csrf("/login")
        status = self.post("/login", {"username": username, "password": PASSWORD})
        if status != 303:
            raise RuntimeError(f"could not sign in as {username}: HTTP {status}")
        self.token = self.csrf("/")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode("utf-8")
        except HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        match = CSRF.search(self.get(path)[1])
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def post(self, path: str, fields: dict[str, str]) -> int:
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode("utf-8")
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=60) as response:
                return int(response.status)
        except HTTPError as exc:
            exc.read()
            return int(exc.code)


# What the task page's form carries besides the fields (webui.tasks.views.FORM_OF): the form it was made with.
FORM_OF_RESEARCH = {"opsflow:form": "market_plan/1/research"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "opsflow.cli", "serve", "--port", str(port)],
                                   cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/login", timeout=2):
                return process, base
        except (URLError, ConnectionError):
            if process.poll() is not None:
                raise RuntimeError(log.read_text(encoding="utf-8")) from None
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:7.1f} ms   p95 {percentile(seconds, 0.95) * 1000:7.1f} ms"


def page_latency(base: str, username: str, path: str, requests: int) -> list[float]:
    browser = Browser(base, username)
    browser.get(path)  # warm up the caches (deployed definitions, templates)
    timings = []
    for _ in range(requests):
        t0 = time.perf_counter()
        status, _body = browser.get(path)
        timings.append(time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"GET {path} as {username}: HTTP {status}")
    return timings


def complete_all(base: str, task_ids: list[int], clients: int) -> float:
    """Complete ``task_ids`` as wang.lei from ``clients`` browsers at once; return completions/s."""
    browsers = [Browser(base, "wang.lei") for _ in range(clients)]
    shares = [task_ids[i::clients] for i in range(clients)]
    failures: list[str] = []

    def work(browser: Browser, ids: list[int]) -> None:
        for task_id in ids:
            status = browser.post(f"/tasks/{task_id}/complete", {**RESEARCH, **FORM_OF_RESEARCH})
            if status != 303:
                failures.append(f"task {task_id}: HTTP {status}")

    threads = [threading.Thread(target=work, args=(b, ids)) for b, ids in zip(browsers, shares, strict=True)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spent = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"{len(failures)} completion(s) failed, e.g. {failures[0]}")
    return len(task_ids) / spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50, help="page loads per latency figure")
    parser.add_argument("--completions", type=int, default=200, help="tasks completed per throughput figure")
    parser.add_argument("--clients", type=int, default=4, help="concurrent browsers in the second figure")
    parser.add_argument("--postgres", metavar="URL", help=f"build the database {WEB_DATABASE} on this server "
                        "(default: a temporary SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="opsflow-web-bench-") as folder:
        target: targets.Target = (targets.PostgresTarget(args.postgres, WEB_DATABASE) if args.postgres
                                 else targets.SqliteTarget(Path(folder) / "bench.sqlite"))
        plan = big_db.Plan(instances=args.instances, cycles=0)
        meta = big_db.build(target, plan, log=lambda line: None)
        counts = meta["counts"]
        print(f"{target.label}: {counts['process_instance']:,} instances ({counts['history_event']:,} history "
              f"events, {counts['open human_task']:,} open tasks) made by bench/big_db.py in "
              f"{meta['build_seconds']:.1f} s")
        engine = build_engine(target.url)
        mine = engine.work.task_counts(Person("wang.lei"))
        task_ids = [t["id"] for t in engine.work.tasks(Person("wang.lei")) if t["name"] == "research" and not t["mine"]]
        engine.db.dispose()

        env = {**os.environ, "OPSFLOW_DATABASE_URL": target.url, "OPSFLOW_SECRET_KEY": secrets.token_hex(16)}
        process, base = serve(env, Path(folder) / "serve.log")
        try:
            print(f"server: opsflow serve (waitress, 8 threads) at {base}")
            pages = [("wang.lei", "/", f"{mine.mine} mine + {mine.team:,} team tasks"),
                     ("wang.lei", "/?q=热水器", "text filter, a product"),
                     ("zhou.jie", "/", "5 tasks"),
                     ("li.na", "/", "the marketing managers' review tasks"),
                     ("li.na", "/requests", "started many, reviewed many")]
            for username, path, note in pages:
                label = f"GET {path} as {username} ({note}):"
                timings = page_latency(base, username, urllib.parse.quote(path, safe="/?="), args.requests)
                print(f"{label:<66}{ms(timings)}")
            n = min(args.completions, len(task_ids) // 2)
            sequential = complete_all(base, task_ids[:n], 1)
            label = "POST /tasks/<id>/complete, 1 browser:"
            print(f"{label:<66}{sequential:7.1f} completions/s ({n} tasks)")
            parallel = complete_all(base, task_ids[n:2 * n], args.clients)
            label = f"POST /tasks/<id>/complete, {args.clients} browsers at once:"
            print(f"{label:<66}{parallel:7.1f} completions/s ({n} tasks)")
        finally:
            process.terminate()
            process.wait(timeout=10)
            if isinstance(target, targets.PostgresTarget):
                target.drop()


if __name__ == "__main__":
    main()
