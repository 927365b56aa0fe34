"""Searching the titles lists show, through an index: the text matched anywhere in a title, case aside.

The meaning is the one lists always had: ``ILIKE '%text%'`` with ``%`` and ``_`` matching themselves (on
SQLite ``lower(title) LIKE lower(pattern)``: ASCII letters case-insensitive, other letters as written; on
PostgreSQL ILIKE, every letter case-insensitive). The index only finds the candidates faster:

- **SQLite**: an FTS5 table with the ``trigram`` tokenizer over ``process_instance.title``
  (``FTS_TABLE``, external content: it stores only the index, the titles stay in their table), kept by
  triggers in the transaction that writes the instance (migration 0036; the step writer is untouched).
  Its matching folds case for every letter, so it finds a superset of what LIKE finds; the LIKE is kept
  on those few rows and decides.
- **PostgreSQL**: a ``pg_trgm`` GIN index on ``process_instance.title`` (``PG_INDEX``), which serves
  ILIKE itself and is kept by PostgreSQL like any index.

A trigram index needs at least three characters of query (``TRIGRAM``). A shorter text (one or two
characters, e.g. ``计划``) is matched with plain ILIKE on the rows the list has already narrowed to (one
person's queues, or the audit filters): the same results, without the index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

from ..models import ProcessInstance, TaskDefinition

TRIGRAM = 3  # characters a trigram index needs in the query
FTS_TABLE = "process_instance_title_fts"
PG_INDEX = "ix_process_instance_title_trgm"
# The objects of the index that the models do not describe (FTS5 makes its own shadow tables).
INDEX_TABLES = frozenset({FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config",
                                                                          "content"))})
INDEX_NAMES = frozenset({PG_INDEX})


def like_pattern(text: str) -> str:
    """``%text%`` with ``\\``, ``%`` and ``_`` escaped (by ``\\``): the text matches itself anywhere."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def title_like(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, case aside (the lists' meaning, evaluated row by row)."""
    result: ColumnElement[bool] = column.ilike(like_pattern(text), escape="\\")
    return result


def indexed(text: str) -> bool:
    """Whether a trigram index can serve a search for ``text`` (at least ``TRIGRAM`` characters)."""
    return len(text) >= TRIGRAM


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (a quoted string, its quotes doubled): with the trigram tokenizer, a phrase
    matches wherever its characters stand together in the title."""
    return '"' + text.replace('"', '""') + '"'


class _ByDialect(ColumnElement[bool]):
    """A condition written one way for SQLite and another for the other databases (cached like any clause)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition itself: no "= 1" after it on SQLite
    _traverse_internals = [("sqlite", InternalTraversal.dp_clauseelement),  # noqa: RUF012 - SQLAlchemy's own form
                           ("other", InternalTraversal.dp_clauseelement)]

    def __init__(self, sqlite: ColumnElement[bool], other: ColumnElement[bool]) -> None:
        self.sqlite = sqlite
        self.other = other


@compiles(_ByDialect)
def _compile_by_dialect(element: _ByDialect, compiler: Any, **kw: Any) -> str:
    chosen = element.sqlite if compiler.dialect.name == "sqlite" else element.other
    return str(compiler.process(chosen, **kw))


def titled_instances(text: str) -> Select[Any]:
    """The ids of the instances whose title contains ``text`` (at least ``TRIGRAM`` characters), found through
    the index: on SQLite the FTS5 candidates, then LIKE on them; on PostgreSQL ILIKE, which the GIN index serves."""
    fts = table(FTS_TABLE)
    candidates: Select[Any] = (select(literal_column("rowid")).select_from(fts)
                  .where(literal_column(FTS_TABLE).op("MATCH")(literal(fts_phrase(text)))))
    return select(ProcessInstance.id).where(
        _ByDialect(ProcessInstance.id.in_(candidates), true()),
        title_like(ProcessInstance.title, text))


def instance_titled(instance_id: Any, text: str) -> ColumnElement[bool]:
    """``instance_id`` is that of an instance whose title contains ``text`` (at least ``TRIGRAM`` characters)."""
    result: ColumnElement[bool] = instance_id.in_(titled_instances(text))
    return result


def task_titled(definition_id: Any, name: Any, text: str) -> ColumnElement[bool]:
    """The step (``definition_id``, ``name``) has a form title (English or Chinese) containing ``text``: one read
    of the small ``task_definition`` table, not a join per row."""
    steps = select(TaskDefinition.definition_id, TaskDefinition.name).where(
        or_(title_like(TaskDefinition.title, text), title_like(TaskDefinition.title_zh, text)))
    result: ColumnElement[bool] = tuple_(definition_id, name).in_(steps)
    return result


def rebuild_index(session: Session) -> int:
    """Build the title index again from the titles (after a restore that skipped the triggers, or a doubt);
    how many instances it holds. On SQLite the FTS5 ``rebuild``; on PostgreSQL ``REINDEX`` of the GIN index.
    Searches give the same results during it (the LIKE decides); it takes the write lock for its duration."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))  # noqa: S608 - constants
    else:
        session.execute(text(f"REINDEX INDEX {PG_INDEX}"))
    return int(session.scalar(select(func.count()).select_from(ProcessInstance)) or 0)


def instance_title_contains(text: str) -> ColumnElement[bool]:
    """``ProcessInstance.title`` contains ``text`` (at least ``TRIGRAM`` characters), for a query over the instances
    themselves: on SQLite through the FTS5 candidates; on PostgreSQL the ILIKE alone, which the planner serves with
    the GIN index or, when the text is common and few rows are wanted, by reading in the order it pages in."""
    fts = table(FTS_TABLE)
    candidates: Select[Any] = (select(literal_column("rowid")).select_from(fts)
                               .where(literal_column(FTS_TABLE).op("MATCH")(literal(fts_phrase(text)))))
    return and_(_ByDialect(ProcessInstance.id.in_(candidates), true()), title_like(ProcessInstance.title, text))
