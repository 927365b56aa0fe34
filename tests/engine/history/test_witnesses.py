"""Witnesses: an auditor's own machine cosigns each checkpoint that extends what it saw, refuses the rest, and
``verify`` needs a quorum of their cosignatures: the insider attacks (b) and (d) of issue 22, on both
databases. (Attacks (a) and (c), which fail on the server alone, are ``test_verify_never_passes_on_absence``.)
"""

from __future__ import annotations

import base64
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.facade import Engine
from engine.history.checkpoints import stored
from engine.history.publish import PublishSettings
from engine.history.tiles import LEVEL0, NAMES
from engine.history.witnesses import parse_witness_key, proof_name
from opsflow_verify import witness
from tests.engine.history.test_tamper_evidence import events_of, rewrite
from tests.journey import DRAFT, OPERATOR, RESEARCH, decision, research_and_draft, start_plan, step


class Witness:
    """An auditor's witness in its own folder, run as ``opsflow-verify witness`` would be."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name
        assert witness.main(["init", "--name", name, "--dir", str(folder)]) == 0
        self.key = (folder / "witness.vkey").read_text().strip()

    def run(self, source: Path, log_key: Path, out: Path, *extra: str) -> int:
        return witness.main(["--dir", str(self.folder), "--from", str(source), "--log-key", str(log_key),
                             "-o", str(out), *extra])


Witnessed = tuple[Engine, Witness, Path, int]


def with_witnesses(engine: Engine, *keys: str, quorum: int = 1, publish: Path | None = None) -> None:
    settings = engine.collaborators.checkpoints
    engine.collaborators.checkpoints = replace(
        settings, witnesses=tuple(parse_witness_key(k) for k in keys), quorum=quorum,
        publish=PublishSettings(folder=publish) if publish else settings.publish)


@pytest.fixture
def witnessed(engine: Engine, tmp_path: Path) -> Witnessed:
    """A plan through its draft, checkpointed, published to a folder and cosigned by one witness (kept)."""
    auditor = Witness(tmp_path / "he.ping-witness", "audit.example.com/he.ping")
    published = tmp_path / "published"
    with_witnesses(engine, auditor.key, publish=published)
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    assert engine.audit.checkpoint(OPERATOR).file is not None
    assert all(p.ok for p in engine.audit.publish_latest(OPERATOR))
    assert auditor.run(published, published / "log.vkey", tmp_path / "cosigned") == 0
    engine.audit.cosign(OPERATOR, (tmp_path / "cosigned").read_text())
    return engine, auditor, published, plan


def test_a_checkpoint_is_trusted_once_a_witness_cosigned_it(engine, tmp_path):
    auditor = Witness(tmp_path / "w", "audit.example.com/he.ping")
    with_witnesses(engine, auditor.key)
    plan = start_plan(engine)
    first = engine.audit.checkpoint(OPERATOR)
    report = engine.audit.verify(OPERATOR)
    assert not report.ok
    named = Path(str(first.file)).name
    assert [p.message for p in report.problems if p.found_by == "witness"] == [
        f"checkpoint {first.size} ({named}) was never cosigned by witness audit.example.com/he.ping: 0 of the 1 "
        "cosignature(s) required; a tree the witnesses never saw (a forged or re-signed one, or one they refused) "
        "cannot be trusted"]
    folder = engine.collaborators.checkpoints.directory
    assert auditor.run(folder, engine.collaborators.checkpoints.public_key_file, tmp_path / "c1") == 0
    kept = engine.audit.cosign(OPERATOR, (tmp_path / "c1").read_text())
    assert (kept.size, kept.witnesses) == (first.size, ["audit.example.com/he.ping"])
    assert engine.audit.verify(OPERATOR).ok
    # More work, a new checkpoint: the witness walks the proof from the size it saw, and cosigns again.
    step(engine, "wang.lei", "research", plan, RESEARCH)
    second = engine.audit.checkpoint(OPERATOR)
    assert (folder / proof_name(first.size, second.size, base64.b64decode(str(second.root)))).is_file()
    assert not engine.audit.verify(OPERATOR).ok  # not cosigned yet
    assert auditor.run(folder, engine.collaborators.checkpoints.public_key_file, tmp_path / "c2") == 0
    engine.audit.cosign(OPERATOR, (tmp_path / "c2").read_text())
    assert engine.audit.verify(OPERATOR).ok
    listed = engine.audit.checkpoint_entries(OPERATOR)
    assert [(e.size, e.quorum_met, [c.witness for c in e.cosignatures if c.valid]) for e in listed] == [
        (second.size, True, ["audit.example.com/he.ping"]), (first.size, True, ["audit.example.com/he.ping"])]


def test_a_cosignature_that_does_not_verify_is_not_kept(engine, tmp_path):
    from engine.errors import InvalidInput, NotFound

    auditor = Witness(tmp_path / "w", "audit.example.com/he.ping")
    with_witnesses(engine, auditor.key)
    start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    settings = engine.collaborators.checkpoints
    assert auditor.run(settings.directory, settings.public_key_file, tmp_path / "c") == 0
    cosigned = (tmp_path / "c").read_text()
    body, _, lines = cosigned.partition("\n\n")
    forged_body = body.replace(body.split("\n")[1], str(int(body.split("\n")[1]) + 1))
    with pytest.raises(NotFound):
        engine.audit.cosign(OPERATOR, forged_body + "\n\n" + lines)
    last = lines.rstrip("\n").split("\n")[-1]
    tampered = last[:-6] + ("AAAA==" if not last.endswith("AAAA==") else "BBBB==")
    with pytest.raises(InvalidInput, match="does not verify"):
        engine.audit.cosign(OPERATOR, cosigned.replace(last, tampered))
    assert not engine.audit.verify(OPERATOR).ok


def test_b_a_forged_tree_re_signed_with_the_servers_key_fails_and_the_witness_refuses_it(witnessed, tmp_path):
    """(b): the insider rewrites an event with its chain, drops the checkpoint folder and re-signs the forged tree
    with the server's own key: the server's signature is good, but no witness cosigned that tree."""
    engine, auditor, published, plan = witnessed
    assert engine.audit.verify(OPERATOR).ok
    settings = engine.collaborators.checkpoints
    victim = next(e for e in events_of(engine, plan) if e.kind == "task_completed")
    rewrite(engine, plan, victim.seq, lambda payload: payload.update(forged=True))
    shutil.rmtree(settings.directory / "tile")
    for old in stored(settings):
        old.unlink()
    forged = engine.audit.checkpoint(OPERATOR)  # signed with the server's key, over the forged events
    report = engine.audit.verify(OPERATOR)
    assert report.signature_ok is True and not report.ok
    assert [p.message.split(":")[0] for p in report.problems] == [
        f"checkpoint {forged.size} ({Path(str(forged.file)).name}) was never cosigned by witness "
        "audit.example.com/he.ping"]
    # The witness, given the forged checkpoint (same size, another root), refuses it: exit 8.
    assert auditor.run(published, published / "log.vkey", tmp_path / "forged", "--checkpoint",
                       str(forged.file)) == witness.REFUSED
    assert not (tmp_path / "forged").exists()


def _delete_after(engine: Engine, size: int) -> None:
    """As an insider would: delete the events sequenced at or after ``size``, move every anchor back to what is
    left, shrink the tree."""
    with engine.db.begin() as connection:
        connection.execute(text("DELETE FROM history_event WHERE tree_index >= :s OR tree_index IS NULL"),
                           {"s": size})
        connection.execute(text("UPDATE history_tree SET size = :s"), {"s": size})
        for instance, seq, head in connection.execute(text(
                "SELECT instance_id, seq, hash FROM history_event e WHERE instance_id IS NOT NULL AND seq = "
                "(SELECT max(seq) FROM history_event f WHERE f.instance_id = e.instance_id)")).all():
            connection.execute(text("UPDATE process_instance SET history_seq = :q, history_head = :h WHERE id = :i"),
                               {"q": seq, "h": head, "i": instance})


def _cut_tiles(directory: Path, size: int) -> None:
    """Remove the partial tiles wider than ``size`` (the test's trees are smaller than one tile)."""
    for kind in (LEVEL0, NAMES):
        partial = directory / kind / "000.p"
        for width in partial.iterdir():
            if int(width.name) > size:
                width.unlink()


def test_d_events_deleted_after_a_checkpoint_are_caught_when_the_next_one_is_witnessed(witnessed, tmp_path):
    """(d): after checkpoint C2 left the server, the insider deletes its new events, drops C2 locally and carries
    on; the next checkpoint extends C1 but not C2, which the witness saw in the published folder: refused."""
    engine, auditor, published, plan = witnessed
    settings = engine.collaborators.checkpoints
    c1_size = int(stored(settings)[-1].name.split("-")[1])
    step(engine, "li.na", "manager_review", plan, decision("return", "Budget too high"))
    c2 = engine.audit.checkpoint(OPERATOR)
    assert engine.audit.publish_latest(OPERATOR)[0].ok  # C2 is out
    assert auditor.run(published, published / "log.vkey", tmp_path / "c2") == 0  # and witnessed
    _delete_after(engine, c1_size)
    _cut_tiles(settings.directory, c1_size)
    Path(str(c2.file)).unlink()
    for proof in settings.directory.glob("consistency-*"):
        proof.unlink()
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 400000})
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    c3 = engine.audit.checkpoint(OPERATOR)
    assert c3.file is not None and c3.size > c2.size  # bigger, and on the server C1 → C3 is consistent
    assert auditor.run(published, published / "log.vkey", tmp_path / "c3", "--from", str(settings.directory),
                       "--checkpoint", str(c3.file)) == witness.REFUSED
    # Even a proof the server makes from the size the witness saw does not help: it proves the forged prefix.
    (tmp_path / "proof").write_text(engine.audit.consistency_proof(OPERATOR, c2.size))
    assert auditor.run(published, published / "log.vkey", tmp_path / "c3", "--checkpoint", str(c3.file),
                       "--proof", str(tmp_path / "proof")) == witness.REFUSED
    state = json.loads((auditor.folder / "state.json").read_text())
    assert state["logs"][settings.origin]["size"] == c2.size  # the witness still stands where it stood
    assert not engine.audit.verify(OPERATOR).ok  # and the server's own verify: C3 was never cosigned


def test_the_witness_refuses_a_shrunk_tree_unless_a_signed_rollback_note_explains_it(engine, tmp_path):
    from engine.history import checkpoints, merkle
    from engine.history.tiles import TreeFiles

    auditor = Witness(tmp_path / "w", "audit.example.com/he.ping")
    plan = start_plan(engine)
    small = engine.audit.checkpoint(OPERATOR)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    settings = engine.collaborators.checkpoints
    big = engine.audit.checkpoint(OPERATOR)
    assert auditor.run(settings.directory, settings.public_key_file, tmp_path / "big") == 0
    # The older checkpoint offered later: the tree shrank.
    assert auditor.run(settings.directory, settings.public_key_file, tmp_path / "x", "--checkpoint",
                       str(small.file)) == witness.REFUSED
    # A rollback note signed by the log, from what the witness saw back to the small tree: accepted, loudly.
    hashes = TreeFiles(settings.directory).leaf_hashes(big.size)
    key = checkpoints.load_or_create_key(settings)
    body = (f"{settings.origin} rollback\n{big.size}\n{big.root}\n{small.size}\n{small.root}\noperator\n"
            "2026-12-07T03:00:00Z\nrestored last night's backup\n")
    assert merkle.root(hashes[:small.size]) == checkpoints.read(Path(str(small.file))).root
    note = checkpoints.sign_note(key, settings.origin, body)
    (tmp_path / "rollback").write_text(note)
    assert auditor.run(settings.directory, settings.public_key_file, tmp_path / "ok", "--checkpoint",
                       str(small.file), "--rollback", str(tmp_path / "rollback")) == 0
    assert "ROLLBACK" not in (tmp_path / "ok").read_text()  # the cosigned note is the checkpoint, cosigned
    # A note not signed by the log is refused.
    (tmp_path / "bad").write_text(note.replace("restored last night's backup", "nothing to see"))
    assert auditor.run(settings.directory, settings.public_key_file, tmp_path / "y", "--checkpoint",
                       str(big.file), "--rollback", str(tmp_path / "bad")) == witness.REFUSED


def test_a_quorum_of_two_needs_both_and_a_tampered_cosignature_file_counts_for_nothing(sqlite_engine, tmp_path):
    engine = sqlite_engine
    first, second = (Witness(tmp_path / n, f"audit.example.com/{n}") for n in ("he.ping", "outside-firm"))
    with_witnesses(engine, first.key, second.key, quorum=2)
    start_plan(engine)
    engine.audit.checkpoint(OPERATOR)
    settings = engine.collaborators.checkpoints
    for w in (first, second):
        assert w.run(settings.directory, settings.public_key_file, tmp_path / f"{w.folder.name}.cosigned") == 0
    engine.audit.cosign(OPERATOR, (tmp_path / "he.ping.cosigned").read_text())
    problems = [p.message for p in engine.audit.verify(OPERATOR).problems]
    assert len(problems) == 1 and "never cosigned by witness audit.example.com/outside-firm: 1 of the 2" in problems[0]
    engine.audit.cosign(OPERATOR, (tmp_path / "outside-firm.cosigned").read_text())
    assert engine.audit.verify(OPERATOR).ok
    stored_file = next((settings.directory / "cosignatures").glob("*/*"))
    line = stored_file.read_text()
    stored_file.write_text(line[:-10] + ("A" if line[-10] != "A" else "B") + line[-9:])
    assert not engine.audit.verify(OPERATOR).ok
    assert sorted(c.valid for c in engine.audit.checkpoint_entries(OPERATOR)[0].cosignatures) == [False, True]


def test_the_witness_reads_a_checkpoint_and_a_proof_from_urls(sqlite_engine, tmp_path):
    import functools
    import threading
    from http.server import HTTPServer, SimpleHTTPRequestHandler

    engine = sqlite_engine
    settings = engine.collaborators.checkpoints
    plan = start_plan(engine)
    first = engine.audit.checkpoint(OPERATOR)
    auditor = Witness(tmp_path / "w", "audit.example.com/he.ping")
    assert auditor.run(settings.directory, settings.public_key_file, tmp_path / "c1") == 0
    step(engine, "wang.lei", "research", plan, RESEARCH)
    second = engine.audit.checkpoint(OPERATOR)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(settings.directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        proof = proof_name(first.size, second.size, base64.b64decode(str(second.root)))
        code = witness.main(["--dir", str(auditor.folder), "--checkpoint", f"{base}/{Path(str(second.file)).name}",
                             "--proof", f"{base}/{proof}",
                             "-o", str(tmp_path / "c2")])
        assert code == 0
        assert witness.main(["--dir", str(auditor.folder), "--checkpoint", f"{base}/nothing-here",
                             "-o", str(tmp_path / "c3")]) == witness.USAGE
    finally:
        server.shutdown()
        server.server_close()
