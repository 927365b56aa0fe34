"""history events: encoding version and Merkle tree index; the tree's state row

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00:00

Events already stored keep their hashes and get encoding 1 (the rule they were hashed with).
Nothing is rehashed: a migration that rewrites hashes is exactly what an attacker would do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('history_event') as batch:
        batch.add_column(sa.Column('encoding', sa.Integer(), server_default='1', nullable=False))
        batch.add_column(sa.Column('tree_index', sa.Integer(), nullable=True))
        batch.create_index('ix_history_event_tree_index', ['tree_index'], unique=True)
    op.create_table(
        'history_tree',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('log_id', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('history_tree')
    with op.batch_alter_table('history_event') as batch:
        batch.drop_index('ix_history_event_tree_index')
        batch.drop_column('tree_index')
        batch.drop_column('encoding')
