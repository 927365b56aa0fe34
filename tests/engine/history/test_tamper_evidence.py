"""Tamper evidence against someone with database access: the tree, the tiles and the signed checkpoints.

The insider rewrites what the database holds consistently (chain hashes, anchors, the tree's row);
only what lives outside the database (the signed checkpoint and its tiles) can catch that, and it
must name the first bad event.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from engine.facade import Engine
from engine.history import GENESIS_HASH, event_hash
from engine.history.checkpoints import parse, stored
from engine.models import HistoryEvent, HistoryTree
from engine.org.people import Person
from tests.journey import DRAFT, OPERATOR, RESEARCH, chains, decision, research_and_draft, start_plan, step
from tests.paths import REPO

ROOT = REPO


def events_of(engine: Engine, instance_id: int) -> list[HistoryEvent]:
    with engine.core.reading() as session:
        rows = session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
                               .order_by(HistoryEvent.seq)).all()
        session.expunge_all()
    return list(rows)


def rewrite(engine: Engine, instance_id: int, seq: int, edit: Any) -> None:
    """As an insider would: edit event ``seq``, recompute every later hash and the instance's anchor."""
    events = events_of(engine, instance_id)
    head = events[seq - 2].hash if seq > 1 else GENESIS_HASH
    with engine.db.begin() as connection:
        for event in events[seq - 1:]:
            payload = json.loads(event.payload_json)
            if event.seq == seq:
                edit(payload)
            payload_json = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            digest = event_hash(head, event.instance_id, event.seq, event.kind, event.occurred_at, event.actor,
                                event.task_name, event.human_task_id, payload_json, event.encoding)
            connection.execute(text("UPDATE history_event SET payload_json = :p, prev_hash = :prev, hash = :h "
                                    "WHERE id = :id"), {"p": payload_json, "prev": head, "h": digest, "id": event.id})
            head = digest
        connection.execute(text("UPDATE process_instance SET history_head = :h WHERE id = :i"),
                           {"h": head, "i": instance_id})


@pytest.fixture
def plans(engine: Engine) -> tuple[int, int]:
    """Two plans through research and draft, a checkpoint, then one more step each and a second one."""
    first, second = start_plan(engine), start_plan(engine, "zhang.min")
    research_and_draft(engine, first)
    research_and_draft(engine, second)
    assert engine.audit.checkpoint(OPERATOR).file is not None
    step(engine, "li.na", "manager_review", first, decision("return", "Budget too high"))
    step(engine, "zhang.min", "draft_plan", first, {**DRAFT, "budget_cny": 400000})
    step(engine, "li.na", "manager_review", second, decision("approve"))
    assert engine.audit.checkpoint(OPERATOR).file is not None
    return first, second


def oldest(engine: Engine) -> Path:
    return stored(engine.collaborators.checkpoints)[0]


def test_an_untouched_history_passes_against_every_checkpoint(engine, plans):
    files = stored(engine.collaborators.checkpoints)
    assert len(files) == 2
    older, newer = (parse(f.read_text(), str(f)) for f in files)
    assert 0 < older.size < newer.size
    for checkpoint in ("latest", *files):
        report = engine.audit.verify(OPERATOR, checkpoint=checkpoint)
        assert report.problems == [] and report.signature_ok is True
    latest = engine.audit.verify(OPERATOR)
    assert latest.covered == latest.events == newer.size and latest.pending == 0
    assert engine.audit.verify(OPERATOR, plans[0],
                               checkpoint=oldest(engine)).pending > 0  # later steps are not in the old one


def test_nothing_new_writes_no_checkpoint(engine, plans):
    again = engine.audit.checkpoint(OPERATOR)
    assert again.file is None and again.new_leaves == 0
    assert len(stored(engine.collaborators.checkpoints)) == 2


def test_an_insider_rewrite_is_named_against_an_older_checkpoint(engine, plans):
    first = plans[0]
    victim = next(e for e in events_of(engine, first) if e.kind == "task_completed" and e.task_name == "research")

    def forge(payload: dict[str, Any]) -> None:
        payload["data"]["findings"] = "Forged findings"

    rewrite(engine, first, victim.seq, forge)
    with engine.db.begin() as connection:  # and whatever tree data the database holds
        connection.execute(text("UPDATE history_tree SET updated_at = updated_at"))
    assert chains(engine, first) == (1, [])  # the chains and the anchor alone see nothing

    report = engine.audit.verify(OPERATOR, first, checkpoint=oldest(engine))
    assert report.first is not None
    assert (report.first.instance_id, report.first.seq) == (first, victim.seq)
    assert "was changed after it was checkpointed" in report.first.message
    assert [(p.instance_id, p.seq) for p in report.problems] == [(first, victim.seq)]
    assert engine.audit.verify(OPERATOR, plans[1]).ok  # the other plan is untouched

    result = subprocess.run([sys.executable, "-m", "opsflow.cli", "--database", str(engine.db.url.render_as_string(
        hide_password=False)), "verify", "--checkpoint", str(oldest(engine))], cwd=ROOT, capture_output=True,
        text=True, timeout=120, check=False)
    assert result.returncode == 8
    assert f"first bad event: instance {first} event #{victim.seq}:" in result.stderr


def test_a_deleted_last_event_with_its_anchor_moved_is_named(engine, plans):
    second = plans[1]
    events = events_of(engine, second)
    last = events[-1]
    with engine.db.begin() as connection:
        connection.execute(text("DELETE FROM history_event WHERE id = :id"), {"id": last.id})
        connection.execute(text("UPDATE process_instance SET history_seq = :s, history_head = :h WHERE id = :i"),
                           {"s": last.seq - 1, "h": events[-2].hash, "i": second})
    assert chains(engine, second) == (1, [])
    for scope in (second, None):
        report = engine.audit.verify(OPERATOR, scope)
        assert report.first is not None and (report.first.instance_id, report.first.seq) == (second, last.seq)
        assert "was deleted from the database" in report.first.message


def test_two_events_swapped_in_the_tree_are_named(engine, plans):
    first = plans[0]
    a, b = events_of(engine, first)[1:3]
    with engine.db.begin() as connection:
        connection.execute(text("UPDATE history_event SET tree_index = -1 WHERE id = :id"), {"id": a.id})
        connection.execute(text("UPDATE history_event SET tree_index = :t WHERE id = :id"),
                           {"t": a.tree_index, "id": b.id})
        connection.execute(text("UPDATE history_event SET tree_index = :t WHERE id = :id"),
                           {"t": b.tree_index, "id": a.id})
    report = engine.audit.verify(OPERATOR, first)
    assert report.first is not None and (report.first.instance_id, report.first.seq) == (first, a.seq)
    assert f"takes the place of instance {first} event #{b.seq}" in report.first.message


def test_altered_tiles_and_a_forged_checkpoint_are_found(engine, plans):
    settings = engine.collaborators.checkpoints
    tile = next((settings.directory / "tile" / "0").rglob("*"))
    while tile.is_dir():
        tile = next(tile.iterdir())
    original = tile.read_bytes()
    tile.write_bytes(bytes([original[0] ^ 1]) + original[1:])
    messages = [p.message for p in engine.audit.verify(OPERATOR).problems]
    assert any("do not reproduce the root" in m for m in messages), messages
    tile.write_bytes(original)
    assert engine.audit.verify(OPERATOR).ok

    newest = stored(settings)[-1]
    forged = newest.read_text().split("\n")
    forged[1] = str(int(forged[1]) - 1)
    newest.write_text("\n".join(forged))
    report = engine.audit.verify(OPERATOR)
    assert report.signature_ok is False
    assert any("signature does not verify" in p.message for p in report.problems)


def test_a_checkpoint_directory_of_another_database_is_refused(engine, plans):
    with engine.db.begin() as connection:
        connection.execute(text("UPDATE history_tree SET log_id = 'someone-else'"))
    assert any("belong to log" in p.message for p in engine.audit.verify(OPERATOR).problems)
    with pytest.raises(Exception, match="belongs to log"):
        engine.audit.checkpoint(OPERATOR)


def test_the_signing_key_is_private_and_its_public_key_published(engine, plans):
    settings = engine.collaborators.checkpoints
    assert settings.signing_key.stat().st_mode & 0o777 == 0o600
    name, _, rest = settings.public_key_file.read_text().strip().partition("+")
    assert name == settings.origin and len(rest.split("+", 1)) == 2
    body, signature = stored(settings)[-1].read_text().split("\n\n")
    lines = body.split("\n")
    assert lines[0] == settings.origin and lines[1].isdigit() and len(lines) == 3
    assert signature.startswith(f"— {settings.origin} ") and signature.endswith("\n")


def test_committed_events_only_are_sequenced_in_id_order(engine):
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    engine.audit.checkpoint(OPERATOR)
    with engine.core.reading() as session:
        indices = list(session.execute(select(HistoryEvent.id, HistoryEvent.tree_index).order_by(HistoryEvent.id)))
        tree = session.get(HistoryTree, 1)
        assert tree is not None and tree.size == len(indices)
    assert [index for _, index in indices] == list(range(len(indices)))


def test_one_completion_writes_no_tree_data(engine):
    plan = start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    with engine.core.reading() as session:
        unsequenced = session.scalars(select(HistoryEvent.seq).where(HistoryEvent.tree_index.is_(None))).all()
    assert unsequenced  # the step's events wait for the sequencer
    assert engine.audit.integrity(Person("he.ping"), plan)["pending"] == len(unsequenced)


def test_the_worker_checkpoints_on_a_schedule(engine):
    from engine.models import Job
    from engine.scheduling.handlers import CHECKPOINT_EVERY, ensure_checkpoint_job
    from engine.scheduling.worker import Worker

    plan = start_plan(engine)
    with engine.core.transaction() as session:
        assert ensure_checkpoint_job(session, engine.collaborators.clock())
        assert not ensure_checkpoint_job(session, engine.collaborators.clock())  # one is enough
    report = Worker(engine.core).run_once()
    assert report.done == 1 and report.errors == []
    files = stored(engine.collaborators.checkpoints)
    assert len(files) == 1  # the first checkpoint is always due
    assert engine.audit.integrity(Person("he.ping"), plan)["included"] is True
    with engine.core.reading() as session:
        pending = session.scalars(select(Job).where(Job.kind == "checkpoint", Job.state == "pending")).all()
        assert len(pending) == 1
        assert pending[0].due_at.replace(tzinfo=None) > (engine.collaborators.clock() + CHECKPOINT_EVERY
                                                        - CHECKPOINT_EVERY / 2).replace(tzinfo=None)


@pytest.mark.postgres
def test_on_postgresql_an_event_committed_late_gets_a_later_leaf(postgres_url):
    """Ids are not commit order: the sequencer takes what is committed, so a late commit gets a later index."""
    from engine.facade import build_engine

    engine = build_engine(postgres_url)
    engine.setup.init(demo=True)
    try:
        plan = start_plan(engine)
        engine.audit.checkpoint(OPERATOR)
        insert = text("INSERT INTO history_event (instance_id, seq, kind, occurred_at, payload_json, prev_hash, hash, "
                      "encoding) VALUES (:i, :s, 'note', now(), '{}', '', '', 2) RETURNING id")
        slow = engine.db.connect()
        slow_tx = slow.begin()
        slow_id = slow.execute(insert, {"i": plan, "s": 1000}).scalar_one()
        with engine.db.begin() as fast:
            fast_id = fast.execute(insert, {"i": plan, "s": 1001}).scalar_one()
        assert slow_id < fast_id
        first = engine.audit.checkpoint(OPERATOR)
        slow_tx.commit()
        slow.close()
        second = engine.audit.checkpoint(OPERATOR)
        with engine.core.reading() as session:
            index = dict(session.execute(select(HistoryEvent.id, HistoryEvent.tree_index)
                                         .where(HistoryEvent.id.in_([slow_id, fast_id]))).all())
        assert index[fast_id] == first.size - 1 and index[slow_id] == second.size - 1 == first.size
    finally:
        engine.db.dispose()


def test_two_sequencers_at_once_build_one_tree(db_url):
    import threading

    from engine.facade import build_engine

    engine = build_engine(db_url)
    engine.setup.init(demo=True)
    try:
        for _ in range(3):
            start_plan(engine)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                engine.audit.checkpoint(OPERATOR)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with engine.core.reading() as session:
            indices = sorted(session.scalars(select(HistoryEvent.tree_index)))
        assert indices == list(range(len(indices)))
        assert engine.audit.verify(OPERATOR).ok
    finally:
        engine.db.dispose()


def test_verify_never_passes_on_absence(engine, plans):
    """(a) a rewrite with chains and anchors recomputed, then the checkpoint folder deleted; (c) all history
    deleted; a tree that shrank: each fails, saying what is gone."""
    import shutil
    first = plans[0]
    victim = next(e for e in events_of(engine, first) if e.kind == "task_completed")
    rewrite(engine, first, victim.seq, lambda payload: payload.update(forged=True))
    shutil.rmtree(engine.collaborators.checkpoints.directory)
    report = engine.audit.verify(OPERATOR)
    assert not report.ok
    assert any("there is no checkpoint in" in p.message and "the checkpoints were removed" in p.message
               for p in report.problems), report.problems
    assert engine.audit.checkpoint(OPERATOR).file is not None  # a new one over the forged history...
    with engine.db.begin() as connection:
        size = connection.execute(text("SELECT size FROM history_tree")).scalar_one()
        connection.execute(text("UPDATE history_tree SET size = :s"), {"s": size - 3})
    assert any("the tree shrank" in p.message for p in engine.audit.verify(OPERATOR).problems)
    with engine.db.begin() as connection:
        connection.execute(text("UPDATE history_tree SET size = :s"), {"s": size})
        connection.execute(text("UPDATE process_instance SET history_seq = 0, history_head = :g"),
                           {"g": GENESIS_HASH})
        connection.execute(text("DELETE FROM history_event"))
    report = engine.audit.verify(OPERATOR)
    assert any("the history is empty behind a tree of" in p.message for p in report.problems), report.problems
