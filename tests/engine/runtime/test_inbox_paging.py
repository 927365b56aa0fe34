"""The inbox at any size: queues merged in order, keyset pages that add up, searches that mean what they say."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update

from engine.errors import InvalidInput
from engine.facade import build_engine
from engine.models import HumanTask
from engine.org.people import Person
from engine.runtime.inbox import cursor_of
from tests.api.helpers import make_app
from tests.journey import OPERATOR, RESEARCH, START, only_task, step


def start_plans(engine, titles):
    return [engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id for title in titles]


def all_pages(engine, user, size, sort="age", **filters):
    pages, after = [], None
    while True:
        page = engine.work.tasks(Person(user), sort=sort, after=after, limit=size, **filters)
        if not page:
            return pages
        pages.append(page)
        after = cursor_of(page[-1], sort)


def test_pages_of_the_inbox_add_up_to_the_whole_list_in_order(engine):
    plans = start_plans(engine, [f"Plan {n}" for n in range(7)])
    research = {t["instance_id"]: t["id"] for t in engine.work.tasks(Person("wang.lei"))}
    engine.work.claim(Person("wang.lei"), research[plans[3]])  # one from the team queue into his own
    whole = engine.work.tasks(Person("wang.lei"))
    assert [t["instance_id"] for t in whole] == plans  # oldest first, his own and the team's merged
    assert [t["mine"] for t in whole] == [n == 3 for n in range(7)]
    pages = all_pages(engine, "wang.lei", 3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [t["id"] for p in pages for t in p] == [t["id"] for t in whole]
    due_pages = all_pages(engine, "wang.lei", 2, sort="due")  # started one after another: due in the same order
    assert [t["id"] for p in due_pages for t in p] == sorted(t["id"] for t in whole)
    with pytest.raises(InvalidInput, match="not a cursor"):
        engine.work.tasks(Person("wang.lei"), after="yesterday~x")


def test_the_inbox_page_gives_a_page_of_each_list_with_totals(engine):
    plans = start_plans(engine, [f"Plan {n}" for n in range(5)])
    first = engine.work.tasks(Person("wang.lei"))[0]
    engine.work.claim(Person("wang.lei"), first["id"])
    page = engine.work.inbox(Person("wang.lei"), per_list=2)
    assert ([t["instance_id"] for t in page.mine], page.mine_total, page.mine_next) == ([plans[0]], 1, None)
    assert [t["instance_id"] for t in page.team] == plans[1:3] and page.team_total == 4
    second = engine.work.inbox(Person("wang.lei"), per_list=2, team_after=page.team_next)
    assert [t["instance_id"] for t in second.team] == plans[3:5] and second.team_next is None
    assert second.team_total == 4  # a later page is not its own count
    nav = engine.work.navigation(Person("wang.lei"))
    assert (nav.mine, nav.team) == (1, 4) and "claim" not in nav.rights


def test_percent_and_underscore_in_a_search_match_themselves(engine):
    start_plans(engine, ["Half price: 50% off", "Launch_2027", "Plain launch"])
    def titles(text):
        return sorted(t["instance_title"].split(" (")[0] for t in engine.work.tasks(Person("wang.lei"), text=text))

    assert titles("%") == ["Half price: 50% off"]
    assert titles("_") == ["Launch_2027"]
    assert titles("launch") == ["Launch_2027", "Plain launch"]
    assert engine.work.inbox(Person("wang.lei"), text="%").team_total == 1


def test_the_api_gives_pages_with_a_next_cursor(sqlite_engine):
    engine = sqlite_engine
    start_plans(engine, [f"Plan {n}" for n in range(5)])
    client = make_app(engine).test_client()
    headers = {"Authorization": f"Bearer {engine.org.create_token(Person('wang.lei'))}"}
    seen, after = [], None
    while True:
        answer = client.get("/api/v1/tasks", query_string={"limit": 2, **({"after": after} if after else {})},
                            headers=headers).get_json()
        seen += [t["id"] for t in answer["items"]]
        after = answer["next"]
        if after is None:
            break
    assert seen == [t["id"] for t in engine.work.tasks(Person("wang.lei"))] and len(seen) == 5
    bad = client.get("/api/v1/tasks", query_string={"after": "nonsense"}, headers=headers)
    assert bad.status_code == 400 and "after" in bad.get_json()["fields"]
    assert client.get("/api/v1/tasks", query_string={"limit": 501}, headers=headers).status_code == 400


@pytest.mark.postgres
def test_postgresql_statistics_are_refreshed_for_opsflows_own_tables_only(postgres_url):
    """``ANALYZE`` of the schema's tables (a database-wide one also analyses, and can deadlock with, the
    schemas of others sharing the database)."""
    neighbour = f"n_{uuid.uuid4().hex[:10]}"
    engine = build_engine(postgres_url)
    try:
        with engine.db.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{neighbour}"')
            connection.exec_driver_sql(f'CREATE TABLE "{neighbour}".other AS SELECT generate_series(1, 50) AS n')
        engine.setup.init(demo=True)
        with engine.db.connect() as connection:
            def tuples(schema: str, table: str) -> float:
                return float(connection.exec_driver_sql(
                    "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %(schema)s AND c.relname = %(table)s",
                    {"schema": schema, "table": table}).scalar_one())
            ours = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
            assert tuples(ours, "user_account") == len(engine.org.users(OPERATOR))  # analysed by init
            assert tuples(neighbour, "other") == -1  # never analysed: not opsflow's
    finally:
        with engine.db.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{neighbour}" CASCADE')
        engine.db.dispose()


def test_the_planner_statistics_are_refreshed(sqlite_engine):
    with sqlite_engine.db.connect() as connection:
        analysed = {row[0] for row in connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")}
    assert {"user_account", "process_definition", "task_definition"} <= analysed  # opsflow init ran it
    assert "human_task" not in analysed  # empty then
    start_plans(sqlite_engine, ["After the first analysis"])
    sqlite_engine.setup.refresh_statistics()
    with sqlite_engine.db.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_human_task_instance_state'").scalar()
    assert row is not None and int(row.split()[0]) >= 1


def test_counts_stop_where_they_are_asked_to(engine):
    """Each queue is counted up to the cap; the total over several queues never passes it either."""
    plans = start_plans(engine, [f"Plan {n}" for n in range(5)])
    for plan in plans[:3]:  # research done on three: their drafts wait in the planning lane
        step(engine, "wang.lei", "research", plan, RESEARCH)
    engine.org.add_user(OPERATOR, "two.lanes", ["research_supervisor", "planning_supervisor"])
    engine.work.claim(Person("two.lanes"), only_task(engine, "two.lanes", "research", plans[3])["id"])
    exact = engine.work.navigation(Person("two.lanes"))
    assert (exact.mine, exact.team) == (1, 4)  # 1 research + 3 drafts left in her two lanes
    assert [engine.work.navigation(Person("two.lanes"), up_to).team for up_to in (1, 2, 3, 4, 5,
                                                                                     100)] == [1, 2, 3, 4, 4, 4]
    assert engine.work.navigation(Person("two.lanes"), 1).mine == 1 and engine.work.navigation(Person("wang.lei"),
                                                                                                  5).team == 1
    page = engine.work.inbox(Person("two.lanes"), per_list=2, count_up_to=3)
    assert (page.mine_total, page.team_total, len(page.team)) == (1, 3, 2)
    assert engine.work.inbox(Person("two.lanes"), per_list=2).team_total == 4
    assert engine.work.inbox(Person("two.lanes"), text="Plan 4",
                             count_up_to=3).team_total == 1  # a filter counts as well


def test_by_due_date_the_dated_come_first_then_the_undated_across_pages_and_queues(engine):
    """Each queue is read in two stretches (dated by due date, then undated by id); pages still add up."""
    plans = start_plans(engine, [f"Plan {n}" for n in range(8)])
    research = {t["instance_id"]: t["id"] for t in engine.work.tasks(Person("wang.lei"))}
    soon = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    dues = {plans[5]: soon, plans[1]: soon + timedelta(days=2), plans[6]: soon,  # a tie: by id
            plans[3]: soon + timedelta(days=1)}
    with engine.core.transaction() as session:
        for plan in plans:  # the research step has a window of its own: these dates instead, or none
            session.execute(update(HumanTask).where(HumanTask.id == research[plan]).values(due_at=dues.get(plan)))
    for plan in (plans[6], plans[2]):  # one dated and one undated task in his own list
        engine.work.claim(Person("wang.lei"), research[plan])
    dated = sorted((dues[p], research[p]) for p in dues)
    expected = [task_id for _, task_id in dated] + sorted(research[p] for p in plans if p not in dues)
    assert [t["id"] for t in engine.work.tasks(Person("wang.lei"), sort="due")] == expected
    for size in (1, 2, 3, 5):
        assert [t["id"] for p in all_pages(engine, "wang.lei", size, sort="due") for t in p] == expected
    team, after = [], None
    while True:  # the inbox's team list alone, two at a time
        page = engine.work.inbox(Person("wang.lei"), sort="due", per_list=2, team_after=after, totals=False)
        team += [t["id"] for t in page.team]
        if (after := page.team_next) is None:
            break
    assert team == [task_id for task_id in expected if task_id not in (research[plans[6]], research[plans[2]])]
    mine = engine.work.inbox(Person("wang.lei"), sort="due", per_list=1)
    assert [t["id"] for t in mine.mine] == [research[plans[6]]] and mine.mine_next
    rest = engine.work.inbox(Person("wang.lei"), sort="due", per_list=1, mine_after=mine.mine_next)
    assert [t["id"] for t in rest.mine] == [research[plans[2]]] and rest.mine_next is None


def test_a_searched_first_page_is_counted_from_its_own_read(engine):
    """A first page counted up to a few (a searched text: "100+") gives the count a count would, from the rows it
    read: no statement of its own; a later page, or a long cap, still counts apart."""
    plans = start_plans(engine, [f"Launch {n}" for n in range(7)] + ["Other plan"])
    statements: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, many):
        statements.append(statement)

    def searched(**arguments):
        statements.clear()
        event.listen(engine.db, "before_cursor_execute", on_execute)
        try:
            return engine.work.inbox(Person("wang.lei"), text="launch", per_list=2, **arguments)
        finally:
            event.remove(engine.db, "before_cursor_execute", on_execute)

    def counts() -> int:
        return sum("count(" in statement.lower() for statement in statements)

    capped = searched(count_up_to=5)
    assert ([t["instance_id"] for t in capped.team], capped.team_total, capped.mine_total) == (plans[:2], 5, 0)
    assert counts() == 0
    whole = searched(count_up_to=8)
    assert (whole.team_total, [t["instance_id"] for t in whole.team], counts()) == (7, plans[:2], 0)
    assert whole.team_next == capped.team_next == cursor_of(whole.team[-1], "age")
    later = searched(count_up_to=8, team_after=whole.team_next)
    assert ([t["instance_id"] for t in later.team], later.team_total) == (plans[2:4], 7)
    assert counts() == 1  # a later page: the count is of the whole list, not of what follows the cursor
    long_cap = engine.work.inbox(Person("wang.lei"), text="launch", per_list=2, count_up_to=1001)
    assert long_cap.team_total == 7 and [t["id"] for t in long_cap.team] == [t["id"] for t in whole.team]
