"""The export bundle for an outside auditor: events, definitions, checkpoint, proofs, key and README.

Beside the instances' events it carries the organisation's record (who held which role and unit, when: the
events with no instance, on a chain of their own), so that an auditor can check offline that a decider was
entitled then.

``opsflow_verify`` (its own package, stdlib + ``cryptography``) checks a bundle offline; the README
written into the bundle (``bundle_readme.md``) is the algorithm. Only events the latest checkpoint
covers go in (per instance they are a prefix of its history: one instance's steps commit in order);
an event that no longer matches its leaf is refused here, as ``opsflow verify`` would report it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsflow_verify import __version__ as verifier_version

from ..clock import utc_iso
from ..errors import HistoryTampered, InstanceNotFound, InvalidInput
from ..history import attachment_check, checkpoints, merkle
from ..history.checkpoints import CheckpointSettings
from ..history.encoding import LEGACY_ENCODING, canonical, event_bytes
from ..history.tiles import TreeFiles
from ..models import AttachmentBlob, DefinitionFile, HistoryEvent, ProcessDefinition, ProcessInstance
from .views import BundleSummary

FORMAT = "opsflow-bundle/1"
README = Path(__file__).with_name("bundle_readme.md")


def readme() -> bytes:
    """The bundle's README, headed by the verifier version it was written for (``make dist`` builds its wheel)."""
    wheel = f"opsflow_verify-{verifier_version}-py3-none-any.whl"
    version = (f"Written for opsflow-verify {verifier_version}: `pip install {wheel}` (the wheel opsflow's `make dist` "
               "builds; it needs only `cryptography`), then `opsflow-verify --version` says which one you run.\n\n")
    text = README.read_text(encoding="utf-8")
    title, _, rest = text.partition("\n\n")
    return f"{title}\n\n{version}{rest}".encode()
MAX_INSTANCES = 1000


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _line(row: HistoryEvent, material: bytes) -> bytes:
    """The event as the bundle carries it: its record (RFC 8785) with its hash and tree index."""
    if row.encoding == LEGACY_ENCODING:
        record: dict[str, Any] = {
            "encoding": 1, "prev_hash": row.prev_hash, "instance_id": row.instance_id, "seq": row.seq,
            "kind": row.kind, "occurred_at": utc_iso(row.occurred_at), "actor": row.actor,
            "task_name": row.task_name, "human_task_id": row.human_task_id, "payload_json": row.payload_json}
    else:
        record = json.loads(material)
    return canonical({**record, "hash": row.hash, "tree_index": row.tree_index})


def _trusted_tree(settings: CheckpointSettings) -> tuple[checkpoints.Checkpoint, merkle.Tree]:
    checkpoint = checkpoints.latest(settings)
    if checkpoint is None:
        raise InvalidInput("no checkpoint yet: run 'opsflow checkpoint' first")
    key = checkpoints.public_key(settings)
    if key is None or not checkpoints.signature_ok(checkpoint, *key):
        raise HistoryTampered(f"{checkpoint.file}: its signature does not verify; run 'opsflow verify'")
    tree = merkle.Tree(TreeFiles(settings.directory).leaf_hashes(checkpoint.size))
    if tree.root() != checkpoint.root:
        raise HistoryTampered(f"the tiles do not reproduce {checkpoint.file}; run 'opsflow verify'")
    return checkpoint, tree


def _instance_of(row: HistoryEvent) -> int:
    """The instance of an event read by instance (never one of the organisation's record)."""
    assert row.instance_id is not None
    return row.instance_id


def _attachment(session: Session, row: HistoryEvent, files: dict[str, bytes]) -> dict[str, Any]:
    """The file an ``attachment_added`` event recorded, put into ``files`` (once per hash); its manifest entry.

    :raise HistoryTampered: its stored bytes are gone or no longer have the recorded hash.
    """
    recorded = attachment_check.recorded(_instance_of(row), row.seq, row.payload_json)
    if recorded is None:
        raise HistoryTampered(f"instance {row.instance_id} event #{row.seq} cannot be read; run 'opsflow verify'")
    path = f"attachments/{recorded.sha256}"
    if path not in files:
        content = session.scalar(select(AttachmentBlob.content).where(AttachmentBlob.sha256 == recorded.sha256))
        if content is None or hashlib.sha256(content).hexdigest() != recorded.sha256:
            raise HistoryTampered(f"attachment {recorded.name!r} of instance {row.instance_id} (event #{row.seq}) "
                                  "was changed or lost in the database; run 'opsflow verify'")
        files[path] = bytes(content)
    return {"instance_id": row.instance_id, "seq": row.seq, "name": recorded.name, "sha256": recorded.sha256,
            "size": len(files[path]), "path": path}


def export_bundle(session: Session, settings: CheckpointSettings, instance_ids: list[int], out: IO[bytes],
                  now: datetime) -> BundleSummary:
    """Write the bundle of ``instance_ids`` to ``out`` (a zip); return what it holds.

    :raise InstanceNotFound: :raise InvalidInput: no instance named, or no checkpoint yet.
    :raise HistoryTampered: an event no longer matches the checkpoint (``opsflow verify`` names it).
    """
    ids = sorted(set(instance_ids))
    if not ids or len(ids) > MAX_INSTANCES:
        raise InvalidInput(f"name between 1 and {MAX_INSTANCES} instances to export")
    instances = {i.id: i for i in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)))}
    for instance_id in ids:
        if instance_id not in instances:
            raise InstanceNotFound(instance_id)
    checkpoint, tree = _trusted_tree(settings)
    files: dict[str, bytes] = {}
    events_out, proofs_out, listed = io.BytesIO(), io.BytesIO(), []
    attached: list[dict[str, Any]] = []
    heads: dict[int, tuple[int, str]] = {}
    org_rows = session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id.is_(None),
                                                          HistoryEvent.tree_index < checkpoint.size)
                               .order_by(HistoryEvent.seq)).all()  # the organisation's record: roles held then
    rows = session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id.in_(ids),
                                                      HistoryEvent.tree_index < checkpoint.size)
                           .order_by(HistoryEvent.instance_id, HistoryEvent.seq)).all()
    org_head = (0, "0" * 64)
    for row in [*org_rows, *rows]:
        material = event_bytes(row.encoding, row.prev_hash, row.instance_id, row.seq, row.kind, row.occurred_at,
                               row.actor, row.task_name, row.human_task_id, row.payload_json)
        index = row.tree_index
        assert index is not None
        if bytes(tree.levels[0][index * 32:index * 32 + 32]) != merkle.leaf_hash(material):
            raise HistoryTampered(f"instance {row.instance_id} event #{row.seq} no longer matches the checkpoint; "
                                  "run 'opsflow verify'")
        events_out.write(_line(row, material) + b"\n")
        proof = {"instance_id": row.instance_id, "seq": row.seq, "tree_index": index,
                 "path": [_b64(h) for h in tree.inclusion_proof(index)]}
        proofs_out.write(json.dumps(proof, separators=(",", ":")).encode() + b"\n")
        listed.append({"instance_id": row.instance_id, "seq": row.seq, "hash": row.hash})
        if row.instance_id is None:
            org_head = (row.seq, row.hash)
            continue
        heads[_instance_of(row)] = (row.seq, row.hash)
        if row.kind == attachment_check.KIND:
            attached.append(_attachment(session, row, files))
    files["events.jsonl"] = events_out.getvalue()
    files["proofs.jsonl"] = proofs_out.getvalue()
    files["checkpoint"] = checkpoint.text.encode("utf-8")
    files["public_key.vkey"] = settings.public_key_file.read_bytes()
    files["README.md"] = readme()
    for path in checkpoints.trail(settings):
        if checkpoints.ROLLBACK_NAME.match(path.name):  # a restore rolled the history back: the auditor sees it
            files[f"rollbacks/{path.name}"] = path.read_bytes()
            continue
        older = checkpoints.read(path)
        if not 0 < older.size < checkpoint.size:
            continue
        extends = tree.consistency_proof(older.size)
        # Before a rollback, a checkpoint of another tree: a proof only where the current tree extends it.
        if merkle.verify_consistency(older.size, checkpoint.size, older.root, checkpoint.root, extends):
            files[f"consistency/{older.size}.json"] = json.dumps({
                "old_size": older.size, "old_root": _b64(older.root), "new_size": checkpoint.size,
                "proof": [_b64(h) for h in extends]}).encode()
    definitions = []
    definition_ids = sorted({i.definition_id for i in instances.values()})
    versions = {d.id: d for d in session.scalars(select(ProcessDefinition)
                                                  .where(ProcessDefinition.id.in_(definition_ids)))}
    for file in session.scalars(select(DefinitionFile).where(DefinitionFile.definition_id.in_(definition_ids))
                                .order_by(DefinitionFile.definition_id, DefinitionFile.name)):
        name = f"definitions/{file.definition_id}/{file.name}"
        files[name] = file.content.encode("utf-8")
        definitions.append({"definition_id": file.definition_id, "key": versions[file.definition_id].key,
                            "version": versions[file.definition_id].version, "name": file.name, "kind": file.kind,
                            "sha256": file.sha256, "path": name})
    manifest = {
        "format": FORMAT, "created_at": utc_iso(now), "origin": checkpoint.origin, "checkpoint_size": checkpoint.size,
        "instances": [{"id": i, "process": instances[i].process_key, "definition_id": instances[i].definition_id,
                       "version": versions[instances[i].definition_id].version, "title": instances[i].title,
                       "status": instances[i].status, "events": heads.get(i, (0, ""))[0],
                       "head": heads.get(i, (0, "0" * 64))[1]} for i in ids],
        "org_record": {"events": org_head[0], "head": org_head[1]},
        "events": listed, "definitions": definitions, "attachments": attached,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())},
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    key = checkpoints.load_or_create_key(settings)
    body = f"opsflow bundle manifest\n{hashlib.sha256(manifest_bytes).hexdigest()}\n"
    signature = checkpoints.sign_note(key, settings.origin, body)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", signature)
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    return BundleSummary(ids, len(listed) - len(org_rows), checkpoint.size, len(definitions), len(org_rows))
