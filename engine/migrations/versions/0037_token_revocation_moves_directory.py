"""revoking or deleting an API token moves the directory revision

Each process keeps the actors of the API tokens it has seen (``engine.org.token_cache``) for as long as the
directory revision stays where it was; a leaver, a role taken away or a unit changed already move it
(0013, 0030). Now a token revoked or deleted does too, whoever does it (any node, any tool, plain SQL), so a
revoked token is refused at once everywhere. Its last use (written at most once an hour) does not move it.

Revision ID: 0037
Revises: 0033
Create Date: 2026-12-07 03:20:00
"""

from __future__ import annotations

from alembic import op

revision = '0037'
down_revision = '0033'
branch_labels = None
depends_on = None

BUMP = "UPDATE directory_revision SET revision = revision + 1"
EVENTS = {'delete': 'DELETE', 'revoked': 'UPDATE OF revoked, user_id, token_hash'}


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, event in EVENTS.items():
            op.execute(f"CREATE TRIGGER directory_revision_api_token_{name} AFTER {event} ON api_token "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION directory_revision_bump()")
    else:
        for name, event in EVENTS.items():
            op.execute(f"CREATE TRIGGER directory_revision_api_token_{name} AFTER {event} ON api_token "
                       f"BEGIN {BUMP}; END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    for name in EVENTS:
        op.execute(f"DROP TRIGGER directory_revision_api_token_{name}" + (" ON api_token" if postgres else ""))
