"""an index on task_comment.instance_id: a task's page lists the comments of its whole request

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 18:40:00
"""

from __future__ import annotations

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_task_comment_instance_id', 'task_comment', ['instance_id'])


def downgrade() -> None:
    op.drop_index('ix_task_comment_instance_id', table_name='task_comment')
