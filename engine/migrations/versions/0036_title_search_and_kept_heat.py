"""an index for searching instance titles: SQLite FTS5 (trigram) kept by triggers; PostgreSQL pg_trgm GIN;
``instance_heat``: each instance's part of its version's heatmap, kept by the worker (``engine.audit.heat_kept``)

See ``engine.runtime.title_search``. Built here for the rows that exist; kept from then on in the transaction
that writes the instance (SQLite: the triggers; PostgreSQL: the index itself).

Revision ID: 0036
Revises: 0037
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0037'
branch_labels = None
depends_on = None

FTS = "process_instance_title_fts"  # engine.runtime.title_search.FTS_TABLE (migrations keep their own names)
PG_INDEX = "ix_process_instance_title_trgm"
SQLITE_UP = (  # spelled out: no names put together in SQL
    "CREATE VIRTUAL TABLE process_instance_title_fts USING fts5(title, content='process_instance', "
    "content_rowid='id', tokenize='trigram')",
    "INSERT INTO process_instance_title_fts(process_instance_title_fts) VALUES ('rebuild')",  # the rows there
    "CREATE TRIGGER process_instance_title_fts_insert AFTER INSERT ON process_instance BEGIN "
    "INSERT INTO process_instance_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER process_instance_title_fts_delete AFTER DELETE ON process_instance BEGIN "
    "INSERT INTO process_instance_title_fts(process_instance_title_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); END",
    # a step sets the title each time (rendered again): only a title that changed touches the index
    "CREATE TRIGGER process_instance_title_fts_update AFTER UPDATE OF id, title ON process_instance "
    "WHEN old.title IS NOT new.title OR old.id IS NOT new.id BEGIN "
    "INSERT INTO process_instance_title_fts(process_instance_title_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); "
    "INSERT INTO process_instance_title_fts(rowid, title) VALUES (new.id, new.title); END",
)

TRGM_HOME = ("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
             "WHERE e.extname = 'pg_trgm'")


def upgrade() -> None:
    op.create_table(
        'instance_heat',
        sa.Column('instance_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('through_seq', sa.Integer(), nullable=False),
        sa.Column('calendar_mark', sa.String(length=32), nullable=False),
        sa.Column('summary_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_index('ix_instance_heat_definition', 'instance_heat', ['definition_id'])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    else:
        bind = op.get_bind()
        home = bind.exec_driver_sql(TRGM_HOME).scalar()
        if home is None:  # in public, not the first schema of the search path: a schema dropped later takes it along
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            home = "public"
        op.execute(f'CREATE INDEX {PG_INDEX} ON process_instance USING gin (title "{home}".gin_trgm_ops)')


def downgrade() -> None:
    op.drop_index('ix_instance_heat_definition', table_name='instance_heat')
    op.drop_table('instance_heat')
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")  # the extension stays: others may use it
