"""Exports are audit views too: each one is in the access log, with who and what."""

from __future__ import annotations

import io

import pytest

from engine.audit.xes import LogFilter
from engine.errors import NotAllowed
from engine.org.people import Person
from tests.journey import START


def test_every_export_is_recorded_in_the_access_log(sqlite_engine):
    engine = sqlite_engine
    plan = engine.work.start(Person("li.na"), "market_plan", START).id
    engine.audit.export_bundle(Person("he.ping"), [plan], io.BytesIO())
    "".join(engine.audit.xes_log(Person("he.ping"), LogFilter("market_plan")))
    engine.audit.ocel_log(Person("admin"), LogFilter("market_plan", version=1))
    engine.audit.conformance(Person("he.ping"), LogFilter("market_plan"))
    with pytest.raises(NotAllowed):
        engine.audit.xes_log(Person("li.na"), LogFilter("market_plan"))
    log = engine.audit.access_log(Person("admin"))["items"]
    exports = [(row["viewer"], row["instance_id"], row["detail"]) for row in log if row["what"] == "export"]
    assert exports == [("he.ping", None, "conformance process=market_plan"),
                       ("admin", None, "ocel process=market_plan, version=1"),
                       ("he.ping", None, "xes process=market_plan"),
                       ("he.ping", plan, "bundle")]
