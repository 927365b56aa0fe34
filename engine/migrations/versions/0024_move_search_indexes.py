"""indexes for the audit search's moves: history_event (kind, instance_id); human_task's tasks held for someone away

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

PROXIED = "on_behalf_of_id IS NOT NULL"


def upgrade() -> None:
    op.create_index('ix_history_event_kind_instance', 'history_event', ['kind', 'instance_id'])
    op.create_index('ix_human_task_on_behalf', 'human_task', ['instance_id'],
                    sqlite_where=sa.text(PROXIED), postgresql_where=sa.text(PROXIED))


def downgrade() -> None:
    op.drop_index('ix_human_task_on_behalf', table_name='human_task')
    op.drop_index('ix_history_event_kind_instance', table_name='history_event')
