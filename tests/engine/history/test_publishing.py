"""Checkpoints leave the server as they are made: a folder, an HTTP endpoint, e-mail to the auditors; a
destination that fails is an incident and never stops the next checkpoint. The exposure window's settings, and
the signing key's place in production."""

from __future__ import annotations

import base64
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, text

from engine.errors import InvalidInput
from engine.history.checkpoints import CheckpointSettings
from engine.history.key_placement import key_problem
from engine.history.publish import PublishSettings
from engine.history.witnesses import proof_name
from engine.models import Job, Notification
from engine.scheduling.worker import Worker
from tests.journey import OPERATOR, RESEARCH, start_plan, step


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


class Endpoint:
    """A local HTTP endpoint that keeps what is POSTed (or refuses it with ``status``)."""

    def __init__(self, status: int = 201) -> None:
        received: list[tuple[str, bytes]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append((self.headers["X-Opsflow-File"], self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/checkpoints"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    server = Endpoint()
    yield server
    server.close()


def publishing(engine, **settings) -> None:
    engine.collaborators.checkpoints = replace(engine.collaborators.checkpoints, publish=PublishSettings(**settings))


def test_each_new_checkpoint_goes_to_every_destination(engine, tmp_path, endpoint):
    mailbox = Mailbox()
    engine.collaborators.mailer = mailbox
    folder = tmp_path / "other-mount"
    publishing(engine, folder=folder, url=endpoint.url, email_roles=("auditor",))
    plan = start_plan(engine)
    first = engine.audit.checkpoint(OPERATOR)
    report = Worker(engine.core).run_once()
    assert report.errors == []
    name = Path(str(first.file)).name
    assert (folder / name).read_text() == Path(str(first.file)).read_text()
    assert (folder / "log.vkey").read_text() == engine.collaborators.checkpoints.public_key_file.read_text()
    assert [n for n, _ in endpoint.received] == [name, "log.vkey"]
    assert endpoint.received[0][1] == Path(str(first.file)).read_bytes()
    auditors = [to for to, _, _ in mailbox.sent]
    assert auditors and all("he.ping" in to or "@" in to for to in auditors)
    assert any(Path(str(first.file)).read_text().split("\n")[2] in body for _, _, body in mailbox.sent)
    with engine.core.reading() as session:
        kinds = set(session.scalars(select(Notification.kind).where(Notification.kind == "checkpoint")))
    assert kinds == {"checkpoint"}
    # The next one goes out with the consistency proof from the first.
    step(engine, "wang.lei", "research", plan, RESEARCH)
    second = engine.audit.checkpoint(OPERATOR)
    Worker(engine.core).run_once()
    proof = proof_name(first.size, second.size, base64.b64decode(str(second.root)))
    assert (folder / proof).is_file() and proof in [n for n, _ in endpoint.received]


def test_a_failing_destination_is_an_incident_and_checkpoints_go_on(engine, tmp_path):
    refusing = Endpoint(status=503)
    try:
        publishing(engine, url=refusing.url, folder=tmp_path / "ok")
        start_plan(engine)
        first = engine.audit.checkpoint(OPERATOR)
        with engine.db.begin() as connection:
            connection.execute(text("UPDATE job SET max_attempts = 1 WHERE kind = 'publish_checkpoint'"))
        report = Worker(engine.core).run_once()
        assert report.incidents == 1
        assert any(f"{refusing.url} refused {Path(str(first.file)).name}: HTTP 503" in e for e in report.errors)
        assert (tmp_path / "ok" / Path(str(first.file)).name).is_file()  # the folder got it all the same
        start_plan(engine, "zhang.min")
        assert engine.audit.checkpoint(OPERATOR).file is not None  # the failure stops nothing
        with engine.core.reading() as session:
            states = sorted(session.scalars(select(Job.state).where(Job.kind == "publish_checkpoint")))
        assert states.count("incident") == 1 and "pending" in states
    finally:
        refusing.close()


def test_publish_now_says_what_each_destination_did(engine, tmp_path):
    start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    publishing(engine, folder=tmp_path / "out", url="http://127.0.0.1:9/nothing-listens")
    outcome = {p.destination: (p.ok, p.message) for p in engine.audit.publish_latest(OPERATOR)}
    assert outcome["folder"][0] is True
    assert outcome["http"][0] is False and "did not take" in outcome["http"][1]


def test_the_worker_signs_after_100_events_or_5_minutes_by_default(monkeypatch, tmp_path):
    for name in ("OPSFLOW_CHECKPOINT_EVENTS", "OPSFLOW_CHECKPOINT_MINUTES", "OPSFLOW_WITNESSES",
                 "OPSFLOW_WITNESS_QUORUM", "OPSFLOW_PUBLISH_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = CheckpointSettings.from_env(tmp_path)
    assert (settings.after_events, settings.max_age.total_seconds(), settings.witnesses) == (100, 300, ())
    monkeypatch.setenv("OPSFLOW_CHECKPOINT_EVENTS", "20")
    monkeypatch.setenv("OPSFLOW_CHECKPOINT_MINUTES", "1")
    settings = CheckpointSettings.from_env(tmp_path)
    assert (settings.after_events, settings.max_age.total_seconds()) == (20, 60)
    monkeypatch.setenv("OPSFLOW_CHECKPOINT_EVENTS", "0")
    with pytest.raises(InvalidInput, match="OPSFLOW_CHECKPOINT_EVENTS"):
        CheckpointSettings.from_env(tmp_path)
    monkeypatch.delenv("OPSFLOW_CHECKPOINT_EVENTS")
    monkeypatch.setenv("OPSFLOW_PUBLISH_URL", "file:///etc/passwd")
    with pytest.raises(InvalidInput, match="http"):
        CheckpointSettings.from_env(tmp_path)
    monkeypatch.delenv("OPSFLOW_PUBLISH_URL")
    monkeypatch.setenv("OPSFLOW_WITNESSES", "not-a-key")
    with pytest.raises(InvalidInput, match="witness verifier key"):
        CheckpointSettings.from_env(tmp_path)


def test_in_production_the_signing_key_must_live_off_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    inside = CheckpointSettings(instance / "checkpoints", instance / "signing_key")
    assert key_problem(inside, instance, {}) is None  # not production: the default is fine
    production = {"OPSFLOW_ENV": "production"}
    assert "set OPSFLOW_SIGNING_KEY" in str(key_problem(inside, instance, production))
    production["OPSFLOW_SIGNING_KEY"] = str(instance / "signing_key")
    assert "inside the instance folder" in str(key_problem(inside, instance, production))
    elsewhere = tmp_path / "keys" / "signing_key"
    elsewhere.parent.mkdir()
    elsewhere.write_text("key")
    elsewhere.chmod(0o644)
    settings = CheckpointSettings(instance / "checkpoints", elsewhere)
    production["OPSFLOW_SIGNING_KEY"] = str(elsewhere)
    assert "readable or writable by everyone" in str(key_problem(settings, instance, production))
    elsewhere.chmod(0o600)
    assert key_problem(settings, instance, production) is None
