"""Serving the app with waitress, and stopping gracefully on SIGTERM (and Ctrl-C).

On the signal the node stops accepting connections at once (the proxy sends new requests to the
other nodes), lets the requests already received finish and their answers go out, then exits. A
request still running after ``grace`` seconds is abandoned; its transaction was never committed.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from typing import Any

from flask import Flask
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

log = logging.getLogger(__name__)


def _busy_channels(socket_map: dict[int, Any]) -> list[HTTPChannel]:
    """Connections with a request being answered or an answer still being sent."""
    return [c for c in list(socket_map.values())
            if isinstance(c, HTTPChannel) and (c.requests or c.total_outbufs_len)]


def settle_memory() -> None:
    """Leave what start-up made (modules, templates, the parsed processes) out of later garbage
    collections: without it, a full collection now and then walks all of it in the middle of a
    request (on the 100,000-instance bench, one request in ~20 took 120-160 ms instead of 35)."""
    gc.collect()
    gc.freeze()


def serve(app: Flask, host: str, port: int, threads: int = 8, grace: float = 15.0) -> None:
    """Serve until SIGTERM or SIGINT, then drain and stop (at most ``grace`` seconds)."""
    settle_memory()
    server: Any = create_server(app, host=host, port=port, threads=threads, ident="opsflow")
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    use_poll = server.adj.asyncore_use_poll
    socket_map = server._map
    while not stopping.is_set():
        wasyncore.loop(timeout=0.2, map=socket_map, use_poll=use_poll, count=1)
    wasyncore.dispatcher.close(server)  # the listening socket only: no new connections from here on
    deadline = time.monotonic() + grace
    while _busy_channels(socket_map) and time.monotonic() < deadline:
        wasyncore.loop(timeout=0.1, map=socket_map, use_poll=use_poll, count=1)
    unfinished = len(_busy_channels(socket_map))
    if unfinished:
        log.warning("stopping with %d request(s) unfinished after %.0f s", unfinished, grace)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    wasyncore.close_all(socket_map)
