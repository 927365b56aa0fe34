"""the files each deployed version was made from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'definition_file',
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id']),
        sa.PrimaryKeyConstraint('definition_id', 'name'),
    )
    # Versions deployed before this migration kept their BPMN document (not their DMN or form bytes).
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, source_name, bpmn_xml FROM process_definition")).all()
    table = sa.table('definition_file', sa.column('definition_id'), sa.column('name'), sa.column('kind'),
                     sa.column('content'), sa.column('sha256'))
    if rows:
        op.bulk_insert(table, [{
            'definition_id': row.id, 'name': row.source_name, 'kind': 'bpmn', 'content': row.bpmn_xml,
            'sha256': hashlib.sha256(row.bpmn_xml.encode('utf-8')).hexdigest(),
        } for row in rows])


def downgrade() -> None:
    op.drop_table('definition_file')
