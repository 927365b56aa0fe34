"""set-password links sent by e-mail (one-time, expiring, only their hash kept); steps for a role within a unit

A link is asked for by an administrator (``requested``); the worker makes its token when it sends the e-mail
and keeps only the token's SHA-256 (``sent``, with ``expires_at``); setting a password with it ends it
(``used``), and a newer link for the same person ends the older ones (``superseded``).

``human_task.unit_scope``: a step for a role within one unit (``unitScope``): only the role's holders in that unit
or one below it (as the tree was when the step was reached: ",supply,metering,") see and take it.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'password_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_password_link_token_hash', 'password_link', ['token_hash'], unique=True)
    op.create_index('ix_password_link_user_state', 'password_link', ['user_id', 'state'])
    op.add_column('human_task', sa.Column('unit_scope', sa.String(length=2000), nullable=True))


def downgrade() -> None:
    op.drop_column('human_task', 'unit_scope')  # a plain column: SQLite drops it in place
    op.drop_index('ix_password_link_user_state', table_name='password_link')
    op.drop_index('ix_password_link_token_hash', table_name='password_link')
    op.drop_table('password_link')
