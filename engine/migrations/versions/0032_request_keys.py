"""request keys: writes sent with an idempotency key, and their answers, for 24 hours; dismissed incidents

``request_key`` holds the keys; ``job.dismissed_by`` and ``job.dismissal_reason`` say who gave up a failing
notification job (state ``dismissed``) and why.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0032'
# On the branch "faults" this follows 0030; when 0031 is on main, the merge makes it follow 0031.
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'request_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_request_key_owner', 'request_key', ['username', 'key'], unique=True)
    op.create_index('ix_request_key_created_at', 'request_key', ['created_at'])
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('dismissed_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('dismissal_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.drop_column('dismissal_reason')
        batch.drop_column('dismissed_by')
    op.drop_index('ix_request_key_created_at', table_name='request_key')
    op.drop_index('ix_request_key_owner', table_name='request_key')
    op.drop_table('request_key')
