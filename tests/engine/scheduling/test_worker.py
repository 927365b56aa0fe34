"""The worker: retries, incidents, expired leases, several workers, e-mail and schedules."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from engine.appraisal import cycles
from engine.facade import build_engine
from engine.models import HistoryEvent, Job, Notification
from engine.org.people import Person
from engine.runtime import outbox
from engine.scheduling import jobs
from engine.scheduling.mailer import SmtpMailer
from engine.scheduling.worker import Worker
from tests.appraisal_steps import open_cycle
from tests.journey import OPERATOR, chains


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def count(engine, model, *where):
    with engine.core.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_failing_job_is_retried_then_an_incident_then_retried_by_hand(sqlite_url, clock):
    port = free_port()
    engine = build_engine(sqlite_url, clock=clock, mailer=SmtpMailer("127.0.0.1", port, timeout=2))
    engine.setup.init(demo=True)
    open_cycle(engine)  # 22 self-assessments + the director's close_cycle -> 23 e-mails; the SMTP server is down
    worker = Worker(engine.core, slots=20)
    for attempt in range(1, 6):
        report = worker.run_once()
        emails = [j for j in report.errors if "ConnectionRefused" in j]
        assert len(emails) == 23, (attempt, report)
        clock.advance(seconds=2 ** attempt + 1)  # past the backoff
    incidents = engine.ops.incidents(OPERATOR)
    assert len(incidents) == 23 and {i.kind for i in incidents} == {"email"}
    assert all("ConnectionRefused" in i.error for i in incidents)
    assert worker.run_once().done == 0  # incidents are not run again by themselves
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        for incident in incidents:
            engine.ops.retry(OPERATOR, incident.id)
        report = worker.run_once()
    finally:
        smtp.stop()
    assert report.done == 23 and engine.ops.incidents(OPERATOR) == []
    recipients = sorted(r for to, _ in inbox.messages for r in to)
    assert recipients == sorted(f"{u}@example.com" for u in (
        "chen.yu", "sun.hao", "li.na", "wang.lei", "zhang.min", "liu.yang", "zhou.jie", "wu.fang", "zheng.hui",
        "feng.yi", "zhao.qiang", "pan.yong", "tang.li", "han.mei", "xu.tao", "cao.jun", "luo.qing", "jiang.hai",
        "hu.bin", "lin.xue", "song.jia", "yang.fan", "guo.lin"))
    assert any("Self-assessment" in body for _, body in inbox.messages)


def test_cli_lists_and_retries_incidents(sqlite_url, clock, capsys, monkeypatch):
    from opsflow.cli import main

    monkeypatch.setenv("OPSFLOW_DATABASE_URL", sqlite_url)
    engine = build_engine(sqlite_url, clock=clock)
    engine.setup.init(demo=True)
    with engine.core.transaction() as session:
        outbox.schedule_job(session, "no_such_kind", clock(), clock(), max_attempts=1)
    assert Worker(engine.core).run_once().incidents == 1
    assert main(["incidents", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["kind"], "no handler" in i["error"]) for i in listed] == [("no_such_kind", True)]
    assert main(["retry", str(listed[0]["id"])]) == 0
    assert count(engine, Job, Job.state == "pending") == 1
    assert main(["retry", "999"]) == 3


def test_a_killed_workers_lease_expires_and_another_worker_finishes_once(sqlite_url, clock):
    engine = build_engine(sqlite_url, clock=clock)
    engine.setup.init(demo=True)
    open_cycle(engine, self_assessment_window="PT1H")  # reminders are due at once
    dead = Worker(engine.core, worker_id="dead", slots=50)
    leased = dead.lease(50)
    assert len(leased) == 22 and {j.kind for j in leased} == {"reminder"}
    assert Worker(engine.core, worker_id="other").run_once().done == 0  # leased jobs are not taken twice
    clock.advance(seconds=jobs.LEASE_SECONDS + 1)
    assert Worker(engine.core, worker_id="other").run_once().done == 22
    late = dead.run_job(leased[0])  # the "killed" worker wakes up: its lease is gone
    assert late.done == 0
    assert count(engine, HistoryEvent, HistoryEvent.kind == "reminder_sent") == 22
    assert count(engine, Notification, Notification.kind == "reminder") == 22


def test_two_worker_processes_do_200_jobs_once_each(postgres_url, monkeypatch):
    monkeypatch.setattr(cycles, "OPEN_BATCH", 200)  # all 200 appraisals with the cycle: only their reminders are due
    engine = build_engine(postgres_url)
    engine.setup.init(demo=True)
    for n in range(178):  # 22 demo reporting lines + 178 more people = 200 appraisals
        engine.org.add_user(OPERATOR, f"clerk.{n:03d}", ["staff"], "zhou.jie" if n % 2 else "wu.fang")
    opened = open_cycle(engine, self_assessment_window="PT1H", scoring_window="P5D")
    assert opened.hook_result["appraisals"] == 200
    assert count(engine, Job, Job.kind == "reminder", Job.state == "pending") == 200
    env = {**os.environ, "OPSFLOW_DATABASE_URL": postgres_url}
    procs = [subprocess.Popen([sys.executable, "-m", "opsflow.cli", "worker", "--once", "--slots", "4", "--json",
                               "--id", f"w{i}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in (1, 2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    done = [json.loads(out)["done"] for out, _ in outputs]
    assert sum(done) == 200, done
    assert count(engine, Job, Job.kind == "reminder", Job.state == "done") == 200
    assert count(engine, HistoryEvent, HistoryEvent.kind == "reminder_sent") == 200
    assert count(engine, Notification, Notification.kind == "reminder") == 200
    with engine.core.transaction() as session:
        workers = set(session.scalars(select(Job.locked_by).where(Job.kind == "reminder")))
    assert workers <= {"w1", "w2"}
    assert chains(engine)[1] == []
    engine.db.dispose()


def test_a_schedule_opens_the_cycle_for_the_quarter_just_ended(sqlite_url, clock):
    clock.now = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
    engine = build_engine(sqlite_url, clock=clock)
    engine.setup.init(demo=True)
    added = engine.ops.add_schedule(Person("chen.yu"), "appraisal_cycle", "quarterly", {"scoring_window": "P3D"})
    assert added.next_run_at == "2027-01-04T01:00:00.000000Z"  # first working day of 2027, 09:00 Beijing
    assert Worker(engine.core).run_once().done == 0
    clock.now = datetime(2027, 1, 4, 1, 0, 1, tzinfo=UTC)
    Worker(engine.core).run_once()
    assert [c.period for c in engine.appraisal.cycles(OPERATOR)] == ["2026-Q4"]
    assert engine.appraisal.dashboard(OPERATOR, "2026-Q4").appraisals == 22
    [schedule] = engine.ops.schedules(OPERATOR)
    assert schedule.next_run_at == "2027-04-01T01:00:00.000000Z"
    assert count(engine, Job, Job.kind == "scheduled_start", Job.state == "pending") == 1
    engine.ops.remove_schedule(OPERATOR, schedule.id)
    assert engine.ops.schedules(OPERATOR) == []
    assert count(engine, Job, Job.kind == "scheduled_start", Job.state == "pending") == 0


def test_a_schedule_skips_a_period_opened_by_hand(sqlite_url, clock):
    clock.now = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
    engine = build_engine(sqlite_url, clock=clock)
    engine.setup.init(demo=True)
    engine.ops.add_schedule(Person("chen.yu"), "appraisal_cycle", "quarterly")
    open_cycle(engine, "2026-Q4")
    clock.now = datetime(2027, 1, 5, tzinfo=UTC)
    report = Worker(engine.core).run_once()
    assert report.incidents == 0 and report.retried == 0, report
    assert [c.period for c in engine.appraisal.cycles(OPERATOR)] == ["2026-Q4"]
    assert engine.ops.job_counts(OPERATOR).get("incident", 0) == 0


def test_an_overdue_step_is_escalated_once_and_a_late_reminder_is_not_sent(sqlite_url, clock):
    from tests.appraisal_steps import scores, self_assessment, task_of

    engine = build_engine(sqlite_url, clock=clock)
    engine.setup.init(demo=True)
    open_cycle(engine, scoring_window="PT1H")
    engine.work.complete(Person("feng.yi"), task_of(engine, "feng.yi", "self_assessment", "feng.yi")["id"],
                         self_assessment(4, 4, 4, 4))
    scoring = task_of(engine, "liu.yang", "manager_scoring", "feng.yi")

    def kinds(user):
        return sorted(n.kind for n in engine.work.notifications(Person(user)) if n.kind in ("reminder", "overdue",
                                                                                       "escalation"))

    clock.advance(hours=1, seconds=30)  # past the deadline, within the grace a closing timer would get
    Worker(engine.core).run_once()
    assert kinds("liu.yang") == [] and kinds("li.na") == []  # the reminder came too late to be sent
    clock.advance(minutes=2)
    Worker(engine.core).run_once()
    assert kinds("liu.yang") == ["overdue"] and kinds("li.na") == ["escalation"]  # li.na: liu.yang's manager
    [escalation] = [n for n in engine.work.notifications(Person("li.na")) if n.kind == "escalation"]
    assert escalation.subject.startswith("逾期上报 Escalation: 上级评分 · Manager scoring — 冯怡 (feng.yi)")
    assert "截止 Due:" in escalation.body
    clock.advance(hours=1)
    assert Worker(engine.core).run_once().done == 0
    assert kinds("liu.yang") == ["overdue"] and kinds("li.na") == ["escalation"]
    events = [e["kind"] for e in engine.work.history(OPERATOR, scoring["instance_id"])]
    assert events.count("task_overdue") == 1 and "reminder_sent" not in events
    engine.work.complete(Person("liu.yang"), scoring["id"], scores(4, 4, 4, 4))  # late, but still accepted
