"""an index for "where I take part" (the open steps someone holds); the directory revision

Pages read the people and the deployed processes on every request; the web keeps them between
requests and reads them again only when ``directory_revision.revision`` has moved. Triggers move it
on any change to those tables, whoever makes it (any node, any tool, plain SQL). A password or a
sign-in does not move it: ``user_account`` triggers only on the columns a page shows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OPEN_HELD = "state = 'open' AND assignee_id IS NOT NULL"
# Each table, and the columns whose update matters (None: any).
WATCHED = {
    'user_account': 'username, display_name, email, reports_to_id, active',
    'user_role': None,
    'role': None,
    'process_definition': None,
}
BUMP = "UPDATE directory_revision SET revision = revision + 1"


def upgrade() -> None:
    op.create_index('ix_human_task_held', 'human_task', ['assignee_id', 'instance_id'],
                    sqlite_where=sa.text(OPEN_HELD), postgresql_where=sa.text(OPEN_HELD))
    op.create_table(
        'directory_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO directory_revision (id, revision) VALUES (1, 1)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE FUNCTION directory_revision_bump() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {BUMP}; RETURN NULL; END $$")
        for table, columns in WATCHED.items():
            update = f"UPDATE OF {columns}" if columns else "UPDATE"
            op.execute(f"CREATE TRIGGER directory_revision_{table} AFTER INSERT OR DELETE OR {update} ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION directory_revision_bump()")
    else:
        for table, columns in WATCHED.items():
            for event in ('INSERT', 'DELETE', f"UPDATE OF {columns}" if columns else 'UPDATE'):
                name = f"directory_revision_{table}_{event.split()[0].lower()}"
                op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in WATCHED:
            op.execute(f"DROP TRIGGER directory_revision_{table} ON {table}")
        op.execute("DROP FUNCTION directory_revision_bump()")
    else:
        for table in WATCHED:
            for event in ('insert', 'delete', 'update'):
                op.execute(f"DROP TRIGGER directory_revision_{table}_{event}")
    op.drop_table('directory_revision')
    op.drop_index('ix_human_task_held', table_name='human_task')
