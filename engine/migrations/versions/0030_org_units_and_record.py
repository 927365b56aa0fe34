"""units (departments) as a tree, each person's unit; the organisation's record in the history

``org_unit`` holds the tree of units with their heads; ``user_account.unit_key`` the unit a person belongs
to. Changes to the organisation are events of the hash-chained history with no instance
(``history_event.instance_id`` NULL), numbered by a chain of their own (a unique index on their ``seq``)
and anchored in the one row of ``org_record``. Units are watched by the directory revision's triggers like
users and roles, and so is a person's unit.

Revision ID: 0030
Revises: 0024
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0024'
branch_labels = None
depends_on = None

ORG_EVENT = "instance_id IS NULL"
BUMP = "UPDATE directory_revision SET revision = revision + 1"
# The directory's user_account triggers (migration 0013) watch these columns; the unit joins them.
USER_COLUMNS = 'username, display_name, email, reports_to_id, active'


def _postgres() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def _watch_units() -> None:
    if _postgres():
        op.execute("CREATE TRIGGER directory_revision_org_unit AFTER INSERT OR DELETE OR UPDATE ON org_unit "
                   "FOR EACH STATEMENT EXECUTE FUNCTION directory_revision_bump()")
        op.execute("DROP TRIGGER directory_revision_user_account ON user_account")
        op.execute(f"CREATE TRIGGER directory_revision_user_account AFTER INSERT OR DELETE OR UPDATE OF "
                   f"{USER_COLUMNS}, unit_key ON user_account FOR EACH STATEMENT EXECUTE FUNCTION "
                   f"directory_revision_bump()")
        return
    for event in ('INSERT', 'DELETE', 'UPDATE'):
        op.execute(f"CREATE TRIGGER directory_revision_org_unit_{event.lower()} AFTER {event} ON org_unit "
                   f"BEGIN {BUMP}; END")
    op.execute("CREATE TRIGGER directory_revision_user_account_unit AFTER UPDATE OF unit_key ON user_account "
               f"BEGIN {BUMP}; END")


def upgrade() -> None:
    op.create_table(
        'org_unit',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('name_zh', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('parent_key', sa.String(length=64), nullable=True),
        sa.Column('head_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['head_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['parent_key'], ['org_unit.key']),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_org_unit_parent_key', 'org_unit', ['parent_key'])
    # Plain ALTER TABLE on both backends: a batch copy of user_account would lose the directory's triggers.
    if _postgres():
        op.add_column('user_account', sa.Column('unit_key', sa.String(length=64), nullable=True))
        op.create_foreign_key('fk_user_account_unit_key', 'user_account', 'org_unit', ['unit_key'], ['key'])
    else:
        op.execute("ALTER TABLE user_account ADD COLUMN unit_key VARCHAR(64) "
                   "CONSTRAINT fk_user_account_unit_key REFERENCES org_unit (key)")
    op.create_index('ix_user_account_unit_key', 'user_account', ['unit_key'])
    op.create_table(
        'org_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('head', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute(sa.text("INSERT INTO org_record (id, seq, head) VALUES (1, 0, :genesis)")
               .bindparams(genesis="0" * 64))  # empty: the genesis hash
    with op.batch_alter_table('history_event', schema=None) as batch_op:
        batch_op.alter_column('instance_id', existing_type=sa.Integer(), nullable=True)
    op.create_index('ix_history_event_org_seq', 'history_event', ['seq'], unique=True,
                    sqlite_where=sa.text(ORG_EVENT), postgresql_where=sa.text(ORG_EVENT))
    _watch_units()


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER directory_revision_org_unit ON org_unit")
        op.execute("DROP TRIGGER directory_revision_user_account ON user_account")
        op.execute(f"CREATE TRIGGER directory_revision_user_account AFTER INSERT OR DELETE OR UPDATE OF "
                   f"{USER_COLUMNS} ON user_account FOR EACH STATEMENT EXECUTE FUNCTION directory_revision_bump()")
    else:
        for event in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER directory_revision_org_unit_{event}")
        op.execute("DROP TRIGGER directory_revision_user_account_unit")
    op.drop_index('ix_history_event_org_seq', table_name='history_event')
    op.execute("DELETE FROM history_event WHERE instance_id IS NULL")
    with op.batch_alter_table('history_event', schema=None) as batch_op:
        batch_op.alter_column('instance_id', existing_type=sa.Integer(), nullable=False)
    op.drop_table('org_record')
    op.drop_index('ix_user_account_unit_key', table_name='user_account')
    if _postgres():
        op.drop_constraint('fk_user_account_unit_key', 'user_account', type_='foreignkey')
    op.drop_column('user_account', 'unit_key')
    op.drop_table('org_unit')
