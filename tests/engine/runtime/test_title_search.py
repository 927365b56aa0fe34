"""The title indexes find exactly what the row-by-row search found: the same tasks and instances, counted the same,
for Chinese and Latin text, queries of 1, 2 (the bigram index) and 3+ characters (the trigram index), and LIKE's
wildcards taken literally."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import and_, event, func, or_, select, text, update
from sqlalchemy.orm import Session

from engine.audit import search as audit_search
from engine.audit.search import InstanceQuery
from engine.models import HumanTask, ProcessInstance, TaskDefinition
from engine.org.people import Person, acting
from engine.runtime import inbox, title_search
from engine.runtime.inbox import OPEN, queues
from tests.journey import OPERATOR, START

TITLES = ["Spring launch", "SPRING Launch", "春季新品上市", "秋季市场规划", "50% off sale", "100_percent plan",
          "back\\slash plan", 'say "hi" now', "Été campaign", "été campaign", "Ωmega ΩMEGA", "计划", "a",
          "调研报告汇总", "mixed 中文 and English", "spring_launch", "50 percent"]
QUERIES = ["spring", "SPRING", "Spr", "sp", "s", "春", "春季", "春季新", "市场规划", "%", "50%", "_", "0_p", "100_",
           "\\", "k\\s", '"hi"', '"', "été", "Été", "ÉTÉ", "ωmega", "Ω", "2027-Q1", "(2027", "调研", "市场调研",
           "research", "nothing like it", "  spring  ", "q1)", "g_l", "%%", "a", "AN", "中文 and", "场规", "g ",
           "ΩM", "ωm", "ÉT", "\\s", "%o", "0_", "计划", "划", "告汇"]
# PostgreSQL: the window of a queue's first rows a search reads (``inbox._from_first_rows``), its values' names
FIRST_ROWS_WINDOW = re.compile(r"LIMIT %\((?P<limit>\w+)\)s::INTEGER "
                               r"OFFSET %\((?P<offset>\w+)\)s::INTEGER\) AS first_rows")
WANG = Person("wang.lei")  # the research supervisor: every plan's first task is in his team's queue


def _old_condition(query: str):
    """The inbox's search before the index: ILIKE on the joined instance and step titles, row by row."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(ProcessInstance.title.ilike(pattern, escape="\\"), TaskDefinition.title.ilike(pattern, escape="\\"),
               TaskDefinition.title_zh.ilike(pattern, escape="\\"))


def _old_inbox(session, actor, query: str) -> set[int]:
    found = select(HumanTask.id).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id).outerjoin(
        TaskDefinition, and_(TaskDefinition.definition_id == HumanTask.definition_id,
                             TaskDefinition.name == HumanTask.name)).where(
        HumanTask.state == OPEN, or_(*queues(actor)), _old_condition(query.strip()))
    return set(session.scalars(found))


def _old_audit(session, query: str) -> set[int]:
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return set(session.scalars(select(ProcessInstance.id).where(ProcessInstance.title.ilike(pattern, escape="\\"))))


@pytest.fixture
def plans(engine):
    ids = [engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id for title in TITLES]
    engine.work.claim(WANG, engine.work.tasks(WANG)[0]["id"])  # one in his own queue too
    return ids


def test_the_index_finds_what_the_row_by_row_search_found(engine, plans):
    with engine.core.reading() as session:
        actor = acting(session, WANG)
        expected = {query: _old_inbox(session, actor, query) for query in QUERIES}
        audited = {query: _old_audit(session, query.strip()) for query in QUERIES}
    assert sum(1 for found in expected.values() if found) > 20  # the queries find something, mostly
    assert expected["%"] == expected["50%"] and len(expected["%"]) == 1  # "%" is a percent sign, not "anything"
    for query in QUERIES:
        listed = {task["id"] for task in engine.work.tasks(WANG, text=query)}
        assert listed == expected[query], query
        page = engine.work.inbox(WANG, text=query, per_list=2)  # counted, not just listed
        assert (page.mine_total or 0) + (page.team_total or 0) == len(expected[query]), query
        instances = engine.audit.search(OPERATOR, InstanceQuery(q=query.strip(), limit=200))["items"]
        assert {item["id"] for item in instances} == audited[query], query


def test_postgresql_reads_a_queues_first_rows_before_its_index(engine, plans, monkeypatch):
    """On PostgreSQL a list searched for a text many titles may hold (``may_be_common``) reads its queue's first
    ``FIRST_ROWS`` rows row by row, and asks the title index only when they hold less than a page and the queue goes
    on (here: with ``FIRST_ROWS`` 0); a rare text goes to the index at once. SQLite always asks its index
    (``task_or_instance_titled`` reads only the candidates' titles). Both find the same three."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, many):
        statements.append(statement)

    def searched(text: str) -> tuple[list[int], bool]:
        statements.clear()
        found = [task["id"] for task in engine.work.tasks(WANG, text=text)]
        return found, any("human_task.instance_id IN (" in statement for statement in statements)

    _common_from(engine, monkeypatch, 3)  # "spring" is in 3 titles (its rarest bigram too): common here
    event.listen(engine.db, "before_cursor_execute", seen)
    try:
        first_rows, index_after_first_rows = searched("spring")
        rare, index_for_rare = searched("春季新")  # in one title: the index at once
        monkeypatch.setattr(inbox, "FIRST_ROWS", 0)
        index_only, index_asked = searched("spring")
    finally:
        event.remove(engine.db, "before_cursor_execute", seen)
    assert first_rows == index_only and len(first_rows) == 3  # Spring launch, SPRING Launch, spring_launch
    assert len(rare) == 1 and index_for_rare
    assert (index_after_first_rows, index_asked) == (engine.db.dialect.name == "sqlite", True)


@pytest.mark.parametrize(("probe", "dense"), [(1, True), (3, False)])
def test_a_sparse_probe_sends_the_search_to_the_index_at_once(engine, plans, monkeypatch, probe, dense):
    """PostgreSQL: a queue's first ``PROBE_ROWS`` are read before its ``FIRST_ROWS``; too few matches there for a page
    within ``FIRST_ROWS`` (at the same density), and the index answers without the longer read; enough, and the rows
    after the probed ones are read for the rest of the page. wang.lei's team queue
    begins "SPRING Launch", "春季新品上市", "秋季市场规划": a page of 500 needs one match in every 2 rows, which the
    first row alone shows, and the first three do not. Either way the same three are found."""
    _common_from(engine, monkeypatch, 3)
    monkeypatch.setattr(inbox, "PROBE_ROWS", probe)
    monkeypatch.setattr(inbox, "FIRST_ROWS", 999)
    windows: list[tuple[int, int]] = []  # (rows skipped, rows read) of each read of a queue's first rows
    index_asked: list[bool] = []

    def seen(conn, cursor, statement, parameters, context, many):
        if "first_rows" in statement:
            window = FIRST_ROWS_WINDOW.search(statement)
            assert window is not None, statement
            windows.append((parameters[window["offset"]], parameters[window["limit"]]))
        index_asked.append("human_task.instance_id IN (" in statement)

    event.listen(engine.db, "before_cursor_execute", seen)
    try:
        found = engine.work.tasks(WANG, text="spring")
    finally:
        event.remove(engine.db, "before_cursor_execute", seen)
    assert len(found) == 3 and all("spring" in task["instance_title"].lower() for task in found)
    if engine.db.dialect.name == "sqlite":
        assert windows == []
    else:  # his own queue (one task) ends within the probe; the team's is read further (after the probed rows,
        # whose matches are kept), or handed to the index
        probed = [(0, probe), (0, probe)]
        assert windows == ([*probed, (probe, 999 - probe)] if dense else probed), windows
        assert any(index_asked) is not dense


def test_the_index_follows_a_renamed_instance(engine, plans):
    first = plans[0]
    with engine.core.transaction() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == first).values(title="Renamed 夏季"))
    assert [t["instance_id"] for t in engine.work.tasks(WANG, text="夏季")] == [first]  # 2 characters: bigrams
    assert [t["instance_id"] for t in engine.work.tasks(WANG, text="named 夏")] == [first]  # 3+: the index
    assert first not in {t["instance_id"] for t in engine.work.tasks(WANG, text="Spring launch")}


def test_the_sqlite_triggers_keep_the_index_through_renames_and_removals(sqlite_engine):
    engine = sqlite_engine
    first, second = (engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id
                     for title in ("Spring launch", "spring launch again"))
    fts = title_search.FTS_TABLE

    def indexed_ids(phrase: str) -> set[int]:
        with engine.db.connect() as conn:
            return set(conn.execute(text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q"), {"q": phrase}).scalars())

    assert indexed_ids('"spring launch"') == {first, second}  # case aside
    with engine.db.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # remove the instance row alone: only the index matters here
        conn.commit()
        with conn.begin():
            conn.execute(update(ProcessInstance).where(ProcessInstance.id == first).values(title="Autumn"))
            conn.execute(text("DELETE FROM process_instance WHERE id = :id"), {"id": second})
        assert indexed_ids('"spring launch"') == set() and indexed_ids('"autumn"') == {first}
        conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")  # raises on a disagreement
        conn.rollback()


def test_rebuilding_the_index_keeps_the_results(engine, plans):
    before = {query: [t["id"] for t in engine.work.tasks(WANG, text=query)] for query in ("spring", "市场规划", "50%")}
    with engine.core.reading() as session:
        instances = session.scalar(select(func.count()).select_from(ProcessInstance))
    assert engine.setup.rebuild_search_index() == instances
    assert {query: [t["id"] for t in engine.work.tasks(WANG, text=query)] for query in before} == before


def test_the_cli_rebuilds_the_index(sqlite_engine, sqlite_url, capsys):
    from opsflow.cli import main

    assert main(["--database", sqlite_url, "rebuild-search-index"]) == 0
    assert "search index rebuilt" in capsys.readouterr().out


def test_the_sqlite_triggers_keep_the_bigrams_through_renames_and_removals(sqlite_engine):
    engine = sqlite_engine
    first, second = (engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id
                     for title in ("Spring 方案", "spring 方案 again"))

    def kept(conn, instance_id: int) -> set[str]:
        return set(conn.execute(text(f"SELECT gram FROM {title_search.BIGRAM_TABLE} WHERE instance_id = :id"),
                                {"id": instance_id}).scalars())

    title = f"Spring 方案 ({START['period']})".lower()
    with engine.db.connect() as conn:
        assert kept(conn, first) == {title[n:n + 2] for n in range(len(title) - 1)} | set(title)  # lower-cased, once
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # remove the instance row alone: only the index matters here
        conn.commit()
        with conn.begin():
            conn.execute(update(ProcessInstance).where(ProcessInstance.id == first).values(title="Autumn"))
            conn.execute(text("DELETE FROM process_instance WHERE id = :id"), {"id": second})
            assert kept(conn, first) == {"au", "ut", "tu", "um", "mn", *"autmn"} and kept(conn, second) == set()
            conn.execute(update(ProcessInstance).where(ProcessInstance.id == first).values(title="x" * 400 + "乙丙"))
            assert kept(conn, first) == {"xx", "x", title_search.LONG_TITLE}  # past the places: '', the LIKE decides
            conn.execute(update(ProcessInstance).where(ProcessInstance.id == first).values(title="Ab"))
            assert kept(conn, first) == {"ab", "a", "b"}  # the long title's '' gone with it
            conn.rollback()


def test_a_title_longer_than_the_triggers_reach_is_still_found(sqlite_engine):
    """Writers cut titles to 300 characters; one written longer by hand is kept as always a candidate."""
    engine = sqlite_engine
    first = engine.work.start(Person("li.na"), "market_plan", {**START, "title": "plan"}).id
    with engine.core.transaction() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == first).values(title="x" * 500 + "乙丙"))
    assert [t["instance_id"] for t in engine.work.tasks(WANG, text="乙丙")] == [first]
    assert [item["id"] for item in engine.audit.search(OPERATOR, InstanceQuery(q="乙丙"))["items"]] == [first]


def test_rebuilding_writes_the_bigrams_the_triggers_wrote(sqlite_engine):
    engine = sqlite_engine
    ids = [engine.work.start(Person("li.na"), "market_plan", {**START, "title": title}).id
           for title in ("Spring 方案", "秋季市场规划", "long")]
    with engine.core.transaction() as session:  # longer than a form allows: as a restore or a hand could write it
        session.execute(update(ProcessInstance).where(ProcessInstance.id == ids[2]).values(title="x" * 400))

    def everything() -> set[tuple[str, int]]:
        with engine.db.connect() as conn:
            return set(conn.execute(text(f"SELECT gram, instance_id FROM {title_search.BIGRAM_TABLE}")).tuples())

    written = everything()
    assert len(written) > 20
    engine.setup.rebuild_search_index()
    assert everything() == written


def test_two_character_searches_read_the_bigram_index(engine, plans):
    """The query's bigram condition is the one the index serves (on PostgreSQL the expression must match the
    index's exactly, or the index is silently not used)."""
    condition = title_search.instance_title_contains("春季")
    query = select(ProcessInstance.id).where(condition)
    with engine.db.connect() as conn:
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[3]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert f"{title_search.BIGRAM_TABLE} USING PRIMARY KEY" in plan, plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a few rows: the planner would read them all
            plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert title_search.PG_BIGRAM_INDEX in plan, plan
        conn.rollback()


def test_which_queries_use_an_index():
    assert title_search.indexed("计") and title_search.indexed("a") and not title_search.indexed("")
    assert title_search.indexed("计划") and title_search.indexed("ab")
    assert title_search.indexed("计划书") and title_search.indexed("abc")
    assert title_search.fts_phrase('say "hi"') == '"say ""hi"""'
    assert title_search.like_pattern("5%_\\") == "%5\\%\\_\\\\%"


def _common_from(engine, monkeypatch, holders: int, counted: int | None = None) -> None:
    """Texts in ``holders`` titles or more count as common (for SQLite's capped counts in ``counted``; SQLite counts
    them, PostgreSQL reads the statistics, which ``ANALYZE`` makes here, as autovacuum would)."""
    monkeypatch.setattr(title_search, "COMMON", holders)
    monkeypatch.setattr(title_search, "COMMON_COUNTED", holders if counted is None else counted)
    if engine.db.dialect.name != "sqlite":
        with engine.db.begin() as conn:
            conn.exec_driver_sql("ANALYZE process_instance")


@pytest.mark.parametrize(("counted", "first_rows"), [(3, inbox.FIRST_ROWS), (10**6, inbox.FIRST_ROWS), (3, 2)])
def test_a_common_text_is_searched_row_by_row_with_the_same_results(engine, plans, monkeypatch, counted, first_rows):
    """A pair or a character in ``COMMON`` titles or more (here 3) is read row by row in the list's order: the index
    would collect every holder first. On both sides of that boundary, the results (and counts, and the auditor's
    pages) stay those of the row-by-row search; also where the lists read row by row and SQLite's counts go through the
    index (``counted``). On PostgreSQL a longer text that may be common is looked for in a queue's first rows
    (``FIRST_ROWS``) before the index: as shipped they hold the whole of these queues; with 2, the index answers
    where they hold less than a page."""
    _common_from(engine, monkeypatch, 3, counted)
    monkeypatch.setattr(inbox, "FIRST_ROWS", first_rows)
    with engine.core.reading() as session:
        decided = {text: title_search.by_index(session, text) for text in ("pr", "调研", "spr", "s", "乙", "la")}
        actor = acting(session, WANG)
        expected = {query: _old_inbox(session, actor, query) for query in QUERIES}
        audited = {query: _old_audit(session, query.strip()) for query in QUERIES}
    # "pr": Spring launch, SPRING Launch, spring_launch (3: common); "la": and "... plan" twice more; "s": most
    assert decided == {"pr": False, "调研": True, "spr": True, "s": False, "乙": True, "la": False}
    for query in QUERIES:
        assert {task["id"] for task in engine.work.tasks(WANG, text=query)} == expected[query], query
        page = engine.work.inbox(WANG, text=query, per_list=2)
        assert (page.mine_total or 0) + (page.team_total or 0) == len(expected[query]), query
        found = [item["id"] for item in engine.audit.search(OPERATOR, InstanceQuery(q=query.strip(), limit=2))["items"]]
        assert set(found) <= audited[query] and len(found) == min(2, len(audited[query])), query


@pytest.mark.parametrize("prefix", [3, 10**6])
def test_the_pages_of_a_search_follow_each_other_on_both_paths(engine, plans, monkeypatch, prefix):
    """Paged two at a time, a common and a rare text list every match once, in the list's order; with the auditor's
    first rows searched first (``PREFIX``) holding a page of the matches, or not."""
    monkeypatch.setattr(audit_search, "PREFIX", prefix)
    for holders in (3, 10**6):
        _common_from(engine, monkeypatch, holders)
        for query in ("la", "n", "计划", "%", "plan", "SPRING", "ing"):
            with engine.core.reading() as session:
                expected = sorted(_old_audit(session, query), reverse=True)
            for sort, order in (("id", "desc"), ("started", "asc")):
                seen, after = [], None
                while True:
                    page = engine.audit.search(OPERATOR, InstanceQuery(q=query, limit=2, sort=sort, order=order,
                                                                       after=after))
                    seen += [item["id"] for item in page["items"]]
                    after = page["next"]
                    if not after:
                        break
                assert seen == (expected if order == "desc" else expected[::-1]), (holders, query, sort)


def test_the_character_index_decides_one_character_exactly(engine, plans):
    """One character through the index: the same instances as ILIKE, case aside, ``%`` and ``_`` literal."""
    with engine.core.reading() as session:
        for text in ("s", "S", "春", "%", "_", "\\", "Ω", "ω", "é", "É", "乙", " ", '"'):
            found = set(session.scalars(select(ProcessInstance.id).where(title_search.instance_title_contains(text))))
            assert found == _old_audit(session, text), text


def test_the_auditors_search_is_planned_for_its_own_text(engine, plans):
    """A generic plan, made once for any search text, suits none: the search's transaction asks PostgreSQL to plan
    each statement for its text, and only that transaction."""
    with engine.core.transaction() as session:
        before = _plan_cache_mode(session)
        title_search.planned_for_its_text(session)
        during = _plan_cache_mode(session)
    with engine.core.transaction() as session:
        after = _plan_cache_mode(session)
    assert (before, during, after) == ((None, None, None) if engine.db.dialect.name == "sqlite"
                                       else ("auto", "force_custom_plan", "auto"))


def _plan_cache_mode(session) -> str | None:
    if session.get_bind().dialect.name == "sqlite":
        return None
    return str(session.scalar(text("SELECT current_setting('plan_cache_mode')")))


def test_what_decides_how_a_text_is_searched_is_read_again_only_when_it_may_have_moved(engine, plans, monkeypatch):
    """How many titles hold a text's grams decides how a list searches it (``by_index``; on PostgreSQL also
    ``may_be_common``). SQLite counts them in its gram table in each use case (the table moves with every title);
    PostgreSQL reads them from the statistics, which only ``ANALYZE`` moves, and its connection keeps what it read for
    ``STATISTICS_KEPT`` seconds: within them a use case asks no more, after them it asks again. The decisions stay."""
    _common_from(engine, monkeypatch, 3)
    now = [1000.0]
    monkeypatch.setattr(title_search, "time", SimpleNamespace(monotonic=lambda: now[0]))
    asked: list[str] = []

    def seen(conn, cursor, statement, parameters, context, many):
        if "pg_stats" in statement or "FROM process_instance_title_bigram" in statement:
            asked.append(statement)

    postgresql = engine.db.dialect.name != "sqlite"
    looks: list[tuple[int, tuple[bool, ...]]] = []
    event.listen(engine.db, "before_cursor_execute", seen)
    try:
        with engine.db.connect() as connection:
            for moment in (1000.0, 999.0 + title_search.STATISTICS_KEPT, 1001.0 + title_search.STATISTICS_KEPT):
                now[0] = moment
                asked.clear()
                with Session(bind=connection) as session:  # a use case of its own, on the same connection
                    decided = (title_search.by_index(session, "pr"),
                               *((title_search.may_be_common(session, "spring"),) if postgresql else ()))
                looks.append((len(asked), decided))
    finally:
        event.remove(engine.db, "before_cursor_execute", seen)
    # "pr" in 3 titles: common here, read row by row; "spring" (PostgreSQL): its rarest bigram in 3 too
    decided = (False, True) if postgresql else (False,)
    assert looks == ([(2, decided), (0, decided), (2, decided)] if postgresql else [(1, decided)] * 3)
