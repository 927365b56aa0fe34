"""``heat_block``: the kept heatmap parts of a version summed per block of instance ids (``engine.audit.heat_blocks``)

The parts kept so far have no sums: they are dropped with the worker's watermark, and the worker's next round
works every instance out again with its block (until then a look works them out from the log, as before).

Revision ID: 0038
Revises: 0036
Create Date: 2026-12-07 06:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0038'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'heat_block',
        sa.Column('definition_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('block', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('shares', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),
        sa.Column('counts_json', sa.Text(), nullable=False),
        sa.Column('times', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('definition_id', 'block'),
    )
    op.execute("DELETE FROM instance_heat")
    op.execute("DELETE FROM shared_setting WHERE key = 'heat_watermark'")


def downgrade() -> None:
    op.drop_table('heat_block')
