"""The engine facade: ``Engine`` (every use case, one transaction each) and ``build_engine``.

The CLI and the web app both call ``build_engine`` and then the methods of ``Engine``; no
business rule lives in either of them.
"""

from .assembly import build_engine, script_helpers
from .base import MIGRATIONS
from .engine import Engine

__all__ = ["MIGRATIONS", "Engine", "build_engine", "script_helpers"]
