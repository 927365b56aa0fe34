"""out_of_office (代理): who is away, when, and who acts for them; human_task.on_behalf_of_id; the per-process
rules for a role nobody holds (审批人为空) and the same approver twice (自动去重); the per-step bulk approval
(批量审批)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'out_of_office',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('proxy_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('set_by', sa.String(length=64), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['proxy_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('user_id'),
    )
    # A plain ADD COLUMN, no table rebuild on SQLite (human_task's partial indexes stay as they are);
    # SQLite takes the reference inline, Alembic only as a rebuild.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE human_task ADD COLUMN on_behalf_of_id INTEGER REFERENCES user_account (id)')
    else:
        op.add_column('human_task', sa.Column('on_behalf_of_id', sa.Integer(), sa.ForeignKey('user_account.id'),
                                              nullable=True))
    # Plain ADD COLUMNs: a rebuild would drop process_definition's directory-revision triggers on SQLite.
    op.add_column('process_definition', sa.Column('when_no_holder', sa.String(length=16), nullable=False,
                                                  server_default='admins'))
    op.add_column('process_definition', sa.Column('skip_same_approver', sa.Boolean(), nullable=False,
                                                  server_default=sa.false()))
    op.add_column('task_definition', sa.Column('bulk_approve', sa.Boolean(), nullable=False,
                                               server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('task_definition', 'bulk_approve')
    op.drop_column('process_definition', 'skip_same_approver')
    op.drop_column('process_definition', 'when_no_holder')
    op.drop_column('human_task', 'on_behalf_of_id')  # PostgreSQL drops its foreign key with it
    op.drop_table('out_of_office')
