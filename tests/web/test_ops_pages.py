"""The operations page for admins: incidents (error and history), retry, cancel with a reason, jobs,
workers seen recently, and the accounts whose sign-ins are refused."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from engine.clock import utc_now
from engine.facade import Engine
from engine.org.people import Person
from engine.runtime import outbox
from engine.scheduling.worker import Worker
from tests.journey import OPERATOR
from tests.web.conftest import ClientFor, World, text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def test_the_page_shows_incidents_jobs_workers_and_sign_in_targets(
        app: Flask, client_as: ClientFor, web_engine: Engine, world: World) -> None:
    guesser = app.test_client()
    for _ in range(4):
        guesser.post("/login", data={"username": "chen.yu", "password": "guess"},
                     environ_base={"REMOTE_ADDR": "10.1.2.3"})
    with web_engine.core.transaction() as session:
        outbox.schedule_job(session, "reminder", utc_now() + timedelta(days=1), utc_now(), instance_id=world.plan)
    Worker(web_engine.core, worker_id="ops-page-worker").lease(0)  # a heartbeat, no job taken
    page = text(client_as("admin").get("/ops", headers=EN))
    assert f'data-incident="{world.incident}"' in page and "no timer is waiting" in page
    assert 'data-worker="ops-page-worker"' in page
    targets = page[page.index('id="targets-h"'):]
    assert 'data-target="chen.yu"' in targets and "陈宇 (chen.yu)" in targets and "10.1.2.3" in targets
    jobs = page[page.index('id="jobs-h"'):page.index('id="workers-h"')]
    assert 'data-job="' in jobs and "Reminder" in jobs and "waiting" in jobs
    assert 'href="/ops"' in text(client_as("admin").get("/"))
    assert 'href="/ops"' not in text(client_as("chen.yu").get("/"))


def test_an_incident_shows_its_error_and_history_and_can_be_retried(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    client = client_as("admin")
    page = text(client.get(f"/ops/incidents/{world.incident}", headers=EN))
    assert "WorkflowException: no timer is waiting" in page
    history = page[page.index('id="incident-history"'):]
    assert "started the process" in history and "李娜" in history
    response = client.post(f"/ops/incidents/{world.incident}/retry", headers=EN)
    assert response.status_code == 303 and response.headers["Location"] == "/ops"
    assert "will run again" in text(client.get("/ops", headers=EN))
    assert web_engine.ops.overview(Person("admin")).incidents == []


def test_cancelling_needs_a_reason_and_tells_the_starter(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    client = client_as("admin")
    back = f"/ops/incidents/{world.incident}"
    refused = client.post(f"/ops/instances/{world.plan}/cancel", data={"reason": " ", "next": back}, headers=ZH)
    assert refused.headers["Location"] == back
    assert "请填写取消的理由" in text(client.get(back, headers=ZH))
    assert web_engine.work.show(OPERATOR, world.plan)["status"] == "running"
    done = client.post(f"/ops/instances/{world.plan}/cancel", data={"reason": "Broken timer", "next": back})
    assert done.headers["Location"] == back
    assert web_engine.work.show(OPERATOR, world.plan)["status"] == "cancelled"
    assert any(n.body == "Broken timer" for n in web_engine.work.notifications(Person("li.na")))
    again = client.post(f"/ops/instances/{world.plan}/cancel", data={"reason": "Twice"}, headers=ZH)
    assert again.status_code == 303  # a conflict: it has ended already


def test_cancelling_by_a_typed_number(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    client = client_as("admin")
    for typed in ("abc", "0", "99999999999999999999", "999999"):
        response = client.post("/ops/instances/cancel", data={"instance_id": typed, "reason": "x"}, headers=ZH)
        assert response.status_code == 303
        assert "没有编号为" in text(client.get("/ops", headers=ZH)), typed
    client.post("/ops/instances/cancel", data={"instance_id": str(world.held_plan), "reason": "Duplicate"})
    assert web_engine.work.show(OPERATOR, world.held_plan)["status"] == "cancelled"
    assert client_as("chen.yu").post("/ops/instances/cancel", data={"instance_id": "abc"}).status_code == 403
