"""A WSGI app served by waitress on a free port of 127.0.0.1, as ``opsflow serve`` does, and a client that cuts
its connection mid-request (for the tests of retries after a cut connection: tests/api/test_idempotency_keys.py,
tests/web/test_cut_form_sendings.py)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

PATIENCE = 120.0  # seconds before giving up on an answer (a hang, not a speed limit)


@contextmanager
def served(app: Any) -> Iterator[int]:
    """``app`` on waitress on a free port of 127.0.0.1 (the port), stopped at the end."""
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=4, ident="opsflow-test")
    stopping = threading.Event()

    def run() -> None:  # as ``opsflow serve`` does, stopping between turns of the loop (webui/server.py)
        while not stopping.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=PATIENCE)
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        stopping.set()
        thread.join(timeout=PATIENCE)


def cut(port: int, request: bytes) -> None:
    """Send ``request`` and hang up at once (a reset), without reading a byte of the answer."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(request)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
