"""The cycle dashboard: who may see it, appraisals per step, the grade chart (inline SVG) and who is overdue."""

from __future__ import annotations

import re

from engine.facade import Engine
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of, wait_until_past
from tests.journey import OPERATOR
from tests.web.conftest import ClientFor, text

# employee -> (appraiser, calibrator) in the demo organisation, and the scores that give each grade
LINES = {"zhou.jie": ("wang.lei", "li.na"), "wu.fang": ("wang.lei", "li.na"),
         "zheng.hui": ("zhang.min", "li.na"), "feng.yi": ("liu.yang", "li.na")}
SCORES = {"zhou.jie": (5, 5, 5, 5), "wu.fang": (4, 4, 4, 3), "zheng.hui": (4, 4, 4, 4), "feng.yi": (1, 1, 1, 1)}
BAR = re.compile(r'<g class="bar tone-\w" data-label="(\w)" data-value="(\d+)">\s*<rect [^>]*height="([\d.]+)"')


def appraise(engine: Engine, employee: str) -> None:
    """Walk one appraisal to its recorded result through the engine facade (grade as the rule says)."""
    appraiser, calibrator = LINES[employee]
    values = SCORES[employee]
    engine.work.complete(Person(employee), task_of(engine, employee, "self_assessment", employee)["id"],
                         self_assessment(*values))
    engine.work.complete(Person(appraiser), task_of(engine, appraiser, "manager_scoring", employee)["id"],
                         scores(*values))
    engine.work.complete(Person(calibrator), task_of(engine, calibrator, "calibration", employee)["id"],
                         {"decision": "confirm"})
    engine.work.complete(Person(employee), task_of(engine, employee, "acknowledge", employee)["id"],
                         {"decision": "accept"})


def stage_counts(page: str) -> dict[str, int]:
    return {key: int(count) for key, count in
            re.findall(r'<tr data-stage="(\w+)"><td>[^<]*</td><td class="num">(\d+)</td>', page)}


def test_only_directors_and_managers_see_the_dashboard(client_as: ClientFor, web_engine: Engine) -> None:
    open_cycle(web_engine)
    for person in ("zhou.jie", "wang.lei", "gao.yan"):
        client = client_as(person)
        assert client.get("/cycles").status_code == 403, person
        assert client.get("/cycles/2026-Q4").status_code == 403, person
        assert 'href="/cycles"' not in text(client.get("/")), person
    for person in ("chen.yu", "li.na", "sun.hao", "he.ping"):
        client = client_as(person)
        assert 'href="/cycles"' in text(client.get("/")), person
        assert 'href="/cycles/2026-Q4"' in text(client.get("/cycles")), person
        assert client.get("/cycles/2026-Q4").status_code == 200, person
    assert client_as("chen.yu").get("/cycles/2031-Q1").status_code == 404


def test_the_cycle_list_offers_to_open_the_first_cycle(client_as: ClientFor) -> None:
    page = text(client_as("chen.yu").get("/cycles"))
    assert "No appraisal cycle has been opened yet." in page and 'href="/processes/appraisal_cycle"' in page
    assert 'href="/processes/appraisal_cycle"' not in text(client_as("li.na").get("/cycles"))  # not a director


def test_steps_and_the_grade_chart_after_appraisals_are_recorded(client_as: ClientFor, web_engine: Engine) -> None:
    open_cycle(web_engine)
    for employee in LINES:
        appraise(web_engine, employee)
    grades = web_engine.appraisal.dashboard(OPERATOR, "2026-Q4").grades
    assert grades == {"A": 1, "B": 2, "C": 0, "D": 1}  # the rule's grades for the scores above

    page = text(client_as("chen.yu").get("/cycles/2026-Q4"))
    assert stage_counts(page) == {"self_assessment": 18, "recorded": 4}
    assert "Self-assessment" in page and "Result recorded" in page
    chart = page.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    bars = {label: (int(value), float(height)) for label, value, height in BAR.findall(chart)}
    assert {label: value for label, (value, _) in bars.items()} == grades  # one bar per grade, A to D
    assert bars["B"][1] == 2 * bars["A"][1] == 2 * bars["D"][1] > 0 and bars["C"][1] == 0
    for label, value, body in re.findall(r'data-label="(\w)" data-value="(\d+)">(.*?)</g>', chart, re.S):
        assert re.search(r'<text class="value"[^>]*>(\d+)</text>', body).group(1) == value  # its number
        assert re.search(r'<text class="label"[^>]*>(\w)</text>', body).group(1) == label  # its label
    assert '<title id="grades-title">Grade distribution, 2026-Q4</title>' in chart
    assert "A: 1, B: 2, C: 0, D: 1" in chart  # <desc>: every value for a screen reader
    assert 'role="img"' in chart and 'aria-labelledby="grades-title grades-desc"' in chart
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither
    assert "4 of 22 appraisals have a recorded grade." in page
    row = page.split("(zhou.jie) · 2026-Q4", 1)[1].split("</tr>", 1)[0]
    assert "Result recorded" in row and 'class="grade grade-a">A<' in row

    client = client_as("chen.yu")
    client.post("/language", data={"lang": "zh"})
    page = text(client.get("/cycles/2026-Q4"))
    assert "自我评估" in page and "结果已记录" in page and "等级分布" in page


def test_overdue_steps_are_listed_with_holder_step_and_due_date(client_as: ClientFor, web_engine: Engine) -> None:
    open_cycle(web_engine, scoring_window="PT1S")
    employee = "zhou.jie"
    web_engine.work.complete(Person(employee), task_of(web_engine, employee, "self_assessment", employee)["id"],
                             self_assessment(4, 4, 5, 3))
    scoring = task_of(web_engine, "wang.lei", "manager_scoring", employee)
    assert text(client_as("chen.yu").get("/cycles/2026-Q4")).count('<tr class="overdue"') == 0
    wait_until_past(scoring["due_at"])

    page = text(client_as("chen.yu").get("/cycles/2026-Q4"))
    overdue = page.split('id="overdue-h"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr class="overdue" data-task="(\d+)">(.*?)</tr>', overdue, re.S)
    assert [int(task_id) for task_id, _ in rows] == [scoring["id"]]
    cells = rows[0][1]
    assert "王磊" in cells and "Manager scoring" in cells
    assert f'<time datetime="{scoring["due_at"]}"' in cells and "周杰 (zhou.jie) · 2026-Q4" in cells
    assert f'href="/instances/{scoring["instance_id"]}"' in cells


def test_the_gm_is_told_too_few_to_show_where_a_count_would_name_a_person(client_as: ClientFor,
                                                                          web_engine: Engine) -> None:
    open_cycle(web_engine)
    appraise(web_engine, "feng.yi")  # one grade recorded: a count of it would say feng.yi's grade
    gm = client_as("sun.hao")  # manages nobody in the cycle
    english = text(gm.get("/cycles/2026-Q4", headers={"Accept-Language": "en"}))
    assert "Too few to show: fewer than 5 grades recorded" in english and 'data-label="D"' not in english
    assert stage_counts(english)  # where the appraisals are: the whole cycle, enough people
    assert "Appraisers follow the reporting lines of the day the cycle opened" in english
    chinese = text(gm.get("/cycles/2026-Q4", headers={"Accept-Language": "zh-CN"}))
    assert "人数太少，不予显示" in chinese
    director = text(client_as("chen.yu").get("/cycles/2026-Q4", headers={"Accept-Language": "en"}))
    assert "Too few to show" not in director and 'data-label="D" data-value="1"' in director
