"""Databases that take no writes, for the tests of what opsflow answers then.

- ``read_only_engine``: a second engine on a test's database that only reads: the SQLite file opened
  read-only (``mode=ro``), PostgreSQL with ``default_transaction_read_only`` on for its connections;
- ``WriteSwitch``: an engine whose writes are refused while ``refused`` is set, and taken again once it is
  cleared (SQLite's ``query_only``, PostgreSQL's ``default_transaction_read_only``, set per checkout).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from engine.clock import Clock, utc_now
from engine.facade import Engine, build_engine

READ_ONLY_OPTION = "%20-cdefault_transaction_read_only%3Don"


def read_only_url(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    if "options=" in url:
        return url + READ_ONLY_OPTION
    return url + ("&" if "?" in url else "?") + "options=" + READ_ONLY_OPTION.removeprefix("%20")


def read_only_engine(url: str, clock: Clock = utc_now) -> Engine:
    return build_engine(read_only_url(url), clock=clock)


class WriteSwitch:
    """Refuse the writes of ``engine`` while ``refused`` is True (each connection is set as it is checked out)."""

    def __init__(self, engine: Engine) -> None:
        self.refused = False
        self.sqlite = engine.db.dialect.name == "sqlite"
        event.listen(engine.db, "checkout", self._set)

    def _set(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        if self.sqlite:
            cursor.execute(f"PRAGMA query_only = {int(self.refused)}")
        else:
            cursor.execute(f"SET SESSION default_transaction_read_only = {'on' if self.refused else 'off'}")
            dbapi_connection.commit()
        cursor.close()
