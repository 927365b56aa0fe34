"""Migrations 0044 and 0045 on a populated database (both databases): undone and done again, every job,
event and notification stays, and a notification's dedupe key is still unique (keys left empty may repeat)."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from engine.facade import MIGRATIONS, Engine
from engine.org.people import Person
from tests.journey import OPERATOR, RESEARCH, start_plan, step

COUNTS = "SELECT (SELECT count(*) FROM job), (SELECT count(*) FROM history_event), (SELECT count(*) FROM notification)"
A_NOTIFICATION = ("INSERT INTO notification (user_id, kind, subject, body, dedupe_key, created_at) "
                  "SELECT id, 'reminder', 'x', '', :key, CURRENT_TIMESTAMP FROM user_account WHERE username = 'li.na'")


def _migrate(engine: Engine, to: str) -> None:
    with engine.db.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        (command.downgrade if to == "0042" else command.upgrade)(config, to)


def test_the_partial_indexes_come_and_go_on_a_populated_database(demo: Engine) -> None:
    plans = [start_plan(demo) for _ in range(3)]
    step(demo, "wang.lei", "research", plans[0], RESEARCH)
    demo.work.withdraw(Person("li.na"), plans[1], "方向有变")
    with demo.db.begin() as connection:
        connection.execute(text(A_NOTIFICATION), {"key": "reminder:1:1"})
        before = connection.execute(text(COUNTS)).one()
    _migrate(demo, "0042")
    with demo.db.connect() as connection:
        assert connection.execute(text(COUNTS)).one() == before
    _migrate(demo, "head")
    with demo.db.connect() as connection:
        assert connection.execute(text(COUNTS)).one() == before
    with demo.db.begin() as connection:  # keys left empty repeat freely
        connection.execute(text(A_NOTIFICATION), {"key": None})
        connection.execute(text(A_NOTIFICATION), {"key": None})
    with pytest.raises(IntegrityError), demo.db.begin() as connection:
        connection.execute(text(A_NOTIFICATION), {"key": "reminder:1:1"})
    step(demo, "wang.lei", "research", plans[2], RESEARCH)  # and the engine goes on
    assert demo.audit.verify(OPERATOR, checkpoint=None).ok
