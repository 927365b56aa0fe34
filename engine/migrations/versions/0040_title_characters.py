"""the instance titles' single characters indexed too, for searches of one character (``乙``, ``门``, ``d``)

0039 keeps each title's bigrams; a one-character search was still read row by row (at 100k, a character in no title
cost a read of every title: 100-250 ms). This keeps each lower-cased title's characters beside its bigrams: on
SQLite in the same table ``process_instance_title_bigram`` (a one-character gram; the triggers of 0039 are written
again to keep both); on PostgreSQL a GIN index on ``opsflow_title_characters(title)`` (immutable: the title's
characters as an array). See ``engine.runtime.title_search``.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07 09:15:00
"""

from __future__ import annotations

from alembic import op

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None

# engine.runtime.title_search's names (migrations keep their own)
TABLE = "process_instance_title_bigram"  # 0039's, which keeps the characters as well
TRIGGERS = ("insert", "delete", "update")

# spelled out, as in 0039 (no names put together in SQL beyond the row's alias): a title's grams, lower-cased as
# LIKE compares, each once: its bigrams, its characters (0040 only), and '' for a title too long for the places
_BIGRAMS = ("SELECT DISTINCT substr(lower({row}.title), n, 2) AS gram FROM title_bigram_place "
            "WHERE n < length({row}.title)")
_CHARACTERS = " UNION SELECT substr(lower({row}.title), n, 1) FROM title_bigram_place WHERE n <= length({row}.title)"
_LONG = " UNION SELECT '' WHERE length({row}.title) > 300"
_ADD = "INSERT INTO process_instance_title_bigram(gram, instance_id) SELECT gram, new.id FROM ({grams}); "
_REMOVE = ("DELETE FROM process_instance_title_bigram WHERE instance_id = old.id AND gram IN ("
           "SELECT gram FROM ({grams}) UNION SELECT ''); ")


def _triggers(characters: bool) -> list[str]:
    """0039's three triggers, keeping the characters as well with ``characters``."""
    grams = _BIGRAMS + (_CHARACTERS if characters else "") + _LONG
    add, remove = _ADD.format(grams=grams.format(row="new")), _REMOVE.format(grams=grams.format(row="old"))
    return [
        "CREATE TRIGGER process_instance_title_bigram_insert AFTER INSERT ON process_instance BEGIN " + add + "END",
        "CREATE TRIGGER process_instance_title_bigram_delete AFTER DELETE ON process_instance BEGIN " + remove + "END",
        # a step sets the title each time (rendered again): only a title that changed touches the index
        "CREATE TRIGGER process_instance_title_bigram_update AFTER UPDATE OF id, title ON process_instance "
        "WHEN old.title IS NOT new.title OR old.id IS NOT new.id BEGIN " + remove + add + "END",
    ]


SQLITE_CHARACTERS = (  # every instance's characters, each once (a title past the places is marked '' already)
    "INSERT OR IGNORE INTO process_instance_title_bigram(gram, instance_id) "
    "SELECT DISTINCT substr(lower(i.title), p.n, 1), i.id "
    "FROM process_instance AS i JOIN title_bigram_place AS p ON p.n <= length(i.title)")
# PostgreSQL: as 0039's function, in SQL-standard form; lower() as ILIKE folds, substr() by characters
PG_UP = (
    "CREATE FUNCTION opsflow_title_characters(title text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE RETURN ARRAY(SELECT DISTINCT substr(lower(title), n, 1) "
    "FROM generate_series(1, length(title)) AS n)",
    "CREATE INDEX ix_process_instance_title_characters ON process_instance "
    "USING gin (opsflow_title_characters(title))",
    "ANALYZE process_instance",  # the new expression's statistics, which searches read (autovacuum may wait long)
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for statement in PG_UP:
            op.execute(statement)
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER {TABLE}_{trigger}")
    for statement in _triggers(characters=True):
        op.execute(statement)
    op.execute(SQLITE_CHARACTERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_process_instance_title_characters")
        op.execute("DROP FUNCTION IF EXISTS opsflow_title_characters(text)")
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER {TABLE}_{trigger}")
    for statement in _triggers(characters=False):
        op.execute(statement)
    op.execute("DELETE FROM process_instance_title_bigram WHERE length(gram) = 1")
