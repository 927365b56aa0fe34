"""Migrations 0044 to 0048 on a populated database (both databases): undone and done again, every job,
event and notification stays, and a notification's dedupe key is still unique (keys left empty may repeat); the
team queue's indexes hold the columns a search tests as keys (0048), carried on PostgreSQL alone by 0046, and
neither before."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from engine.facade import MIGRATIONS, Engine
from engine.org.people import Person
from tests.journey import OPERATOR, RESEARCH, start_plan, step

COUNTS = ("SELECT (SELECT count(*) FROM job), (SELECT count(*) FROM history_event), "
          "(SELECT count(*) FROM notification), (SELECT count(*) FROM human_task)")
QUEUE_INDEXES = ("ix_human_task_queue", "ix_human_task_queue_due")
CARRIED = ["instance_id", "definition_id", "name", "unit_scope"]
A_NOTIFICATION = ("INSERT INTO notification (user_id, kind, subject, body, dedupe_key, created_at) "
                  "SELECT id, 'reminder', 'x', '', :key, CURRENT_TIMESTAMP FROM user_account WHERE username = 'li.na'")


def _migrate(engine: Engine, to: str) -> None:
    with engine.db.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        (command.upgrade if to == "head" else command.downgrade)(config, to)


def _queue_indexes(engine: Engine) -> list[tuple[list[str], list[str]]]:
    """The team queue's two indexes: their key columns, and the columns they carry (PostgreSQL's ``INCLUDE``)."""
    found = {index["name"]: index for index in inspect(engine.db).get_indexes("human_task")}
    return [(found[name]["column_names"][3:], found[name].get("include_columns", [])) for name in QUEUE_INDEXES]


def test_the_partial_indexes_come_and_go_on_a_populated_database(demo: Engine) -> None:
    plans = [start_plan(demo) for _ in range(3)]
    step(demo, "wang.lei", "research", plans[0], RESEARCH)
    demo.work.withdraw(Person("li.na"), plans[1], "方向有变")
    with demo.db.begin() as connection:
        connection.execute(text(A_NOTIFICATION), {"key": "reminder:1:1"})
        before = connection.execute(text(COUNTS)).one()
    postgresql = demo.db.dialect.name != "sqlite"
    assert _queue_indexes(demo) == [(CARRIED, []), (CARRIED, [])]  # keyed after lane, created_at | due_at, id
    _migrate(demo, "0047")
    assert _queue_indexes(demo) == [([], CARRIED if postgresql else [])] * 2  # as 0046 left them
    _migrate(demo, "0042")
    with demo.db.connect() as connection:
        assert connection.execute(text(COUNTS)).one() == before
    assert _queue_indexes(demo) == [([], [])] * 2
    _migrate(demo, "head")
    with demo.db.connect() as connection:
        assert connection.execute(text(COUNTS)).one() == before
    assert _queue_indexes(demo) == [(CARRIED, []), (CARRIED, [])]
    with demo.db.begin() as connection:  # keys left empty repeat freely
        connection.execute(text(A_NOTIFICATION), {"key": None})
        connection.execute(text(A_NOTIFICATION), {"key": None})
    with pytest.raises(IntegrityError), demo.db.begin() as connection:
        connection.execute(text(A_NOTIFICATION), {"key": "reminder:1:1"})
    step(demo, "wang.lei", "research", plans[2], RESEARCH)  # and the engine goes on
    assert demo.audit.verify(OPERATOR, checkpoint=None).ok
