"""the team queue's indexes hold what a search tests of each task as key columns, on SQLite too

0046 gave PostgreSQL's ``ix_human_task_queue`` and ``ix_human_task_queue_due`` each task's instance, step and unit
(``INCLUDE``), so that a searched queue is tested from the index alone. SQLite has no ``INCLUDE``, and its queue was
tested row by row from the table: at 100k, wang.lei's team's 29,138 tasks for ``2025-Q3``, which none of them holds,
took 17-24 ms, and 7 with those columns in the index. The columns now follow ``lane, created_at, id`` (or
``lane, due_at, id``) as keys on both databases: ``id`` is unique, so the order is the same, and PostgreSQL cuts
them from its inner pages as it did the included ones. One definition in the models serves both.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-08 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None

OPEN_UNCLAIMED = "state = 'open' AND assignee_id IS NULL"
CARRIED = ['instance_id', 'definition_id', 'name', 'unit_scope']
INDEXES = {'ix_human_task_queue': ['lane', 'created_at', 'id'], 'ix_human_task_queue_due': ['lane', 'due_at', 'id']}


def _rebuild(keyed: bool) -> None:
    postgresql = op.get_bind().dialect.name != 'sqlite'
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name='human_task')
        if keyed:
            op.create_index(name, 'human_task', [*columns, *CARRIED], sqlite_where=sa.text(OPEN_UNCLAIMED),
                            postgresql_where=sa.text(OPEN_UNCLAIMED))
        else:  # as 0046 left them: carried on PostgreSQL, absent on SQLite
            op.create_index(name, 'human_task', columns, sqlite_where=sa.text(OPEN_UNCLAIMED),
                            postgresql_where=sa.text(OPEN_UNCLAIMED),
                            postgresql_include=CARRIED if postgresql else [])


def upgrade() -> None:
    _rebuild(keyed=True)


def downgrade() -> None:
    _rebuild(keyed=False)
