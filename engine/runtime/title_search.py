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

A trigram index needs at least three characters of query (``TRIGRAM``). A text of two (``BIGRAM``, e.g.
``计划``) is found through a second index of each title's pairs of neighbouring characters, lower-cased as the
LIKE compares (migration 0039):

- **SQLite**: the table ``BIGRAM_TABLE`` (bigram, instance), kept by triggers like the FTS5 table; a title
  longer than the triggers' ``BIGRAM_PLACES`` characters (the writers cut titles to 300) is kept under ``''``
  as well, so it is always a candidate and the LIKE decides.
- **PostgreSQL**: a GIN index on ``BIGRAM_FUNCTION(title)`` (the title's bigrams as an array, immutable).

The bigram looked for is ``lower(text)`` worked out by the database, as the LIKE folds it: "the lower-cased title
holds it as a bigram" is the ILIKE's own meaning for two characters, so the bigrams decide there without reading
titles (the LIKE still decides SQLite's over-long titles, and every text of three characters or more).
A text of one character (``CHARACTER``) is found the same way through each title's characters (migration 0040:
on SQLite in ``BIGRAM_TABLE`` too, by the same triggers; on PostgreSQL a GIN index on ``CHARACTER_FUNCTION(title)``).

A pair or a character held by ``COMMON`` titles or more (``20``, ``2``, ``华北`` at 100k) is matched with plain
ILIKE on the rows the list has already narrowed to (one person's queues, or the audit filters), read in the
list's own order: a page of matches comes within a few hundred rows, where the index would collect every holder
first (``by_index``). Either way the results are the same.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
    tuple_,
)
from sqlalchemy import text as text_clause
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

from ..models import ProcessInstance, TaskDefinition

TRIGRAM = 3  # characters a trigram index needs in the query
BIGRAM = 2  # characters the bigram index serves
CHARACTER = 1  # characters the character index serves (0040: kept beside the bigrams)
FTS_TABLE = "process_instance_title_fts"
PG_INDEX = "ix_process_instance_title_trgm"
BIGRAM_TABLE = "process_instance_title_bigram"  # SQLite: (gram, instance_id), kept by triggers (0039)
BIGRAM_PLACES = "title_bigram_place"  # SQLite: 1 .. 300, where a bigram may start (the triggers' positions)
BIGRAM_FUNCTION = "opsflow_title_bigrams"  # PostgreSQL: a title's bigrams, as an array (0039)
PG_BIGRAM_INDEX = "ix_process_instance_title_bigrams"
CHARACTER_FUNCTION = "opsflow_title_characters"  # PostgreSQL: a title's characters, as an array (0040)
PG_CHARACTER_INDEX = "ix_process_instance_title_characters"
LONG_TITLE = ""  # SQLite: the bigram under which a title longer than the places is kept (always a candidate)
# SQLite: every instance's bigrams, as the triggers of 0039 write them (each once; '' for a long title)
SQLITE_BIGRAMS = (
    "INSERT INTO process_instance_title_bigram(gram, instance_id) "
    "SELECT DISTINCT substr(lower(i.title), p.n, 2), i.id FROM process_instance AS i "
    "JOIN title_bigram_place AS p ON p.n < length(i.title) "
    "UNION SELECT substr(lower(i.title), p.n, 1), i.id FROM process_instance AS i "
    "JOIN title_bigram_place AS p ON p.n <= length(i.title) "
    "UNION SELECT '', i.id FROM process_instance AS i WHERE length(i.title) > 300")
# The objects of the indexes that the models do not describe (FTS5 makes its own shadow tables).
INDEX_TABLES = frozenset({FTS_TABLE, BIGRAM_TABLE, BIGRAM_PLACES,
                          *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config", "content"))})
INDEX_NAMES = frozenset({PG_INDEX, PG_BIGRAM_INDEX, PG_CHARACTER_INDEX})


def like_pattern(text: str) -> str:
    """``%text%`` with ``\\``, ``%`` and ``_`` escaped (by ``\\``): the text matches itself anywhere."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def title_like(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, case aside (the lists' meaning, evaluated row by row)."""
    result: ColumnElement[bool] = column.ilike(like_pattern(text), escape="\\")
    return result


def indexed(text: str) -> bool:
    """Whether an index can serve a search for ``text``: the character index for one character, the bigram index
    for ``BIGRAM``, the trigram index for more."""
    return len(text) >= CHARACTER


COMMON = 5000  # instances holding a pair or a character from which a list reads row by row, in its own order
COMMON_COUNTED = 20000  # SQLite: the same for a capped count (see ``by_index``)


def by_index(session: Session, text: str, counting: bool = False) -> bool:
    """Whether a list should search ``text`` through an index rather than row by row in its own order. Three
    characters or more: yes. One or two: unless they are common (in ``COMMON`` titles or more, e.g. ``20`` or ``2``,
    in every title, or ``华北``, in one in nine), where reading the list in its order meets a page of matches within a
    few hundred rows while the index would collect every holder first.

    Decided once per use case (kept in the session's info: a page may list and count several queues). On SQLite
    the gram table is counted up to ``COMMON`` (its primary key alone); on PostgreSQL the share of titles holding
    the gram is read from the statistics ``ANALYZE`` keeps for the GIN index's expression (``PG_HOLDERS``; a gram
    not among its most common ones is rare; ``from_statistics`` keeps it a while): counting through a GIN index would
    visit every holder's row.

    ``counting``: for a count capped at 1,001, which reads on to its cap rather than to a page. On SQLite the
    index collects its holders from a B-tree, cheaply: up to ``COMMON_COUNTED`` it is quicker than reading the
    queue row by row (at 100k, ``华北`` in 11k titles, 38 ms against 56); on PostgreSQL a GIN index visits each
    holder's row, and ``COMMON`` stays the boundary (there the queue read row by row was quicker: 86 ms
    against 99)."""
    if len(text) >= TRIGRAM:
        return True
    decided: dict[tuple[str, int], bool] = session.info.setdefault("opsflow_title_search", {})
    sqlite = session.get_bind().dialect.name == "sqlite"
    common = COMMON_COUNTED if counting and sqlite else COMMON
    if (text, common) not in decided:
        if sqlite:
            holders = (select(literal(1)).select_from(table(BIGRAM_TABLE))
                       .where(literal_column("gram") == func.lower(literal(text))))
            found = float(session.scalar(select(func.count()).select_from(holders.limit(common).subquery())) or 0)
        else:
            index = PG_BIGRAM_INDEX if len(text) == BIGRAM else PG_CHARACTER_INDEX
            found = from_statistics(session, PG_HOLDERS, {"index": index, "gram": text})
        decided[(text, common)] = found < common
    return decided[(text, common)]


def planned_for_its_text(session: Session) -> None:
    """PostgreSQL: the rest of this transaction's statements are planned for their own parameters. psycopg prepares
    a statement run five times, and PostgreSQL may then keep one plan made for any parameters (the generic plan),
    which suits no search text: at 100k the auditor's search for ``2`` (in every title) took 250 ms on it, 0.2 ms
    on its own. (The inbox's reads run in autocommit, where such a setting would not outlast its statement; there
    the generic plans measured as fast as the custom ones.)"""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text_clause("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"))


# PostgreSQL: how many titles hold ``lower(:gram)``, by the statistics of the GIN index ``:index`` (the share of its
# most common elements) and the planner's count of instances; 0 for a gram not among them, or before any ANALYZE
PG_HOLDERS = (
    "SELECT coalesce((SELECT u.share FROM pg_stats AS s, "
    "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(gram, share) "
    "WHERE s.schemaname = current_schema() AND s.tablename = :index AND u.gram = lower(:gram) LIMIT 1), 0) "
    "* (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = to_regclass(current_schema() || '.process_instance'))")


# PostgreSQL: how many titles hold the rarest bigram of :text (as ``PG_HOLDERS``; 0 when one is not among the most
# common): at most that many hold the text
PG_RAREST_BIGRAM = (
    "SELECT coalesce(min(coalesce((SELECT u.share FROM pg_stats AS s, "
    "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(gram, share) "
    "WHERE s.schemaname = current_schema() AND s.tablename = :index AND u.gram = g LIMIT 1), 0)), 0) "
    "* (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = to_regclass(current_schema() || '.process_instance')) "
    "FROM unnest(opsflow_title_bigrams(:text)) AS g")  # BIGRAM_FUNCTION


STATISTICS_KEPT = 300.0  # seconds a connection keeps what it read of the statistics
STATISTICS_KEPT_AT_MOST = 1000  # answers a connection keeps; past it, it starts again


def from_statistics(session: Session, query: str, values: dict[str, str]) -> float:
    """PostgreSQL: how many titles hold a gram (``PG_HOLDERS``, ``PG_RAREST_BIGRAM`` with ``values``), kept by the
    connection for ``STATISTICS_KEPT`` seconds. Only ``ANALYZE`` moves the statistics (autovacuum, the worker's hourly
    ``refresh_statistics``), and they choose how a list is read, never what it finds; each look cost 1.3-1.7 ms at
    100k (``pg_stats`` is a view that unpacks every column's statistics), a tenth of a search's SQL."""
    kept: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[float, float]] = (
        session.connection().info.setdefault("opsflow_title_statistics", {}))
    key = (query, tuple(sorted(values.items())))
    now = time.monotonic()
    known = kept.get(key)
    if known is not None and now - known[1] < STATISTICS_KEPT:
        return known[0]
    found = float(session.scalar(text_clause(query), values) or 0)
    if len(kept) >= STATISTICS_KEPT_AT_MOST:
        kept.clear()
    kept[key] = (found, now)
    return found


def may_be_common(session: Session, text: str) -> bool:
    """PostgreSQL: whether ``COMMON`` titles or more may hold ``text``, so that a list's first rows likely hold a
    page of it. One or two characters searched through an index are rare (``by_index``); for more, the rarest of
    the text's bigrams is looked up in the bigram index's statistics (at 100k: ``Spring`` 14%, ``2025-Q3`` 10% by
    ``q3``, ``乙丙丁`` none; ``from_statistics``). Once per use case."""
    if len(text) < TRIGRAM:
        return False
    known: dict[str, bool] = session.info.setdefault("opsflow_title_common", {})
    if text not in known:
        found = from_statistics(session, PG_RAREST_BIGRAM, {"index": PG_BIGRAM_INDEX, "text": text})
        known[text] = found >= COMMON
    return known[text]


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
    return f"({compiler.process(chosen, **kw)})"  # in parentheses: an OR inside would otherwise bind to the next AND


def _fts_candidates(text: str) -> Select[Any]:
    """SQLite: the ids of the instances the FTS5 table finds for ``text`` (at least ``TRIGRAM`` characters)."""
    return (select(literal_column("rowid")).select_from(table(FTS_TABLE))
            .where(literal_column(FTS_TABLE).op("MATCH")(literal(fts_phrase(text)))))


def _candidates(text: str) -> ColumnElement[bool]:
    """What the index says of ``ProcessInstance``'s title for ``text`` (at least ``BIGRAM`` characters): a superset
    of the titles containing it, which the LIKE then decides. Trigrams: on SQLite the FTS5 candidates, on
    PostgreSQL nothing (the ILIKE itself is served by the GIN index). Bigrams: the rows of ``BIGRAM_TABLE`` on
    SQLite; on PostgreSQL the bigram GIN index, whose answer is exact (``_pg_bigram``)."""
    if len(text) >= TRIGRAM:
        return _ByDialect(ProcessInstance.id.in_(_fts_candidates(text)), true())
    bigrams = table(BIGRAM_TABLE)
    kept: Select[Any] = (select(literal_column("instance_id")).select_from(bigrams)
                         .where(literal_column("gram").in_([func.lower(literal(text)), literal(LONG_TITLE)])))
    return _ByDialect(ProcessInstance.id.in_(kept), _pg_bigram(text))


def _pg_bigram(text: str) -> ColumnElement[bool]:
    """PostgreSQL, ``text`` of ``BIGRAM`` characters (or one): the lower-cased title holds ``lower(text)`` as a bigram
    (or a character), which is ILIKE's own meaning (it compares ``lower()`` of both sides); the GIN index answers it
    exactly. Written alone, with no ILIKE beside it: an ILIKE of two characters would bring in the trigram index
    (which reads all of itself for a pattern without trigrams) and a recheck that works out each candidate's
    bigrams again."""
    function = BIGRAM_FUNCTION if len(text) == BIGRAM else CHARACTER_FUNCTION
    result: ColumnElement[bool] = getattr(func, function)(ProcessInstance.title).op("@>")(
        array([func.lower(literal(text))]))
    return result


def _sqlite_bigram_titled(text: str) -> CompoundSelect[Any]:
    """SQLite, ``text`` of ``BIGRAM`` characters: the instances whose lower-cased title holds ``lower(text)`` as a
    bigram, which is the LIKE's own meaning (``lower(title) LIKE lower('%text%')``, ``%`` and ``_`` literal), read
    from the index alone; and the titles too long for the triggers' places, decided by the LIKE."""
    bigrams = table(BIGRAM_TABLE)
    gram: ColumnElement[str] = literal_column("gram")
    instance: ColumnElement[int] = literal_column("instance_id")
    exact = select(instance).select_from(bigrams).where(gram == func.lower(literal(text)))
    long = select(ProcessInstance.id).where(
        ProcessInstance.id.in_(select(instance).select_from(bigrams).where(gram == literal(LONG_TITLE))),
        title_like(ProcessInstance.title, text))
    return exact.union_all(long)


def titled_instances(text: str) -> Select[Any]:
    """The ids of the instances whose title contains ``text`` (at least ``BIGRAM`` characters), found through the
    index (``_candidates``), then decided by LIKE on them."""
    return select(ProcessInstance.id).where(_candidates(text), title_like(ProcessInstance.title, text))


def instance_titled(instance_id: Any, text: str) -> ColumnElement[bool]:
    """``instance_id`` is that of an instance whose title contains ``text`` (at least ``BIGRAM`` characters). For two
    characters the bigrams decide without reading the titles (``_sqlite_bigram_titled``, ``_pg_bigram``): a common
    pair (``20``, in every title) would otherwise cost a title read per instance."""
    if len(text) >= TRIGRAM:
        result: ColumnElement[bool] = instance_id.in_(titled_instances(text))
        return result
    return _ByDialect(instance_id.in_(_sqlite_bigram_titled(text)),
                      instance_id.in_(select(ProcessInstance.id).where(_pg_bigram(text))))


def task_or_instance_titled(instance_id: Any, title: Any, definition_id: Any, name: Any,
                            text: str) -> ColumnElement[bool]:
    """A list row (its task's ``instance_id``, ``definition_id`` and ``name``, its instance's ``title`` joined) whose
    instance title or step title contains ``text`` (at least ``BIGRAM`` characters): ``instance_titled`` or
    ``task_titled``, but on SQLite for three characters or more written so that the FTS5 candidates and the step
    titles are tested on the task's own columns, before its instance is joined, and the LIKE reads only the joined
    titles of the candidates that remain: ``(candidate or step) and (title LIKE or step)``, the same rows as
    ``(candidate and title LIKE) or step``, as every title holding the text is a candidate. Through
    ``instance_titled``, every candidate's title was read again first: at 100k, ``Spring`` (in 14,098 titles) took
    56 ms for wang.lei's team's queue and 34 ms for his own 208 tasks, against 5 and 5."""
    usual = or_(instance_titled(instance_id, text), task_titled(definition_id, name, text))
    if len(text) < TRIGRAM:
        return usual
    step = task_titled(definition_id, name, text)
    early = and_(or_(instance_id.in_(_fts_candidates(text)), step), or_(title_like(title, text), step))
    return _ByDialect(early, usual)


def task_titled(definition_id: Any, name: Any, text: str) -> ColumnElement[bool]:
    """The step (``definition_id``, ``name``) has a form title (English or Chinese) containing ``text``: one read
    of the small ``task_definition`` table, not a join per row."""
    steps = select(TaskDefinition.definition_id, TaskDefinition.name).where(
        or_(title_like(TaskDefinition.title, text), title_like(TaskDefinition.title_zh, text)))
    result: ColumnElement[bool] = tuple_(definition_id, name).in_(steps)
    return result


def rebuild_index(session: Session) -> int:
    """Build the title indexes again from the titles (after a restore that skipped the triggers, or a doubt); how
    many instances they hold. On SQLite the FTS5 ``rebuild`` and the bigram rows written again (as the triggers
    write them); on PostgreSQL ``REINDEX`` of the GIN indexes. Searches give the same results during it (the LIKE
    decides); it takes the write lock for its duration."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text_clause(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))  # noqa: S608 - constants
        session.execute(text_clause(f"DELETE FROM {BIGRAM_TABLE}"))  # noqa: S608 - constants
        session.execute(text_clause(SQLITE_BIGRAMS))
    else:
        session.execute(text_clause(f"REINDEX INDEX {PG_INDEX}"))
        session.execute(text_clause(f"REINDEX INDEX {PG_BIGRAM_INDEX}"))
        session.execute(text_clause(f"REINDEX INDEX {PG_CHARACTER_INDEX}"))
    return int(session.scalar(select(func.count()).select_from(ProcessInstance)) or 0)


def instance_title_contains(text: str) -> ColumnElement[bool]:
    """``ProcessInstance.title`` contains ``text`` (at least ``BIGRAM`` characters), for a query over the instances
    themselves: the index's candidates (``_candidates``) and the LIKE (on PostgreSQL, for two characters, the exact
    bigram condition alone). On PostgreSQL the planner serves them with a GIN index or, when the text is common and
    few rows are wanted, by reading in the order it pages in."""
    if len(text) < TRIGRAM:
        return _ByDialect(and_(_candidates(text), title_like(ProcessInstance.title, text)), _pg_bigram(text))
    return and_(_candidates(text), title_like(ProcessInstance.title, text))
