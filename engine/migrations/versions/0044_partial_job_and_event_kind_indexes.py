"""ix_job_due and ix_history_event_kind_instance keep only the rows their reads look for (fewer pages per step)

``ix_job_due`` (state, due_at) is read for pending jobs (the worker's queue, the operations page) and incidents;
done and cancelled jobs, most of the table, are never looked up through it. Kept to pending and incident rows, a
request that ends (its reminders and overdue checks cancelled) only removes their entries instead of moving them.

``ix_history_event_kind_instance`` (kind, instance_id) serves the audit search's moves (转办, 委派 ... 催办): it now
holds only those kinds of event, so the events every step writes (task_created, task_completed, data_changed ...)
add no entry. The conditions are ORs: SQLite uses a partial index for ``kind = ?`` only then.

Revision ID: 0044
Revises: 0042
Create Date: 2026-12-07 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0044'
down_revision = '0042'
branch_labels = None
depends_on = None

LIVE_JOB = "state = 'pending' OR state = 'incident'"
SEARCHED_KINDS = ("task_transferred", "task_delegated", "signers_added", "signer_removed", "countersign_started",
                  "task_returned", "instance_withdrawn", "task_urged", "instance_copied", "attachment_added",
                  "task_auto_passed")
SEARCHED_KIND = " OR ".join(f"kind = '{kind}'" for kind in SEARCHED_KINDS)

# name -> (table, columns, the rows kept)
INDEXES = {
    'ix_job_due': ('job', ['state', 'due_at'], LIVE_JOB),
    'ix_history_event_kind_instance': ('history_event', ['kind', 'instance_id'], SEARCHED_KIND),
}


def upgrade() -> None:
    for name, (table, columns, kept) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, sqlite_where=sa.text(kept), postgresql_where=sa.text(kept))


def downgrade() -> None:
    for name, (table, columns, _kept) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
