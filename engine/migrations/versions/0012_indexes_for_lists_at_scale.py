"""indexes that serve the inbox, the team queue and "My requests" at 100,000 instances

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OPEN_UNCLAIMED = "state = 'open' AND assignee_id IS NULL"


def upgrade() -> None:
    op.drop_index('ix_human_task_open_lane', table_name='human_task')
    op.drop_index('ix_human_task_assignee', table_name='human_task')
    op.drop_index('ix_human_task_instance_id', table_name='human_task')
    op.drop_index('ix_process_instance_started_by_id', table_name='process_instance')
    op.create_index('ix_human_task_queue', 'human_task', ['lane', 'created_at', 'id'],
                    sqlite_where=sa.text(OPEN_UNCLAIMED), postgresql_where=sa.text(OPEN_UNCLAIMED))
    op.create_index('ix_human_task_assignee', 'human_task', ['assignee_id', 'state', 'created_at', 'id'])
    op.create_index('ix_human_task_instance_state', 'human_task', ['instance_id', 'state'])
    op.create_index('ix_human_task_completed_by', 'human_task', ['completed_by_id', 'instance_id'])
    op.create_index('ix_instance_starter', 'process_instance', ['started_by_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_instance_starter', table_name='process_instance')
    op.drop_index('ix_human_task_completed_by', table_name='human_task')
    op.drop_index('ix_human_task_instance_state', table_name='human_task')
    op.drop_index('ix_human_task_assignee', table_name='human_task')
    op.drop_index('ix_human_task_queue', table_name='human_task')
    op.create_index('ix_process_instance_started_by_id', 'process_instance', ['started_by_id'])
    op.create_index('ix_human_task_instance_id', 'human_task', ['instance_id'])
    op.create_index('ix_human_task_assignee', 'human_task', ['assignee_id', 'state'])
    op.create_index('ix_human_task_open_lane', 'human_task', ['state', 'lane'])
