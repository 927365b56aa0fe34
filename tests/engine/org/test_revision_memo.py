"""Who acts, who holds a role and who stands in today, kept per process while the directory revision stays
(``engine.org.revision_memo``): a completion whose submitter and next steps' holders were asked at the same
revision does not ask again, and whatever moves the revision (a leaver, a role taken away, an absence set,
changed or ended, by this process, another node or plain SQL: migration 0047) or the day turning is seen at the
very next completion."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from engine.errors import NotAllowed, TaskNotFound, UserNotFound
from engine.facade import MIGRATIONS, Engine
from engine.org.absences import china_today
from engine.org.people import Person
from tests.journey import RESEARCH, only_task, start_plan, step
from tests.statements import plain_sql, statements

ABSENT, PROXY, OTHER_PROXY = "zhang.min", "zheng.hui", "zhou.jie"  # the draft goes to the planners: zhang.min alone
REVISION = "SELECT revision FROM directory_revision WHERE id = 1"
ACTOR_LOOKUP = "FROM user_account LEFT OUTER JOIN user_role"


def away_by_sql(engine: Engine, user: str, proxy: str, first: date, last: date) -> None:
    plain_sql(engine, "INSERT INTO out_of_office (user_id, proxy_id, starts_on, ends_on, set_by, set_at) "
                      "SELECT u.id, p.id, :first, :last, 'psql', CURRENT_TIMESTAMP FROM user_account u, "
                      "user_account p WHERE u.username = :user AND p.username = :proxy",
              first=first, last=last, user=user, proxy=proxy)


def research_done(engine: Engine) -> int:
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    return plan


def draft_holder(engine: Engine, plan: int, username: str) -> tuple[str | None, str | None]:
    task = only_task(engine, username, "draft_plan", plan)
    return task["assignee"], task["on_behalf_of"]


def revision(engine: Engine) -> int:
    with engine.db.connect() as conn:
        return int(conn.execute(text(REVISION)).scalar_one())


def test_the_next_completion_at_the_same_revision_does_not_ask_who_holds_the_roles(demo: Engine) -> None:
    memo = demo.collaborators.directory_memo
    research_done(demo)
    plan = start_plan(demo)  # a start asks the database: it reads no revision first
    task = only_task(demo, "wang.lei", "research", plan)
    asked = memo.asked
    with statements(demo) as seen:
        demo.work.complete(Person("wang.lei"), task["id"], RESEARCH)
    assert memo.asked == asked  # answered from memory
    assert not [s for s in seen if "out_of_office" in s or ACTOR_LOOKUP in s]  # the holders, the submitter
    assert draft_holder(demo, plan, ABSENT) == (None, None)


def test_a_leaver_and_a_role_taken_away_by_plain_sql_are_refused_at_the_next_completion(demo: Engine) -> None:
    research_done(demo)  # wang.lei's actor is kept now
    plans = [start_plan(demo) for _ in range(2)]
    tasks = [only_task(demo, "wang.lei", "research", plan)["id"] for plan in plans]
    plain_sql(demo, "DELETE FROM user_role WHERE role_key = 'research_supervisor' AND user_id = "
                    "(SELECT id FROM user_account WHERE username = 'wang.lei')")
    with pytest.raises(NotAllowed):
        demo.work.complete(Person("wang.lei"), tasks[0], RESEARCH)
    plain_sql(demo, "UPDATE user_account SET active = false WHERE username = 'wang.lei'")
    with pytest.raises(UserNotFound):
        demo.work.complete(Person("wang.lei"), tasks[1], RESEARCH)
    with pytest.raises(UserNotFound):  # who asks is checked before the task, as in every use case
        demo.work.complete(Person("wang.lei"), 10**9, RESEARCH)
    with pytest.raises(TaskNotFound):
        demo.work.complete(Person("li.na"), 10**9, RESEARCH)


def test_an_absence_set_changed_and_ended_by_plain_sql_is_honoured_at_the_next_completion(demo: Engine,
                                                                                           clock) -> None:
    today = china_today(clock())
    assert draft_holder(demo, research_done(demo), ABSENT) == (None, None)  # kept now
    moved = revision(demo)
    away_by_sql(demo, ABSENT, PROXY, today, today + timedelta(days=2))
    assert revision(demo) > moved  # the trigger of migration 0047
    assert draft_holder(demo, research_done(demo), PROXY) == (PROXY, ABSENT)
    plain_sql(demo, "UPDATE out_of_office SET proxy_id = (SELECT id FROM user_account WHERE username = :proxy)",
              proxy=OTHER_PROXY)
    assert draft_holder(demo, research_done(demo), OTHER_PROXY) == (OTHER_PROXY, ABSENT)
    plain_sql(demo, "DELETE FROM out_of_office")
    assert draft_holder(demo, research_done(demo), ABSENT) == (None, None)


def test_an_absence_that_ends_by_its_date_ends_for_the_memo_too(demo: Engine, clock) -> None:
    today = china_today(clock())
    demo.org.set_away(Person(ABSENT), today, today, PROXY)  # today only
    assert draft_holder(demo, research_done(demo), PROXY) == (PROXY, ABSENT)
    assert draft_holder(demo, research_done(demo), PROXY) == (PROXY, ABSENT)  # from memory
    clock.advance(days=1)  # nothing in the database changed: the day did
    assert draft_holder(demo, research_done(demo), ABSENT) == (None, None)


def test_migration_0047_adds_and_removes_the_absence_triggers(demo: Engine, clock) -> None:
    today = china_today(clock())

    def migrate(to: str) -> None:
        with demo.db.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            (command.downgrade if to == "0046" else command.upgrade)(config, to)

    migrate("0046")
    before = revision(demo)
    away_by_sql(demo, ABSENT, PROXY, today, today)
    plain_sql(demo, "DELETE FROM out_of_office")
    assert revision(demo) == before  # undone: absences no longer move it
    migrate("head")
    away_by_sql(demo, ABSENT, PROXY, today, today)
    assert revision(demo) == before + 1
    plain_sql(demo, "UPDATE out_of_office SET ends_on = :day", day=today + timedelta(days=1))
    plain_sql(demo, "DELETE FROM out_of_office")
    assert revision(demo) == before + 3
