"""an absence set, changed or ended moves the directory revision

Each process keeps who holds a role and who stands in for whom today (``engine.org.holders_memo``) for as long as
the directory revision stays where it was, so a completion does not ask the database again for what the last one
asked. People, roles and units already move it (0013, 0030); now an absence (代理, ``out_of_office``) does too,
whoever sets it (any node, any tool, plain SQL), so a new stand-in takes the very next task. An absence that ends
by its date needs no trigger: the day is part of what is kept.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None

BUMP = "UPDATE directory_revision SET revision = revision + 1"
EVENTS = ('INSERT', 'DELETE', 'UPDATE')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE TRIGGER directory_revision_out_of_office AFTER INSERT OR DELETE OR UPDATE ON out_of_office "
                   "FOR EACH STATEMENT EXECUTE FUNCTION directory_revision_bump()")
        return
    for event in EVENTS:
        op.execute(f"CREATE TRIGGER directory_revision_out_of_office_{event.lower()} AFTER {event} ON out_of_office "
                   f"BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER directory_revision_out_of_office ON out_of_office")
        return
    for event in EVENTS:
        op.execute(f"DROP TRIGGER directory_revision_out_of_office_{event.lower()}")
