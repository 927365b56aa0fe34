"""A progress bar for long exports and conformance runs: on a terminal only, never with --json."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """``bar(done, total)`` redraws one line on stderr (at most ten times a second); ``close()`` ends it."""

    def __init__(self, label: str, enabled: bool, stream: TextIO | None = None) -> None:
        self.label = label
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = WIDTH * done // total if total else WIDTH
        percent = 100 * done // total if total else 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} {percent:3d}%")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def progress_for(args: argparse.Namespace, label: str) -> ProgressBar:
    """Shown when stdout is a terminal and --json was not given."""
    return ProgressBar(label, not getattr(args, "json", False) and sys.stdout.isatty())
