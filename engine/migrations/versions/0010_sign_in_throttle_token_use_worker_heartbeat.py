"""sign-in attempts and throttling per account and client, API token last use, worker heartbeats

Replaces the lock on the user row (five failures locked the account for everyone, so anyone
could lock out a colleague) with growing delays per account *and* client.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_LOCK_COLUMNS = ('failed_logins', 'locked_until')


def upgrade() -> None:
    op.create_table(
        'sign_in_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sign_in_attempt_at', 'sign_in_attempt', ['at'], unique=False)
    op.create_index('ix_sign_in_attempt_username', 'sign_in_attempt', ['username', 'at'], unique=False)
    op.create_table(
        'sign_in_throttle',
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('username', 'client'),
    )
    op.create_table(
        'worker_heartbeat',
        sa.Column('worker_id', sa.String(length=100), nullable=False),
        sa.Column('slots', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('worker_id'),
    )
    op.create_index(op.f('ix_worker_heartbeat_seen_at'), 'worker_heartbeat', ['seen_at'], unique=False)
    op.add_column('api_token', sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    # Native ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of user_account would have to drop
    # a table that every other table references.
    for column in OLD_LOCK_COLUMNS:
        op.execute(f'ALTER TABLE user_account DROP COLUMN {column}')


def downgrade() -> None:
    op.add_column('user_account', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('user_account', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.execute('ALTER TABLE api_token DROP COLUMN last_used_at')
    op.drop_index(op.f('ix_worker_heartbeat_seen_at'), table_name='worker_heartbeat')
    op.drop_table('worker_heartbeat')
    op.drop_table('sign_in_throttle')
    op.drop_index('ix_sign_in_attempt_username', table_name='sign_in_attempt')
    op.drop_index('ix_sign_in_attempt_at', table_name='sign_in_attempt')
    op.drop_table('sign_in_attempt')
