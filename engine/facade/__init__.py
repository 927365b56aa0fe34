"""The engine facade: ``Engine`` (the use cases by area, one transaction each) and ``build_engine``.

The CLI and the web app both call ``build_engine`` and then ``engine.<area>.<use case>``; no business
rule lives in either of them.
"""

from .assembly import build_engine, script_helpers
from .core import MIGRATIONS
from .engine import Engine

__all__ = ["MIGRATIONS", "Engine", "build_engine", "script_helpers"]
