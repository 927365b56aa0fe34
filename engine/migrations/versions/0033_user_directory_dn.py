"""people imported from the organisation's directory (LDAP): ``user_account.directory_dn``

Set by ``opsflow org sync-ldap``: while the directory is on, such a person signs in only with the directory's
password, and the import deactivates them when the directory no longer has them.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user_account', sa.Column('directory_dn', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    op.drop_column('user_account', 'directory_dn')  # a plain column: SQLite drops it in place
