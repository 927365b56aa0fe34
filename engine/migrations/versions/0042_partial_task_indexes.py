"""three human_task indexes leave out the rows whose column is NULL (fewer pages written per step)

A new task is unclaimed, not done and in no countersign, most of the time: its row wrote a NULL entry into
``ix_human_task_assignee``, ``ix_human_task_completed_by`` and ``ix_human_task_round``, one page each per step,
which no read uses (they all name a person, or a round). Each becomes partial on ``<column> IS NOT NULL``.

Revision ID: 0042
Revises: 0040
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0042'
down_revision = '0040'
branch_labels = None
depends_on = None

# name -> (columns, the rows kept)
INDEXES = {
    'ix_human_task_assignee': (['assignee_id', 'state', 'created_at', 'id'], "assignee_id IS NOT NULL"),
    'ix_human_task_completed_by': (['completed_by_id', 'instance_id'], "completed_by_id IS NOT NULL"),
    'ix_human_task_round': (['instance_id', 'round_id'], "round_id IS NOT NULL"),
}


def upgrade() -> None:
    for name, (columns, kept) in INDEXES.items():
        op.drop_index(name, table_name='human_task')
        op.create_index(name, 'human_task', columns, sqlite_where=sa.text(kept), postgresql_where=sa.text(kept))


def downgrade() -> None:
    for name, (columns, _kept) in INDEXES.items():
        op.drop_index(name, table_name='human_task')
        op.create_index(name, 'human_task', columns)
