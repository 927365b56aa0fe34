"""PostgreSQL: a Python list bound to a statement (a step's rows bound as arrays, ``= ANY(:ids)``) goes in the
binary format (``engine.db``): the text format escaped every element with a regular expression. Whatever an
element holds comes back as it went."""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg.adapt import PyFormat
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import DateTime, Integer, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from engine import db

AWKWARD = ['"quoted", {braced}', "back\\slash", "", None, "NULL", "市场计划 \u2028 line", "a" * 5000, " spaced "]


def test_lists_are_bound_in_binary_and_come_back_as_they_went(postgres_url: str) -> None:
    engine = db.make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            adapters = conn.connection.driver_connection.adapters  # type: ignore[union-attr]
            assert adapters.get_dumper(list, PyFormat.AUTO) is ListBinaryDumper
            texts = conn.execute(select(func.unnest(bindparam("t", type_=ARRAY(String)))),
                                 {"t": AWKWARD}).scalars().all()
            numbers = conn.execute(select(func.unnest(bindparam("n", type_=ARRAY(Integer)))),
                                   {"n": [1, None, -7, 2**31 - 1]}).scalars().all()
            when = [datetime(2026, 12, 7, 20, 0, 1, 250, tzinfo=UTC), None]
            times = conn.execute(select(func.unnest(bindparam("d", type_=ARRAY(DateTime(timezone=True))))),
                                 {"d": when}).scalars().all()
            empty = conn.execute(select(func.cardinality(bindparam("e", type_=ARRAY(Integer)))), {"e": []}).scalar()
        assert texts == AWKWARD
        assert numbers == [1, None, -7, 2**31 - 1]
        assert times == when
        assert empty == 0
    finally:
        engine.dispose()
