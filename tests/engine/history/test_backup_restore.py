"""Backup and restore that keep the proof meaningful (issue 22), on SQLite and PostgreSQL.

A backup older than the latest signed checkpoint is refused unless the operator says why; then a signed rollback
note stands in the checkpoint directory, verify passes and reports it, and checkpoints go on. A forged or
unsigned note fails verify.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.history import backup as backup_module
from engine.history.backup import BackupManifest
from engine.history.checkpoints import ROLLBACK_NAME, latest, stored, trail
from engine.history.restore import RollbackRefused
from engine.models import HistoryEvent
from opsflow_verify.rollback import check_rollback, parse_rollback
from tests.journey import OPERATOR, decision, research_and_draft, start_plan, step
from tests.templates import demo_engine

REASON = "disk of db-1 failed; restored the 02:00 backup"


def event_count(engine: Engine) -> int:
    with engine.core.reading() as session:
        return session.scalar(select(func.count()).select_from(HistoryEvent)) or 0


def notes(engine: Engine) -> list[Path]:
    return [p for p in trail(engine.collaborators.checkpoints) if ROLLBACK_NAME.match(p.name)]


def backed_up_then_reviewed(engine: Engine, tmp_path: Path) -> tuple[int, Path, BackupManifest]:
    """A plan drafted and checkpointed, a backup of that, then the manager's review (not checkpointed yet)."""
    first = start_plan(engine)
    research_and_draft(engine, first)
    assert engine.audit.checkpoint(OPERATOR).file is not None
    out = tmp_path / "opsflow.backup"
    manifest = engine.ops.backup(OPERATOR, out)
    step(engine, "li.na", "manager_review", first, decision("approve"))
    return first, out, manifest


@pytest.fixture
def rolled_back(engine: Engine, tmp_path: Path) -> tuple[Engine, Path, int]:
    """A plan, a checkpoint and a backup; more work and a newer checkpoint; then the backup restored with a
    reason. Returns the engine, the backup and the size the backup's tree had."""
    _, out, manifest = backed_up_then_reviewed(engine, tmp_path)
    assert engine.audit.checkpoint(OPERATOR).file is not None
    engine.ops.restore(OPERATOR, out, REASON, "wang.ops")
    return engine, out, manifest.tree_size


def test_restore_refuses_an_older_history_and_changes_nothing(engine: Engine, tmp_path: Path):
    _, out, _ = backed_up_then_reviewed(engine, tmp_path)
    newer = engine.audit.checkpoint(OPERATOR)
    events, files = event_count(engine), sorted(engine.collaborators.checkpoints.directory.rglob("*"))
    with pytest.raises(RollbackRefused) as refused:
        engine.ops.restore(OPERATOR, out)
    assert f"older than checkpoint checkpoint-{newer.size:012d}" in refused.value.message
    assert f"(size {newer.size})" in refused.value.message and "--acknowledge-rollback" in refused.value.message
    assert event_count(engine) == events  # the database as it was
    assert sorted(engine.collaborators.checkpoints.directory.rglob("*")) == files  # and the evidence
    assert engine.audit.verify(OPERATOR).ok


def test_a_restore_with_a_reason_is_reported_by_verify_and_checkpoints_go_on(rolled_back):
    engine, _, size = rolled_back
    settings = engine.collaborators.checkpoints
    [note_file] = notes(engine)
    note = parse_rollback(note_file.read_text())
    assert (note.to_size, note.by, note.reason) == (size, "wang.ops", REASON)
    assert note.from_size > size
    assert note_file.stat().st_mode & 0o777 == 0o600
    check_rollback(note, [settings.public_key_file.read_text()])
    current = latest(settings)
    assert current is not None and (current.size, current.root) == (note.to_size, note.to_root)
    report = engine.audit.verify(OPERATOR)
    assert report.ok, [p.message for p in report.problems]
    assert report.rollbacks == [f"rolled back from {note.from_size} to {size} on {note.at} by wang.ops: {REASON}"]
    # Work and checkpoints go on from the restored tree.
    plan = start_plan(engine, "zhang.min")
    research_and_draft(engine, plan)
    made = engine.audit.checkpoint(OPERATOR)
    assert made.file is not None and made.size > size
    assert latest(settings) is not None and latest(settings).size == made.size  # type: ignore[union-attr]
    report = engine.audit.verify(OPERATOR)
    assert report.ok, [p.message for p in report.problems]
    assert len(report.rollbacks) == 1 and report.covered == made.size


def test_a_tampered_rollback_note_fails_verify(rolled_back):
    engine, _, _ = rolled_back
    [note_file] = notes(engine)
    original = note_file.read_text()
    note_file.write_text(original.replace(REASON, "routine maintenance"))
    report = engine.audit.verify(OPERATOR)
    assert not report.ok
    assert any("not signed by" in p.message and note_file.name in p.message for p in report.problems)
    note_file.write_text(original.split("\n\n")[0] + "\n\n")  # the signature cut off
    assert not engine.audit.verify(OPERATOR).ok
    note_file.unlink()  # no note at all: the latest checkpoint is the rolled-back one, the tree shrank
    report = engine.audit.verify(OPERATOR)
    assert not report.ok and any("the tree shrank" in p.message for p in report.problems)


def test_a_note_that_does_not_start_from_the_signed_checkpoint_fails(rolled_back):
    engine, _, _ = rolled_back
    settings = engine.collaborators.checkpoints
    [note_file] = notes(engine)
    note = parse_rollback(note_file.read_text())
    from engine.history.checkpoints import load_or_create_key, sign_note
    from opsflow_verify.rollback import body

    forged = sign_note(load_or_create_key(settings), settings.origin,
                       body(note.origin, note.from_size + 1, note.from_root, note.to_size, note.to_root, note.by,
                            note.at, note.reason))
    note_file.write_text(forged)
    report = engine.audit.verify(OPERATOR)
    assert not report.ok and any("not the signed checkpoint just before it" in p.message for p in report.problems)


def test_a_backup_that_holds_the_latest_checkpoint_restores_without_a_note(engine: Engine, tmp_path: Path):
    first, out, _ = backed_up_then_reviewed(engine, tmp_path)  # not checkpointed: lost by the restore
    before = event_count(engine)
    result = engine.ops.restore(OPERATOR, out)
    assert result.rolled_back_from is None and result.note is None and notes(engine) == []
    assert event_count(engine) < before
    assert engine.audit.verify(OPERATOR).ok
    step(engine, "li.na", "manager_review", first, decision("approve"))
    assert engine.audit.checkpoint(OPERATOR).file is not None
    assert engine.audit.verify(OPERATOR).ok


def test_a_sequenced_but_unsigned_tail_is_moved_aside(engine: Engine, tmp_path: Path):
    """Tiles may hold leaves no checkpoint signed yet: a restore moves them aside and starts from its tree."""
    first, out, _ = backed_up_then_reviewed(engine, tmp_path)
    engine.audit.checkpoint(OPERATOR, min_new=10_000)  # sequenced and in the tiles, no checkpoint due
    result = engine.ops.restore(OPERATOR, out)
    assert result.tiles_moved_to is not None and Path(result.tiles_moved_to, "tile").is_dir()
    step(engine, "li.na", "manager_review", first, decision("approve"))
    assert engine.audit.checkpoint(OPERATOR).file is not None
    assert engine.audit.verify(OPERATOR).ok


def test_a_damaged_backup_is_refused_before_anything_changes(engine: Engine, tmp_path: Path):
    start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    out = tmp_path / "opsflow.backup"
    out.write_bytes(b"not a backup")
    with pytest.raises(InvalidInput, match="not an opsflow backup"):
        engine.ops.restore(OPERATOR, out)
    assert engine.audit.verify(OPERATOR).ok


def test_the_backup_holds_the_database_and_not_the_evidence(engine: Engine, tmp_path: Path):
    start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    out = tmp_path / "opsflow.backup"
    manifest = engine.ops.backup(OPERATOR, out)
    import tarfile

    with tarfile.open(out) as archive:
        names = archive.getnames()
    assert names == ["manifest.json", "leaves.bin", backup_module.MEMBERS[engine.db.dialect.name]]
    found = backup_module.read_backup(out)
    assert found.manifest == manifest and manifest.tree_size > 0
    assert base64.b64decode(manifest.tree_root) == latest(engine.collaborators.checkpoints).root  # type: ignore[union-attr]
    assert len(stored(engine.collaborators.checkpoints)) == 1


def test_a_missing_pg_dump_is_a_clear_error(postgres_url: str, tmp_path: Path, monkeypatch):
    from engine.db import make_engine

    monkeypatch.setattr(backup_module.shutil, "which", lambda tool: None)
    db = make_engine(postgres_url)
    try:
        with pytest.raises(InvalidInput, match="pg_dump is not installed"):
            backup_module.backup(db, tmp_path / "x.backup", backup_module.datetime.now())
    finally:
        db.dispose()


def test_the_offline_bundle_reports_the_rollback_and_accepts_a_checkpoint_from_before_it(rolled_back, tmp_path):
    import io
    import zipfile

    from opsflow_verify.bundle import verify as verify_bundle

    engine, _, size = rolled_back
    settings = engine.collaborators.checkpoints
    [note_file] = notes(engine)
    from_size = parse_rollback(note_file.read_text()).from_size
    before = [p for p in stored(settings) if p.name.startswith(f"checkpoint-{from_size:012d}")]
    bundle = tmp_path / "bundle.zip"
    with open(bundle, "wb") as out:
        engine.audit.export_bundle(OPERATOR, [1], out)
    result = verify_bundle(str(bundle))
    assert result.ok, result.problems
    assert len(result.notes) == 1 and result.notes[0].startswith("rolled back from ") and REASON in result.notes[0]
    # The auditor's own copy of the checkpoint from before the restore: explained by the note, not a fork.
    result = verify_bundle(str(bundle), before[0].read_text())
    assert result.ok, result.problems
    assert any("was rolled back by a signed note" in said for said in result.notes)
    # A note altered inside the bundle fails (the manifest's hash and the note's own signature).
    altered = io.BytesIO()
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(altered, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("rollbacks/"):
                content = content.replace(REASON.encode(), b"routine maintenance")
            target.writestr(item, content)
    forged = tmp_path / "forged.zip"
    forged.write_bytes(altered.getvalue())
    result = verify_bundle(str(forged))
    assert not result.ok
    assert any(p.startswith("rollbacks/") and "not signed by" in p for p in result.problems)
    assert size > 0


def test_a_running_worker_stops_the_restore(engine: Engine, tmp_path: Path):
    from datetime import UTC, datetime

    from engine.errors import Conflict
    from engine.models import WorkerHeartbeat

    start_plan(engine)
    out = tmp_path / "opsflow.backup"
    engine.ops.backup(OPERATOR, out)
    now = datetime.now(UTC)
    with engine.core.transaction() as session:
        session.add(WorkerHeartbeat(worker_id="node-2:4711", slots=4, started_at=now, seen_at=now))
    events = event_count(engine)
    with pytest.raises(Conflict, match=r"worker node-2:4711 was seen .* stop the workers"):
        engine.ops.restore(OPERATOR, out)
    assert event_count(engine) == events


def test_checkpoints_of_workers_whose_clocks_differ_keep_their_order(engine: Engine):
    """Within an epoch the checkpoints are ordered by size: a smaller one stamped later (another worker's clock
    a little ahead) is neither the latest nor a rollback."""
    first = start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    research_and_draft(engine, first)
    engine.audit.checkpoint(OPERATOR)
    settings = engine.collaborators.checkpoints
    smaller, larger = stored(settings)
    smaller.rename(smaller.with_name(smaller.name[:-16] + "20991231T235959Z"))
    assert [p.name[:23] for p in stored(settings)] == [smaller.name[:23], larger.name[:23]]
    assert latest(settings).file == str(larger)  # type: ignore[union-attr]
    report = engine.audit.verify(OPERATOR)
    assert report.ok and report.rollbacks == []


@pytest.fixture
def postgres_engine(request: pytest.FixtureRequest, postgres_url: str) -> Iterator[Engine]:
    """PostgreSQL only: on SQLite a restore replaces the whole file, so nothing of a newer schema stays behind."""
    yield from demo_engine(request, postgres_url, None)


def test_postgres_refuses_a_backup_of_another_schema_revision(postgres_engine: Engine, tmp_path: Path):
    engine = postgres_engine
    start_plan(engine)
    out = tmp_path / "opsflow.backup"
    engine.ops.backup(OPERATOR, out)
    with engine.db.begin() as connection:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(InvalidInput, match="schema revision 9999, the backup at"):
        engine.ops.restore(OPERATOR, out)
    with engine.db.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.ops.restore(OPERATOR, out)
    assert engine.audit.verify(OPERATOR).ok
