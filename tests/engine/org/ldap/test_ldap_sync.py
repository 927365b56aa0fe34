"""Importing the directory's people and units (``opsflow org sync-ldap``, the worker's ``directory_sync`` job) from a
real slapd (``conftest``), on SQLite and PostgreSQL: through the organisation document and its checks, on the
organisation's record; the same directory again changes nothing and records nothing; someone gone from the directory
leaves unless they hold open tasks (then reported and left as they are)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from ldap3 import MODIFY_REPLACE, Connection
from sqlalchemy import func, select

from engine.errors import DirectoryUnavailable, InvalidInput, UserNotFound
from engine.facade import Engine
from engine.models import HistoryEvent, Job
from engine.org.ldap import client
from engine.org.ldap.sync import JOB_KIND, read_directory
from engine.org.people import Person
from engine.scheduling.handlers import ensure_directory_sync_job
from engine.scheduling.worker import Worker
from opsflow.cli import main
from tests.clocks import FakeClock
from tests.journey import OPERATOR, only_task, start_plan

from .conftest import (
    ANALYSTS_GROUP,
    ANN,
    BO,
    CY,
    SUFFIX,
    UNITS,
    WU,
    Slapd,
    analysts_mapping,
    search_settings,
    unreachable_settings,
)


def org_events(engine: Engine) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(HistoryEvent)
                                  .where(HistoryEvent.instance_id.is_(None))) or 0)


def test_the_directory_comes_in_once_and_a_second_import_changes_nothing(demo: Engine, slapd: Slapd,
                                                                        directory) -> None:
    demo.collaborators.ldap = search_settings(slapd)
    before = org_events(demo)
    tried = demo.org.sync_directory(OPERATOR, dry_run=True)
    assert tried.dry_run and tried.imported.people_added == 3 and tried.imported.units_added == 1
    assert org_events(demo) == before
    with pytest.raises(UserNotFound):
        demo.org.person(OPERATOR, "ann.li")

    done = demo.org.sync_directory(OPERATOR)
    assert (done.imported.units_added, done.imported.people_added, done.imported.people_changed) == (1, 3, 2)
    assert done.linked == ["ann.li", "bo.wang", "cy.zhao", "tang.li", "wu.fang"] and done.warnings == []
    assert org_events(demo) == before + done.imported.events
    bo = demo.org.person(OPERATOR, "bo.wang")
    assert (bo.name, bo.email, bo.roles, bo.reports_to, bo.unit) == ("王博", "bo.wang@example.cn", ["staff"],
                                                                     "ann.li", "metering")
    tang = demo.org.person(OPERATOR, "tang.li")  # the demo's: manager and name from the directory, roles kept
    assert (tang.reports_to, tang.unit, tang.roles) == ("ann.li", "supply", ["staff"])
    assert demo.org.person(OPERATOR, "wu.fang").unit == "marketing"  # departmentNumber: a unit opsflow has
    units = {u.key: u for u in demo.org.units(OPERATOR)}
    assert (units["metering"].parent, units["metering"].name_zh, units["metering"].name_en) == \
        ("operations", "计量科", "metering")
    assert units["safety"].parent == "operations"  # not in the directory: as it was

    again = demo.org.sync_directory(OPERATOR)
    assert not again.changed and again.imported.events == 0 and again.deactivated == []
    assert org_events(demo) == before + done.imported.events


def test_someone_gone_from_the_directory_leaves_unless_they_hold_open_tasks(demo: Engine, slapd: Slapd,
                                                                            directory) -> None:
    research = only_task(demo, "wang.lei", "research", start_plan(demo))
    demo.work.transfer(Person("wang.lei"), research["id"], "wu.fang", "her estates")
    demo.collaborators.ldap = search_settings(slapd)
    demo.org.sync_directory(OPERATOR)
    directory.delete(CY)
    directory.delete(WU)
    before = org_events(demo)
    done = demo.org.sync_directory(OPERATOR)
    assert done.deactivated == ["cy.zhao"] and done.imported.events == 1
    [kept] = done.kept
    assert kept.startswith("wu.fang: ") and "1 open task" in kept
    assert not demo.org.person(OPERATOR, "cy.zhao").active
    assert demo.org.person(OPERATOR, "wu.fang").active
    assert [t["id"] for t in demo.work.tasks(Person("wu.fang"))] == [research["id"]]  # still hers, to hand over
    again = demo.org.sync_directory(OPERATOR)
    assert again.deactivated == [] and again.imported.events == 0 and len(again.kept) == 1
    assert org_events(demo) == before + 1
    directory.add(CY, ["inetOrgPerson"], {"uid": "cy.zhao", "cn": "Chuyi Zhao", "sn": "Zhao", "displayName": "赵初一",
                                          "mail": "cy.zhao@example.cn"})
    back = demo.org.sync_directory(OPERATOR)  # back in the directory: back in opsflow
    assert back.imported.people_changed == 1 and demo.org.person(OPERATOR, "cy.zhao").active


def test_roles_follow_the_mapped_groups_only(demo: Engine, slapd: Slapd, directory) -> None:
    demo.collaborators.ldap = search_settings(slapd, **analysts_mapping())
    demo.org.sync_directory(OPERATOR)
    assert demo.org.person(OPERATOR, "ann.li").roles == ["analyst"]
    assert demo.org.person(OPERATOR, "tang.li").roles == ["staff"]  # no group: her roles are opsflow's
    directory.modify(ANALYSTS_GROUP, {"member": [(MODIFY_REPLACE, [BO])]})
    demo.org.sync_directory(OPERATOR)
    assert demo.org.person(OPERATOR, "ann.li").roles == ["staff"]  # none left: the default role
    assert demo.org.person(OPERATOR, "bo.wang").roles == ["analyst", "staff"]  # staff was opsflow's, kept


def test_what_opsflow_cannot_take_is_reported_and_the_rest_comes_in(demo: Engine, slapd: Slapd, directory) -> None:
    directory.modify(BO, {"departmentNumber": [(MODIFY_REPLACE, ["nowhere"])], "mail": [(MODIFY_REPLACE, ["bo"])]})
    directory.add(f"uid=Not Valid!,ou=metering,ou=operations,{UNITS}", ["inetOrgPerson"],
                  {"uid": "Not Valid!", "cn": "X", "sn": "X"})
    demo.collaborators.ldap = search_settings(slapd)
    done = demo.org.sync_directory(OPERATOR)
    assert len(done.warnings) == 3 and any("'nowhere'" in w for w in done.warnings)
    bo = demo.org.person(OPERATOR, "bo.wang")
    assert (bo.unit, bo.email) == (None, None)  # a joiner: nothing to keep, so none


def test_a_directory_that_does_not_answer_or_is_not_set_up_changes_nothing(demo: Engine, slapd: Slapd,
                                                                          directory) -> None:
    before = org_events(demo)
    with pytest.raises(InvalidInput, match="not set up"):
        demo.org.sync_directory(OPERATOR)
    demo.collaborators.ldap = dataclasses.replace(search_settings(slapd), url=unreachable_settings().url)
    with pytest.raises(DirectoryUnavailable):
        demo.org.sync_directory(OPERATOR)
    demo.collaborators.ldap = search_settings(slapd)
    with pytest.raises(Exception, match="administer the organisation"):
        demo.org.sync_directory(Person("wang.lei"))
    assert org_events(demo) == before


def test_the_worker_imports_every_so_many_minutes(demo: Engine, slapd: Slapd, directory, clock: FakeClock) -> None:
    demo.collaborators.ldap = search_settings(slapd, sync_minutes=30)
    with demo.core.transaction() as session:
        assert ensure_directory_sync_job(session, demo.collaborators, clock())
        assert not ensure_directory_sync_job(session, demo.collaborators, clock())  # one is pending already
    assert Worker(demo.core).run_once().done == 1
    assert demo.org.person(OPERATOR, "ann.li").reports_to is None
    with demo.core.reading() as session:
        [due] = session.scalars(select(Job.due_at).where(Job.kind == JOB_KIND, Job.state == "pending"))
    assert due.replace(tzinfo=None) == (clock() + timedelta(minutes=30)).replace(tzinfo=None)
    directory.modify(ANN, {"displayName": [(MODIFY_REPLACE, ["李安娜"])]})
    clock.advance(minutes=30)
    assert Worker(demo.core).run_once().done == 1
    assert demo.org.person(OPERATOR, "ann.li").name == "李安娜"


@pytest.fixture
def cli(db_url, monkeypatch, slapd: Slapd):
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", db_url)
    assert main(["init", "--demo"]) == 0
    monkeypatch.setenv("OPSFLOW_LDAP_URL", slapd.url)
    monkeypatch.setenv("OPSFLOW_LDAP_USER_BASE", SUFFIX)
    monkeypatch.setenv("OPSFLOW_LDAP_UNIT_BASE", UNITS)
    return main


def test_sync_ldap_on_the_command_line(cli, capsys, directory) -> None:
    capsys.readouterr()
    assert cli(["org", "sync-ldap", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run, nothing changed: would make units: 1 added") and "people: 3 added" in out
    assert cli(["org", "sync-ldap"]) == 0
    assert "people: 3 added, 2 changed, 0 deactivated" in capsys.readouterr().out
    assert cli(["org", "sync-ldap"]) == 0
    assert capsys.readouterr().out == "no changes\n"
    assert cli(["org", "sync-ldap", "--as", "wang.lei"]) == 4


def test_the_directory_is_read_a_page_at_a_time(slapd: Slapd, directory, monkeypatch) -> None:
    monkeypatch.setattr(client, "PAGE_SIZE", 2)  # five people, three units (and the base): several pages each
    searches = []
    search = Connection.search

    def counted(self: Connection, *args: object, **kwargs: object) -> object:
        searches.append(kwargs.get("paged_size"))
        return search(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "search", counted)
    read = read_directory(search_settings(slapd))
    assert searches == [2] * 5  # the 4 unit entries (the base too) in 2 pages, the 5 people in 3
    assert sorted(e.first("uid") for e in read.people) == ["ann.li", "bo.wang", "cy.zhao", "tang.li", "wu.fang"]
    assert sorted(e.first("ou") for e in read.units) == ["metering", "operations", "supply"]


def test_a_bad_directory_setting_is_named_on_the_command_line(db_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OPSFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("OPSFLOW_LDAP_URL", "ldap://127.0.0.1:1")
    assert main(["org", "sync-ldap"]) == 6
    assert "OPSFLOW_LDAP_USER_DN_TEMPLATE or OPSFLOW_LDAP_USER_BASE" in capsys.readouterr().err
