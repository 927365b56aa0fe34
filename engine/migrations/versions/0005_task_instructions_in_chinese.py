"""task instructions in Chinese

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instructions_zh', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('task_definition', schema=None) as batch_op:
        batch_op.drop_column('instructions_zh')
