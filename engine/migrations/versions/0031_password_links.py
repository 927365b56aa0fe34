"""set-password links sent by e-mail (one-time, expiring, only their hash kept)

A link is asked for by an administrator (``requested``); the worker makes its token when it sends the e-mail
and keeps only the token's SHA-256 (``sent``, with ``expires_at``); setting a password with it ends it
(``used``), and a newer link for the same person ends the older ones (``superseded``).

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


def downgrade() -> None:
    op.drop_index('ix_password_link_user_state', table_name='password_link')
    op.drop_index('ix_password_link_token_hash', table_name='password_link')
    op.drop_table('password_link')
