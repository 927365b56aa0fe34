"""Exports are audit views too: each one is in the access log, with who and what."""

from __future__ import annotations

import io

import pytest

from engine.audit.xes import LogFilter
from engine.errors import NotAllowed
from tests.journey import START


def test_every_export_is_recorded_in_the_access_log(sqlite_engine):
    engine = sqlite_engine
    plan = engine.start("market_plan", "li.na", START)["id"]
    engine.export_bundle([plan], io.BytesIO(), "he.ping")
    "".join(engine.xes_log(LogFilter("market_plan"), "he.ping"))
    engine.ocel_log(LogFilter("market_plan", version=1), "admin")
    engine.conformance(LogFilter("market_plan"), "he.ping")
    with pytest.raises(NotAllowed):
        engine.xes_log(LogFilter("market_plan"), "li.na")
    log = engine.access_log("admin")["items"]
    exports = [(row["viewer"], row["instance_id"], row["detail"]) for row in log if row["what"] == "export"]
    assert exports == [("he.ping", None, "conformance process=market_plan"),
                       ("admin", None, "ocel process=market_plan, version=1"),
                       ("he.ping", None, "xes process=market_plan"),
                       ("he.ping", plan, "bundle")]
