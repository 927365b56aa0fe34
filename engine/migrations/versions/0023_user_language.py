"""user_account.language: the language a person chose in the web, which their e-mails are written in

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both backends (SQLite adds and drops a column in place): a batch copy of
# user_account would lose the triggers that count directory revisions.
def upgrade() -> None:
    op.add_column('user_account', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column('user_account', 'language')
