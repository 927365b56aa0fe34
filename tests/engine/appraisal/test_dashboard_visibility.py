"""The cycle dashboard lists only the appraisals the viewer may see; the counts cover the whole cycle, but a viewer
who may not see every row gets a count only when it covers at least five people (privacy of small groups)."""

from __future__ import annotations

from engine.appraisal.views import CycleDashboard
from engine.facade import Engine
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of
from tests.journey import OPERATOR


def grade_sun_hao_d(engine: Engine) -> None:
    """sun.hao (branch GM, reports to chen.yu, who appraises and calibrates him) ends with grade D."""
    engine.work.complete(Person("sun.hao"), task_of(engine, "sun.hao", "self_assessment", "sun.hao")["id"],
                         self_assessment(1, 1, 1, 1))
    engine.work.complete(Person("chen.yu"), task_of(engine, "chen.yu", "manager_scoring", "sun.hao")["id"],
                         scores(1, 1, 1, 1))
    engine.work.complete(Person("chen.yu"), task_of(engine, "chen.yu", "calibration", "sun.hao")["id"],
                         {"decision": "confirm"})
    engine.work.complete(Person("sun.hao"), task_of(engine, "sun.hao", "acknowledge", "sun.hao")["id"],
                         {"decision": "accept"})


def rows_by_title(board: CycleDashboard) -> dict[str, str | None]:
    return {row.title.split(" · ")[0]: row.grade for row in board.instances}


def test_li_na_no_longer_sees_sun_haos_grade_nor_a_count_that_would_reveal_it(engine: Engine) -> None:
    open_cycle(engine)
    grade_sun_hao_d(engine)
    sun_hao = next(i for i in engine.work.instances(OPERATOR, "appraisal") if "(sun.hao)" in i["title"])
    director = engine.appraisal.dashboard(Person("chen.yu"), "2026-Q4")  # oversight: every row
    assert rows_by_title(director)["孙浩 (sun.hao)"] == "D" and director.hidden == 0

    board = engine.appraisal.dashboard(Person("li.na"), "2026-Q4")
    titles = rows_by_title(board)
    assert "孙浩 (sun.hao)" not in titles  # the same person gets 403 on that appraisal...
    assert all(row.id != sun_hao["id"] for row in board.instances)
    assert all(o.instance_id != sun_hao["id"] for o in board.overdue)
    # ...and sees her own and those of the people below her
    assert {"李娜 (li.na)", "王磊 (wang.lei)", "周杰 (zhou.jie)", "冯怡 (feng.yi)"} <= set(titles)
    assert board.appraisals == director.appraisals and board.hidden == director.appraisals - len(board.instances) > 0
    assert director.grades["D"] == 1 and director.too_few == ()  # he may see every row: every count
    assert board.too_few == ("grades",) and sum(board.grades.values()) == 0  # one grade would name its person
    assert sum(board.by_stage.values()) == board.appraisals >= 5  # where the appraisals are: enough people
    gm = engine.appraisal.dashboard(Person("sun.hao"), "2026-Q4")  # manages nobody in it
    assert gm.too_few == ("grades",) and [row.title.split(" · ")[0] for row in gm.instances] == ["孙浩 (sun.hao)"]
    assert all(engine.work.show(Person("li.na"),
                                row.id) for row in board.instances)  # every row listed she may open


def test_the_web_dashboard_shows_the_same_rows(engine: Engine) -> None:
    from tests.api.helpers import make_app

    open_cycle(engine)
    grade_sun_hao_d(engine)
    client = make_app(engine).test_client()
    with client.session_transaction() as session:
        session["username"] = "li.na"
    page = client.get("/cycles/2026-Q4", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "(sun.hao)" not in page and "(zhou.jie)" in page
    # sun.hao's and zhao.qiang's (both report to chen.yu, beside li.na), and the 12 of the four sections
    assert engine.appraisal.dashboard(Person("li.na"), "2026-Q4").hidden == 14
    assert "14 appraisals you may not see are counted above but not listed." in page
    hidden = next(i["id"] for i in engine.work.instances(OPERATOR, "appraisal") if "(sun.hao)" in i["title"])
    assert client.get(f"/instances/{hidden}").status_code == 403
