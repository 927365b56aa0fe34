"""process_definition.transfer_rule: to whom a process's steps may be transferred (转办)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (no batch copy): on SQLite a batch would recreate the table without the directory triggers
# that 0013 put on it.
def upgrade() -> None:
    op.add_column('process_definition',
                  sa.Column('transfer_rule', sa.String(length=16), server_default='', nullable=False))


def downgrade() -> None:
    op.drop_column('process_definition', 'transfer_rule')
