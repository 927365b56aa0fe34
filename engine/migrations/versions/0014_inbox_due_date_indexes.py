"""indexes that serve the inbox sorted by due date (a queue's and a person's open tasks, earliest first)

The inbox reads each queue's dated tasks in ``(due_at, id)`` order, then its undated ones by ``id``
(engine.runtime.inbox): with these indexes a page sorted by due date reads about a page of rows, as
one sorted by age does, instead of sorting the whole queue.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OPEN_UNCLAIMED = "state = 'open' AND assignee_id IS NULL"
OPEN_HELD = "state = 'open' AND assignee_id IS NOT NULL"


def upgrade() -> None:
    op.create_index('ix_human_task_queue_due', 'human_task', ['lane', 'due_at', 'id'],
                    sqlite_where=sa.text(OPEN_UNCLAIMED), postgresql_where=sa.text(OPEN_UNCLAIMED))
    op.create_index('ix_human_task_held_due', 'human_task', ['assignee_id', 'due_at', 'id'],
                    sqlite_where=sa.text(OPEN_HELD), postgresql_where=sa.text(OPEN_HELD))


def downgrade() -> None:
    op.drop_index('ix_human_task_held_due', table_name='human_task')
    op.drop_index('ix_human_task_queue_due', table_name='human_task')
