"""Migrations 0044 to 0046 on a populated database (both databases): undone and done again, every job,
event and notification stays, and a notification's dedupe key is still unique (keys left empty may repeat); on
PostgreSQL the team queue's indexes carry the columns a search tests (0046) and stop carrying them when undone."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from engine.facade import MIGRATIONS, Engine
from engine.org.people import Person
from tests.journey import OPERATOR, RESEARCH, start_plan, step

COUNTS = ("SELECT (SELECT count(*) FROM job), (SELECT count(*) FROM history_event), "
          "(SELECT count(*) FROM notification), (SELECT count(*) FROM human_task)")
QUEUE_INDEXES = ("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                 "AND indexname IN ('ix_human_task_queue', 'ix_human_task_queue_due') ORDER BY indexname")
CARRIED = "INCLUDE (instance_id, definition_id, name, unit_scope)"
A_NOTIFICATION = ("INSERT INTO notification (user_id, kind, subject, body, dedupe_key, created_at) "
                  "SELECT id, 'reminder', 'x', '', :key, CURRENT_TIMESTAMP FROM user_account WHERE username = 'li.na'")


def _migrate(engine: Engine, to: str) -> None:
    with engine.db.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        (command.downgrade if to == "0042" else command.upgrade)(config, to)


def _queue_indexes_carry(engine: Engine) -> list[bool]:
    with engine.db.connect() as connection:
        return [CARRIED in definition for definition in connection.execute(text(QUEUE_INDEXES)).scalars()]


def test_the_partial_indexes_come_and_go_on_a_populated_database(demo: Engine) -> None:
    plans = [start_plan(demo) for _ in range(3)]
    step(demo, "wang.lei", "research", plans[0], RESEARCH)
    demo.work.withdraw(Person("li.na"), plans[1], "方向有变")
    with demo.db.begin() as connection:
        connection.execute(text(A_NOTIFICATION), {"key": "reminder:1:1"})
        before = connection.execute(text(COUNTS)).one()
    postgresql = demo.db.dialect.name != "sqlite"
    assert not postgresql or _queue_indexes_carry(demo) == [True, True]
    _migrate(demo, "0042")
    with demo.db.connect() as connection:
        assert connection.execute(text(COUNTS)).one() == before
    assert not postgresql or _queue_indexes_carry(demo) == [False, False]
    _migrate(demo, "head")
    with demo.db.connect() as connection:
        assert connection.execute(text(COUNTS)).one() == before
    assert not postgresql or _queue_indexes_carry(demo) == [True, True]
    with demo.db.begin() as connection:  # keys left empty repeat freely
        connection.execute(text(A_NOTIFICATION), {"key": None})
        connection.execute(text(A_NOTIFICATION), {"key": None})
    with pytest.raises(IntegrityError), demo.db.begin() as connection:
        connection.execute(text(A_NOTIFICATION), {"key": "reminder:1:1"})
    step(demo, "wang.lei", "research", plans[2], RESEARCH)  # and the engine goes on
    assert demo.audit.verify(OPERATOR, checkpoint=None).ok
