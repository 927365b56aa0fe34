"""The audit instance page says which role and unit each decider held when deciding (issue 20), in zh and en."""

from __future__ import annotations

from engine.facade import Engine
from engine.org.people import Person
from engine.org.staffing import PersonSpec
from tests.journey import RESEARCH, start_plan, step
from tests.web.conftest import ClientFor, text


def test_the_auditor_reads_the_role_and_unit_held_then(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    step(web_engine, "wang.lei", "research", plan, RESEARCH)
    web_engine.org.set_person(Person("admin"), "wang.lei", PersonSpec(roles=["planning_supervisor"]))
    auditor = client_as("he.ping")
    english = text(auditor.get(f"/audit/instances/{plan}", headers={"Accept-Language": "en"}))
    assert "Held then: Market Research Supervisor · Marketing Department" in english
    chinese = text(auditor.get(f"/audit/instances/{plan}", headers={"Accept-Language": "zh-CN"}))
    assert "当时身份：市场调研主管 · 市场部" in chinese
