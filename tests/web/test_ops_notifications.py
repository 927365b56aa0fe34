"""The operations page names whom a failing notification was for, and skips it with a reason (zh and en)."""

from __future__ import annotations

from sqlalchemy import select

from engine.clock import utc_now
from engine.facade import Engine
from engine.models import Job, User
from tests.web.conftest import make_app, sign_in_session, text


def _email_incident(engine: Engine, username: str) -> int:
    with engine.core.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        job = Job(kind="email", state="incident", due_at=utc_now(), payload_json=f'{{"user_id": {user_id}}}',
                  attempts=5, max_attempts=5, created_at=utc_now(),
                  last_error="ProcessError: this worker has no mail settings (OPSFLOW_SMTP_HOST is not set)")
        session.add(job)
        session.flush()
        return job.id


def test_an_admin_sees_the_recipient_and_skips_the_notification_with_a_reason(any_db_engine: Engine) -> None:
    job_id = _email_incident(any_db_engine, "wang.lei")
    admin = sign_in_session(make_app(any_db_engine).test_client(), "admin")
    assert "王磊 (wang.lei)" in text(admin.get("/ops", headers={"Accept-Language": "zh-CN"}))
    page = text(admin.get(f"/ops/incidents/{job_id}", headers={"Accept-Language": "en"}))
    assert 'id="incident-recipient">王磊 (wang.lei)' in page and "Skip this notification" in page
    refused = admin.post(f"/ops/incidents/{job_id}/dismiss", data={"reason": ""})
    assert refused.status_code == 303
    with any_db_engine.core.reading() as session:
        assert session.scalar(select(Job.state).where(Job.id == job_id)) == "incident"
    done = admin.post(f"/ops/incidents/{job_id}/dismiss", data={"reason": "his mailbox moved"},
                      headers={"Accept-Language": "zh-CN"})
    assert done.status_code == 303
    with any_db_engine.core.reading() as session:
        assert session.execute(select(Job.state, Job.dismissed_by, Job.dismissal_reason)
                               .where(Job.id == job_id)).one() == ("dismissed", "admin", "his mailbox moved")
    assert f"#{job_id}<" not in text(admin.get("/ops"))
