"""The process-mining exports carry the files attached on a task: XES as an attribute of its completion, OCEL as
file objects related to it; the XES stays IEEE 1849 valid."""

from __future__ import annotations

import io
import json

from lxml import etree

from engine.audit.xes import LogFilter
from engine.org.people import Person
from tests.engine.audit.test_attachment_evidence import NAME, SHA, plan_with_a_document
from tests.engine.audit.test_process_mining import SCHEMA, XES


def test_xes_and_ocel_name_the_file_attached_to_the_draft(engine):
    plan_with_a_document(engine)
    xes = "".join(engine.audit.xes_log(Person("he.ping"), LogFilter("market_plan", label="id"))).encode("utf-8")
    document = etree.parse(io.BytesIO(xes))
    SCHEMA.assertValid(document)
    attached = {event.find(f"{XES}string[@key='concept:name']").get("value"):
                event.find(f"{XES}string[@key='opsflow:attachments']") for event in document.iter(f"{XES}event")
                if event.find(f"{XES}string[@key='lifecycle:transition']").get("value") == "complete"}
    assert attached["research"] is None
    assert json.loads(attached["draft_plan"].get("value")) == [{"name": NAME, "sha256": SHA}]
    log = engine.audit.ocel_log(Person("he.ping"), LogFilter("market_plan", label="id"))
    [file] = [o for o in log["objects"] if o["type"] == "file"]
    assert file["id"] == f"file:{SHA}" and {"name": "name", "time": file["attributes"][0]["time"],
                                             "value": NAME} in file["attributes"]
    [draft] = [e for e in log["events"] if e["type"] == "draft_plan"]
    assert {"objectId": f"file:{SHA}", "qualifier": "attached"} in draft["relationships"]
    assert "file" in {t["name"] for t in log["objectTypes"]}
