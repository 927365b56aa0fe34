"""Browser tests: the real production server (``opsflow serve``) driven by Debian's Chromium.

Each test gets its own server on a free port with a fresh SQLite database: a copy of the one
``opsflow init --demo`` set up once for the session. Chromium is launched from /usr/bin/chromium
(``playwright install`` is never needed); without it the tests are skipped locally and fail under CI.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError

import pytest

from tests.templates import init_by_cli

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("OPSFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
DEMO_PASSWORD = "opsflow-browser-pw"
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _opsflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "opsflow.cli", *args]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"opsflow serve exited early:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except (URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"opsflow serve did not answer within {START_TIMEOUT}s:\n{log.read_text(encoding='utf-8')}")


@pytest.fixture(scope="session")
def initialised_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file set up by ``opsflow init --demo`` (demo users' password: ``DEMO_PASSWORD``), once."""
    folder = tmp_path_factory.mktemp("browser-template")
    path = folder / "opsflow.sqlite"
    init_by_cli(path, {**os.environ, "OPSFLOW_DEMO_PASSWORD": DEMO_PASSWORD}, REPO, folder / "evidence")
    return path


@pytest.fixture
def server(tmp_path: Path, initialised_db: Path) -> Iterator[str]:
    """The base URL of ``opsflow serve`` (production WSGI server) on a fresh copy of the initialised database."""
    database = tmp_path / "opsflow.sqlite"
    shutil.copyfile(initialised_db, database)
    env = {**os.environ, "OPSFLOW_DATABASE_URL": f"sqlite:///{database}",
           "OPSFLOW_DEMO_PASSWORD": DEMO_PASSWORD, "OPSFLOW_SECRET_KEY": secrets.token_hex(16)}
    env.pop("OPSFLOW_SECURE_COOKIES", None)  # plain http, like `make run`
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(_opsflow("serve", "--port", str(port)), cwd=REPO, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/login", process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():  # a missing browser is a failed set-up, never a skipped test
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def signed_in_page(browser: Any, base: str, locale: str, username: str, viewport: dict[str, int],
                   **context_options: Any) -> Any:
    """A page of a new browser context (own cookies, ``locale``, ``viewport``) signed in as ``username``."""
    context = browser.new_context(locale=locale, viewport=viewport, **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(base + "/")
    return page


def screenshot_folder(tmp_path: Path) -> Path:
    """Where a walk saves its screenshots: ``$OPSFLOW_SCREENSHOTS``, else the test's temporary folder."""
    folder = Path(os.environ.get("OPSFLOW_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
