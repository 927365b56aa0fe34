"""human_task.round_id: the countersign round (会签, multi-instance user task) a task belongs to

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_task') as batch:
        batch.add_column(sa.Column('round_id', sa.String(length=36), nullable=True))
    op.create_index('ix_human_task_round', 'human_task', ['instance_id', 'round_id'])


def downgrade() -> None:
    op.drop_index('ix_human_task_round', table_name='human_task')
    with op.batch_alter_table('human_task') as batch:
        batch.drop_column('round_id')
