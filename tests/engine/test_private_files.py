"""What opsflow writes to disk is its own: the SQLite database (and its WAL), the signing key, its public key,
the checkpoints and their folder are readable by their owner only, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.facade import build_engine
from engine.facade.setup import INIT
from engine.history.checkpoints import CheckpointSettings
from engine.org.people import Person
from tests.journey import START


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default: files 0644, folders 0755
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_key_and_checkpoints_are_the_owners_only(tmp_path: Path, open_umask: None) -> None:
    database = tmp_path / "instance" / "opsflow.sqlite"
    evidence = tmp_path / "evidence"
    settings = CheckpointSettings(directory=evidence / "checkpoints", signing_key=evidence / "keys" / "signing_key",
                                  origin="opsflow/test")
    engine = build_engine(f"sqlite:///{database}", checkpoints=settings)
    try:
        engine.setup.init(demo=True)
        engine.work.start(Person("li.na"), "market_plan", START)  # events to sign a checkpoint over
        assert engine.audit.checkpoint(INIT).file is not None
        files = [database, Path(f"{database}-wal"), *(f for f in evidence.rglob("*") if f.is_file())]
        assert {settings.signing_key, settings.public_key_file, settings.directory / ".lock"} <= set(files)
        assert any(f.name.startswith("checkpoint-") for f in files)
        assert {str(f): _mode(f) for f in files} == {str(f): 0o600 for f in files}
        folders = [database.parent, *(f for f in evidence.rglob("*") if f.is_dir())]
        assert {str(f): _mode(f) for f in folders} == {str(f): 0o700 for f in folders}
    finally:
        engine.db.dispose()
