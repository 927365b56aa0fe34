"""Delegating (委派) and added signers (加签, 减签) on the task page, in en and zh."""

from __future__ import annotations

import re

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import RESEARCH
from tests.web.conftest import ClientFor, World, text


def handover(page: str) -> str | None:
    match = re.search(r'<section class="card handover" id="handover".*?</section>', page, re.S)
    return match.group(0) if match else None


def test_the_holder_delegates_the_delegate_submits_and_it_comes_back_prepared(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    wang, zhou = client_as("wang.lei"), client_as("zhou.jie")
    task = world.held_research
    section = handover(text(wang.get(f"/tasks/{task}")))
    assert section is not None and 'id="delegate"' in section and 'id="add-signers"' in section
    assert handover(text(client_as("li.na").get(f"/tasks/{task}"))) is None  # she may look, not hand it on
    assert zhou.get(f"/tasks/{task}").status_code == 403
    response = wang.post(f"/tasks/{task}/delegate", data={"to": "zhou.jie", "reason": "请整理竞品数据"})
    assert response.status_code == 303
    page = text(zhou.get(f"/tasks/{task}"))
    assert "delegated this task to you" in page and "请整理竞品数据" in page and "Complete the task" in page
    assert "acts on it now" in text(wang.get(f"/tasks/{task}"))
    handed = zhou.post(f"/tasks/{task}/complete", data={**RESEARCH, "opsflow:form": "market_plan/1/research"},
                       follow_redirects=True)
    assert "Submitted: the task is with 王磊 now." in text(handed)
    back = text(wang.get(f"/tasks/{task}"))
    assert 'id="prepared"' in back and 'id="send-back"' in back and RESEARCH["findings"] in back
    zh = text(wang.get(f"/tasks/{task}", headers={"Accept-Language": "zh-CN"}))
    assert "委派" in zh and "经办" in zh
    assert wang.post(f"/tasks/{task}/complete", data=RESEARCH).status_code == 303
    [done] = [e for e in web_engine.work.history(Person("li.na"), world.held_plan) if e["kind"] == "task_completed"]
    assert done["payload"]["prepared_by"] == "zhou.jie"


def test_a_signer_before_signs_on_the_page_and_the_holder_removes_another(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    wang, zhou = client_as("wang.lei"), client_as("zhou.jie")
    task = world.held_research
    assert wang.post(f"/tasks/{task}/add-signers", data={"people": ["zhou.jie", "wu.fang"], "position": "before",
                                                         "reason": "请先把关"}).status_code == 303
    page = text(zhou.get(f"/tasks/{task}"))
    assert 'id="sign-form"' in page and "asks you to approve before they decide" in page
    assert "Complete the task" not in page  # a signer signs; the step's form is the holder's
    refused = zhou.post(f"/tasks/{task}/sign", data={"decision": "return"}, follow_redirects=True)
    assert "a comment is needed unless you approve" in text(refused)
    assert zhou.post(f"/tasks/{task}/sign", data={"decision": "approve"}).status_code == 303
    assert web_engine.work.approval_round(Person("wang.lei"), task)["acting"] == "wu.fang"
    removed = wang.post(f"/tasks/{task}/remove-signer", data={"person": "wu.fang"}, follow_redirects=True)
    assert "is no longer asked to sign" in text(removed)
    assert web_engine.work.approval_round(Person("wang.lei"), task)["acting"] == "wang.lei"
    again = wang.post(f"/tasks/{task}/remove-signer", data={"person": "zhou.jie"}, follow_redirects=True)
    assert "has already acted on this task" in text(again)  # 409 in the engine, said on the page
    timeline = text(client_as("li.na").get(f"/instances/{world.held_plan}"))
    assert "added signers" in timeline and "removed a signer" in timeline
