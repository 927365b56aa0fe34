"""the instance titles' two-character pieces indexed, for searches of two characters (``方案``, ``市场``)

A trigram index (0036) cannot serve a two-character query. This keeps every pair of neighbouring characters
of each lower-cased title (its bigrams) where an index finds them: on SQLite the table
``process_instance_title_bigram`` (bigram, instance), kept by triggers in the transaction that writes the
instance, beside 0036's; on PostgreSQL a GIN index on ``opsflow_title_bigrams(title)`` (an immutable function:
the title's bigrams as an array), kept by PostgreSQL like any index. See ``engine.runtime.title_search``.

Revision ID: 0039
Revises: 0036
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

# engine.runtime.title_search's names (migrations keep their own)
TABLE = "process_instance_title_bigram"
PLACES = "title_bigram_place"  # 1 .. PLACE_COUNT: where a bigram may start (SQLite triggers have no WITH)
PLACE_COUNT = 300  # the writers cut titles to 300 characters; a longer one is marked '' (always a candidate)
FUNCTION = "opsflow_title_bigrams"
PG_INDEX = "ix_process_instance_title_bigrams"

# the bigrams of ``{row}.title`` (lower-cased as LIKE compares), each once, and '' for a title too long for the places
_ADD_SQLITE = ("INSERT INTO process_instance_title_bigram(gram, instance_id) SELECT gram, {row}.id FROM ("
               "SELECT DISTINCT substr(lower({row}.title), n, 2) AS gram FROM title_bigram_place "
               "WHERE n < length({row}.title) UNION SELECT '' WHERE length({row}.title) > 300); ")
_REMOVE_SQLITE = ("DELETE FROM process_instance_title_bigram WHERE instance_id = old.id AND gram IN ("
                  "SELECT substr(lower(old.title), n, 2) FROM title_bigram_place WHERE n < length(old.title) "
                  "UNION SELECT ''); ")
SQLITE_UP = (  # spelled out: no names put together in SQL beyond the row's alias
    "CREATE TABLE title_bigram_place (n INTEGER PRIMARY KEY)",
    "WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < 300) "
    "INSERT INTO title_bigram_place(n) SELECT n FROM p",
    "CREATE TABLE process_instance_title_bigram (gram TEXT NOT NULL, instance_id INTEGER NOT NULL, "
    "PRIMARY KEY (gram, instance_id)) WITHOUT ROWID",
    "INSERT INTO process_instance_title_bigram(gram, instance_id) "
    "SELECT DISTINCT substr(lower(i.title), p.n, 2), i.id FROM process_instance AS i "
    "JOIN title_bigram_place AS p ON p.n < length(i.title) "
    "UNION SELECT '', i.id FROM process_instance AS i WHERE length(i.title) > 300",
    "CREATE TRIGGER process_instance_title_bigram_insert AFTER INSERT ON process_instance BEGIN "
    + _ADD_SQLITE.format(row="new") + "END",
    "CREATE TRIGGER process_instance_title_bigram_delete AFTER DELETE ON process_instance BEGIN "
    + _REMOVE_SQLITE + "END",
    # a step sets the title each time (rendered again): only a title that changed touches the index
    "CREATE TRIGGER process_instance_title_bigram_update AFTER UPDATE OF id, title ON process_instance "
    "WHEN old.title IS NOT new.title OR old.id IS NOT new.id BEGIN "
    + _REMOVE_SQLITE + _ADD_SQLITE.format(row="new") + "END",
)
# PostgreSQL: the function is written in SQL-standard form (parsed once, no search path at run time); lower() as
# ILIKE folds, substr() by characters; the function sits in the schema the tables are in.
PG_UP = (
    "CREATE FUNCTION opsflow_title_bigrams(title text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    "RETURN ARRAY(SELECT DISTINCT substr(lower(title), n, 2) FROM generate_series(1, length(title) - 1) AS n)",
    "CREATE INDEX ix_process_instance_title_bigrams ON process_instance USING gin (opsflow_title_bigrams(title))",
)


def upgrade() -> None:
    for statement in SQLITE_UP if op.get_bind().dialect.name == "sqlite" else PG_UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {TABLE}")
        op.execute(f"DROP TABLE IF EXISTS {PLACES}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text)")
