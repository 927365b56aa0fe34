"""The people and processes pages read on every request are kept between requests until they change,
and any change (through the engine, from another node, by plain SQL) is seen on the next read."""

from __future__ import annotations

from sqlalchemy import event, text, update

from engine.facade import build_engine
from engine.models import User
from engine.org.people import Person
from tests.engine.definitions.test_deploy_bundle import memo_bundle
from tests.journey import OPERATOR


def statements_of(engine, call):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine.db, "before_cursor_execute", record)
    try:
        result = call()
    finally:
        event.remove(engine.db, "before_cursor_execute", record)
    return result, seen


def test_an_unchanged_directory_costs_one_small_read_and_is_the_same_copy(engine):
    first = engine.org.directory()
    again, statements = statements_of(engine, engine.org.directory)
    assert again is first
    assert len(statements) == 1 and "directory_revision" in statements[0]
    assert "zhou.jie" in first.people and "market_plan" in first.processes


def test_changes_through_the_engine_are_seen_at_once(engine):
    before = engine.org.directory()
    engine.org.add_user(OPERATOR, "new.hire", ["staff"], reports_to="wang.lei", display_name="New Hire")
    after = engine.org.directory()
    assert "new.hire" not in before.people
    assert after.people["new.hire"].name == "New Hire" and after.people["new.hire"].reports_to == "wang.lei"
    engine.definitions.deploy(Person("gao.yan"), [memo_bundle()], "The memo process")
    assert "memo" in engine.org.directory().processes and "memo" not in after.processes
    assert [p["key"] for p in engine.work.processes(OPERATOR)] == sorted(engine.org.directory().processes)


def test_a_change_made_by_another_node_or_by_plain_sql_is_seen_on_the_next_read(engine, db_url):
    assert engine.org.directory().people["zhou.jie"].active is True
    other_node = build_engine(db_url)
    try:
        with other_node.db.begin() as conn:
            conn.execute(update(User).where(User.username == "zhou.jie").values(display_name="Zhou J.", active=False))
    finally:
        other_node.db.dispose()
    person = engine.org.directory().people["zhou.jie"]
    assert (person.name, person.active) == ("Zhou J.", False)
    assert engine.org.directory().people["li.na"].roles == ["marketing_manager"]
    with engine.db.begin() as conn:  # a role taken away by hand
        conn.execute(text("DELETE FROM user_role WHERE role_key = 'marketing_manager' AND user_id = "
                          "(SELECT id FROM user_account WHERE username = 'li.na')"))
    assert engine.org.directory().people["li.na"].roles == []


def test_a_new_password_does_not_make_every_node_read_the_directory_again(engine):
    first = engine.org.directory()
    engine.org.set_password(OPERATOR, "zhou.jie", "a new long passphrase 2026")
    assert engine.org.directory() is first


def test_role_titles_are_kept_with_the_directory_and_a_renamed_role_is_seen(engine):
    titles = engine.org.role_titles()
    assert (titles["marketing_manager"].title, titles["marketing_manager"].title_zh) == ("Marketing Manager",
                                                                                         "市场部经理")
    _, statements = statements_of(engine, engine.org.role_titles)
    assert len(statements) == 1 and "directory_revision" in statements[0]  # no read of the roles
    with engine.db.begin() as conn:  # renamed by another tool
        conn.execute(text("UPDATE role SET title_zh = '市场经理' WHERE key = 'marketing_manager'"))
    assert engine.org.role_titles()["marketing_manager"].title_zh == "市场经理"
