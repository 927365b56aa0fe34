"""notification.dedupe_key: a partial unique index over the keyed rows instead of a unique constraint

Most notifications (a new task's, a result's) have no dedupe key; each still wrote a NULL entry into the
constraint's index, one page per step. The unique index ``ix_notification_dedupe_key`` leaves those rows out and
keeps the rule (one notification per key). SQLite cannot drop a constraint: the table is rebuilt (batch mode).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None

DEDUPED = "dedupe_key IS NOT NULL"
# SQLite's reflected constraint has no name: batch mode names it by this convention so that it can be dropped.
NAMED = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
POSTGRESQL_NAME = 'notification_dedupe_key_key'  # the name PostgreSQL gives the constraint of 0003


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('notification', naming_convention=NAMED) as batch_op:
            batch_op.drop_constraint('uq_notification_dedupe_key', type_='unique')
    else:
        [name] = [c['name'] for c in sa.inspect(op.get_bind()).get_unique_constraints('notification')
                  if c['column_names'] == ['dedupe_key']]
        op.drop_constraint(name or POSTGRESQL_NAME, 'notification', type_='unique')
    op.create_index('ix_notification_dedupe_key', 'notification', ['dedupe_key'], unique=True,
                    sqlite_where=sa.text(DEDUPED), postgresql_where=sa.text(DEDUPED))


def downgrade() -> None:
    op.drop_index('ix_notification_dedupe_key', table_name='notification')
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('notification') as batch_op:
            batch_op.create_unique_constraint('uq_notification_dedupe_key', ['dedupe_key'])
    else:
        op.create_unique_constraint(POSTGRESQL_NAME, 'notification', ['dedupe_key'])
