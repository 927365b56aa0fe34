"""approval_step: delegates (委派) and added signers (加签) of a task, and the holder's decision they wait on

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'approval_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('human_task_id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decision', sa.String(length=64), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('data_json', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('acted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['human_task_id'], ['human_task.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_approval_step_task', 'approval_step', ['human_task_id', 'seq'])
    op.create_index('ix_approval_step_user', 'approval_step', ['user_id', 'instance_id'])


def downgrade() -> None:
    op.drop_index('ix_approval_step_user', table_name='approval_step')
    op.drop_index('ix_approval_step_task', table_name='approval_step')
    op.drop_table('approval_step')
