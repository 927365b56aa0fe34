"""the audit access log (append-only) and the indexes the audit search pages through

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SEARCH_INDEXES = [
    ('ix_instance_started_at', 'process_instance', ['started_at', 'id']),
    ('ix_instance_ended_at', 'process_instance', ['ended_at', 'id']),
    ('ix_instance_key_started_at', 'process_instance', ['process_key', 'started_at', 'id']),
    ('ix_instance_definition_started_at', 'process_instance', ['definition_id', 'started_at', 'id']),
]
REFUSAL = 'audit_access is append-only'


def upgrade() -> None:
    op.create_table(
        'audit_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('viewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('viewer', sa.String(length=100), nullable=False),
        sa.Column('what', sa.String(length=32), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('definition_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_access_viewer', 'audit_access', ['viewer', 'id'])
    op.create_index('ix_audit_access_instance', 'audit_access', ['instance_id', 'id'])
    for name, table, columns in SEARCH_INDEXES:
        op.create_index(name, table, columns)
    # The database itself refuses to change or remove a row of the access log.
    if op.get_bind().dialect.name == 'sqlite':
        for action in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER audit_access_no_{action.lower()} BEFORE {action} ON audit_access "
                       f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
    else:
        op.execute("CREATE FUNCTION audit_access_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$")
        op.execute("CREATE TRIGGER audit_access_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_access "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_access_refuse()")


def downgrade() -> None:
    for name, table, _columns in reversed(SEARCH_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index('ix_audit_access_instance', table_name='audit_access')
    op.drop_index('ix_audit_access_viewer', table_name='audit_access')
    op.drop_table('audit_access')  # its triggers go with it
    if op.get_bind().dialect.name != 'sqlite':
        op.execute("DROP FUNCTION audit_access_refuse()")
