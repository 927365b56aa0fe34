"""One appraisal walked through the HTML pages: scores as radio buttons, the self-assessment beside
each criterion of the manager's scoring, decisions with reasons, and the timeline at the end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Engine
from engine.org.people import Person
from engine.runtime.views import StepForm
from tests.appraisal_steps import CRITERIA, open_cycle, task_of
from tests.journey import OPERATOR
from tests.web.conftest import ClientFor, text
from webui.forms.render import build_form

FORMS = Path(__file__).resolve().parents[2] / "forms" / "appraisal"
EMPLOYEE, APPRAISER, CALIBRATOR = "zhou.jie", "wang.lei", "li.na"  # 周杰, 王磊, 李娜
SELF = {"goals": "4", "quality": "4", "teamwork": "5", "innovation": "3"}
SCORING = {"goals": "4", "quality": "4", "teamwork": "4", "innovation": "3"}  # weighted 3.85: grade B


def comments(values: dict[str, str], who: str) -> dict[str, str]:
    return {f"{key}_comment": f"{who} on {key}: {value} because of the launch" for key, value in values.items()}


def open_task_page(client: FlaskClient, engine: Engine, person: str, name: str) -> tuple[int, str]:
    task = task_of(engine, person, name, EMPLOYEE)
    response = client.get(f"/tasks/{task['id']}")
    assert response.status_code == 200, name
    return task["id"], text(response)


def complete(client: FlaskClient, task_id: int, data: dict[str, Any]) -> str:
    response = client.post(f"/tasks/{task_id}/complete", data=data)
    assert response.status_code == 303, text(response)
    return text(client.get(response.headers["Location"]))


def field_block(page: str, name: str) -> str:
    return page.split(f'id="f-{name}-wrap"', 1)[1].split('<div class="field ', 1)[0]


def test_one_appraisal_through_the_forms(client_as: ClientFor, web_engine: Engine) -> None:
    director = client_as("chen.yu")
    started = director.post("/processes/appraisal_cycle", data={"period": "2026-Q4", "period_type": "quarterly"})
    assert started.status_code == 303

    # 1. the employee's self-assessment: each score is a row of radio buttons 1..5
    employee = client_as(EMPLOYEE)
    task_id, page = open_task_page(employee, web_engine, EMPLOYEE, "self_assessment")
    goals = field_block(page, "goals")
    assert re.findall(r'type="radio" name="goals" value="(\d)"', goals) == ["1", "2", "3", "4", "5"]
    assert 'class="compare"' not in page  # nothing to compare with in the self-assessment
    refused = employee.post(f"/tasks/{task_id}/complete", data={"goals": "4"})
    assert refused.status_code == 422
    assert re.findall(r'value="(\d)"\s+checked', field_block(text(refused), "goals")) == ["4"]  # the input is kept
    complete(employee, task_id, {**SELF, **comments(SELF, "Self"), "achievements": "Launched the WeChat channel"})

    # 2. the manager's scoring shows the self-assessment beside each criterion
    manager = client_as(APPRAISER)
    task_id, page = open_task_page(manager, web_engine, APPRAISER, "manager_scoring")
    for key in CRITERIA:
        score = field_block(page, key)
        assert re.search(rf'<p class="compare" id="f-{key}-compare"><span class="compare-source">Self-assessment: '
                         rf'</span><span>{SELF[key]}</span></p>', score), key
        assert f'aria-describedby="f-{key}-help f-{key}-compare"' in score
        note = field_block(page, f"{key}_comment")
        assert f"Self on {key}: {SELF[key]} because of the launch" in note.split('class="compare"', 1)[1]
    assert 'class="compare"' not in field_block(page, "overall_comment")  # the self-assessment has none
    refused = manager.post(f"/tasks/{task_id}/complete", data=SCORING)
    assert refused.status_code == 422
    assert "Self-assessment: " in field_block(text(refused), "teamwork")  # still shown beside the errors
    complete(manager, task_id, {**SCORING, **comments(SCORING, "Manager")})

    # 3. calibration: the rule's rating, and an adjustment that needs a reason
    calibrator = client_as(CALIBRATOR)
    task_id, page = open_task_page(calibrator, web_engine, CALIBRATOR, "calibration")
    assert "Weighted score" in page and "3.85" in page and "Reward: standard bonus" in page
    assert "奖励" not in page  # the suggestion in the UI's language only
    decisions = field_block(page, "decision")
    assert 'decision decision-ok' in decisions and "Confirm the grade" in decisions
    assert 'decision decision-warn' in decisions and "Adjust the grade" in decisions
    refused = calibrator.post(f"/tasks/{task_id}/complete", data={"decision": "adjust", "grade": "A"})
    assert refused.status_code == 422 and 'id="f-comment-err"' in text(refused)
    complete(calibrator, task_id, {"decision": "adjust", "grade": "A", "comment": "Led the launch"})

    # 4. the employee objects (a reason is required), 5. the calibrator decides
    task_id, page = open_task_page(employee, web_engine, EMPLOYEE, "acknowledge")
    assert "Final grade" in page and "Led the launch" in page
    assert employee.post(f"/tasks/{task_id}/complete", data={"decision": "object"}).status_code == 422
    complete(employee, task_id, {"decision": "object", "comment": "Teamwork undervalued"})
    task_id, page = open_task_page(calibrator, web_engine, CALIBRATOR, "objection_review")
    assert "Teamwork undervalued" in page
    done = complete(calibrator, task_id, {"decision": "change", "grade": "B", "comment": "Back to B"})
    assert "the process has ended" in done

    # the timeline holds every step with who did it; the result is on the page
    [instance_id] = [i["id"] for i in web_engine.work.instances(OPERATOR, "appraisal") if f"({EMPLOYEE})" in i["title"]]
    for person in (EMPLOYEE, APPRAISER, CALIBRATOR):
        page = text(client_as(person).get(f"/instances/{instance_id}"))
        timeline = page.split('class="timeline"', 1)[1]
        for actor, step in (("周杰", "Self-assessment"), ("王磊", "Manager scoring"), ("李娜", "Calibration"),
                            ("周杰", "Acknowledge the result"), ("李娜", "Review the objection")):
            assert f"{actor}</strong> completed the step: {step}" in timeline, (person, step)
        for decision in ("Adjust the grade", "Object", "Change the grade", "Result recorded"):
            assert decision in timeline, decision
        result = page.split("<summary>Result</summary>", 1)[1].split("</details>", 1)[0]
        assert re.search(r"<dt>Grade</dt><dd>\s*B\s*</dd>", result) and "Grade adjusted in calibration" in result


def test_the_scoring_page_in_chinese(client_as: ClientFor, web_engine: Engine) -> None:
    client_as("chen.yu").post("/processes/appraisal_cycle", data={"period": "2026-Q4", "period_type": "quarterly"})
    task = task_of(web_engine, EMPLOYEE, "self_assessment", EMPLOYEE)
    web_engine.work.complete(Person(EMPLOYEE), task["id"], {**{k: int(v) for k, v in SELF.items()},
                                                            **comments(SELF, "自评"), "achievements": "微信渠道上线"})
    manager = client_as(APPRAISER)
    manager.post("/language", data={"lang": "zh"})
    _, page = open_task_page(manager, web_engine, APPRAISER, "manager_scoring")
    assert "上级评分" in page
    assert "自我评估：</span><span>5</span>" in field_block(page, "teamwork")
    assert "自评 on teamwork: 5" in field_block(page, "teamwork_comment")


def schema(name: str) -> dict[str, Any]:
    return dict(json.loads((FORMS / f"{name}.json").read_text(encoding="utf-8")))


def test_compare_with_an_earlier_step_that_was_not_submitted(app: Flask) -> None:
    forms = {"self_assessment": StepForm("Self-assessment", "自我评估", schema("self_assessment"))}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = build_form(schema("manager_scoring"), {}, {}, {"self_assessment": {"status": "not_submitted"}}, forms)
    by_name = {f.name: f for f in form.fields}
    assert by_name["goals"].compare is not None and by_name["goals"].compare.text == ""  # "not given"
    assert by_name["goals"].compare.source == "Self-assessment"
    assert by_name["overall_comment"].compare is None
    with app.test_request_context():
        plain = build_form(schema("self_assessment"), {"goals": 3}, {}, {"self_assessment": {"goals": 5}}, forms)
    assert all(f.compare is None for f in plain.fields)  # only a form that asks for it compares
    goals = next(f for f in plain.fields if f.name == "goals")
    assert goals.widget == "scale" and [o.value for o in goals.options if o.selected] == ["3"]


def test_a_wide_or_unbounded_integer_stays_a_number_input(app: Flask) -> None:
    props = {"few": {"type": "integer", "minimum": 1, "maximum": 5, "x-widget": "number"},
             "many": {"type": "integer", "minimum": 0, "maximum": 100}, "open": {"type": "integer", "minimum": 1}}
    with app.test_request_context():
        fields = build_form({"type": "object", "properties": props}).fields
    assert [f.widget for f in fields] == ["number", "number", "number"]


def test_closing_a_cycle_early_asks_for_the_choice_in_the_users_language(client_as: ClientFor,
                                                                        web_engine: Engine) -> None:
    open_cycle(web_engine)
    close = next(t for t in web_engine.work.tasks(Person("chen.yu")) if t["name"] == "close_cycle")
    client = client_as("chen.yu")
    refused = client.post(f"/tasks/{close['id']}/complete", data={"summary": "early"},
                          headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422
    assert "本周期仍有 22 份考核未记录结果" in text(refused) and 'name="cancel_open_appraisals"' in text(refused)
    done = client.post(f"/tasks/{close['id']}/complete", data={"summary": "early", "cancel_open_appraisals": "on"})
    assert done.status_code == 303
    assert {i["status"] for i in web_engine.work.instances(OPERATOR, "appraisal")} == {"cancelled"}


def test_earlier_steps_show_people_by_name_and_hide_process_ids(client_as: ClientFor, web_engine: Engine) -> None:
    open_cycle(web_engine)
    task = task_of(web_engine, "zhou.jie", "self_assessment", "zhou.jie")
    page = text(client_as("zhou.jie").get(f"/tasks/{task['id']}", headers={"Accept-Language": "en"}))
    earlier = page.split('id="ctx-h"', 1)[1].split("</section>", 1)[0]
    assert "周杰 (zhou.jie)" in earlier and "王磊 (wang.lei)" in earlier and "李娜 (li.na)" in earlier
    assert "Cycle" not in earlier and "Employee name" not in earlier


def test_the_timeline_shows_the_grade_a_decision_set(client_as: ClientFor, web_engine: Engine) -> None:
    from tests.appraisal_steps import scores, self_assessment

    open_cycle(web_engine)
    web_engine.work.complete(Person("zhou.jie"), task_of(web_engine, "zhou.jie", "self_assessment", "zhou.jie")["id"],
                             self_assessment(3, 3, 3, 3))
    done = web_engine.work.complete(Person("wang.lei"), task_of(web_engine, "wang.lei", "manager_scoring",
                                                                "zhou.jie")["id"], scores(3, 3, 3, 3))
    web_engine.work.complete(Person("li.na"), task_of(web_engine, "li.na", "calibration", "zhou.jie")["id"],
                             {"decision": "adjust", "grade": "A", "comment": "Led the launch"})
    page = text(client_as("li.na").get(f"/instances/{done['instance_id']}", headers={"Accept-Language": "en"}))
    assert "→ A" in page.split('class="timeline"', 1)[1]
