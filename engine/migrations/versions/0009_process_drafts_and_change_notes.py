"""process drafts (the modeler) and a change note on each deployed version

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'process_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=128), nullable=False),
        sa.Column('bpmn_name', sa.String(length=255), nullable=False),
        sa.Column('bpmn_xml', sa.Text(), nullable=False),
        sa.Column('files_json', sa.Text(), nullable=False),
        sa.Column('based_on_version', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('problems_json', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('process_key'),
    )
    with op.batch_alter_table('process_definition') as batch:
        batch.add_column(sa.Column('change_note', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('process_definition') as batch:
        batch.drop_column('change_note')
    op.drop_table('process_draft')
