"""Verifying an opsflow export bundle (the algorithm is the bundle's README.md, step by step)."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from . import jcs, note, rollback, tree

FORMAT = "opsflow-bundle/1"
MATERIAL_KEYS = ("encoding", "prev_hash", "instance_id", "seq", "kind", "occurred_at", "actor", "task_name",
                 "human_task_id")


@dataclass
class Result:
    events: int = 0
    instances: int = 0
    org_events: int = 0
    attachments: int = 0
    checkpoint: note.Checkpoint | None = None
    key: note.Key | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def event_bytes(record: dict[str, Any]) -> bytes:
    """The bytes an event's chain hash and leaf are computed over. :raise ValueError: KeyError:"""
    if record["encoding"] == 1:
        return jcs.legacy([record["prev_hash"], record["instance_id"], record["seq"], record["kind"],
                           record["occurred_at"], record["actor"], record["task_name"], record["human_task_id"],
                           record["payload_json"]]).encode("utf-8")
    if record["encoding"] == 2:
        return jcs.canonical({**{k: record[k] for k in MATERIAL_KEYS}, "payload": record["payload"]}).encode("utf-8")
    raise ValueError(f"unknown encoding {record['encoding']!r}")


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


class BundleReader:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())

    def text(self, name: str) -> str:
        return self.archive.read(name).decode("utf-8")


def verify(path: str, checkpoint_text: str | None = None, pinned_key: str | None = None) -> Result:
    result = Result()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        result.problems.append(f"cannot open the bundle: {exc}")
        return result
    with archive:
        _verify(BundleReader(archive), result, checkpoint_text, pinned_key)
    return result


def _verify(bundle: BundleReader, result: Result, checkpoint_text: str | None, pinned_key: str | None) -> None:
    problems = result.problems
    for needed in ("manifest.json", "manifest.sig", "events.jsonl", "proofs.jsonl", "checkpoint", "public_key.vkey"):
        if needed not in bundle.names:
            problems.append(f"the bundle has no {needed}")
            return
    # 1. The key, and the manifest it signed.
    try:
        key = note.parse_key(pinned_key if pinned_key is not None else bundle.text("public_key.vkey"))
    except ValueError as exc:
        problems.append(f"public key: {exc}")
        return
    result.key = key
    if pinned_key is not None and bundle.text("public_key.vkey").strip() != pinned_key.strip():
        problems.append("the bundle's public key is not the key given with --key")
    manifest_bytes = bundle.archive.read("manifest.json")
    signature = bundle.text("manifest.sig")
    if not note.signed_by(signature, key) or signature.split("\n")[1:2] != [hashlib.sha256(manifest_bytes).hexdigest()]:
        problems.append("manifest.json is not what the key signed (manifest.sig): the bundle was altered")
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != FORMAT:
        problems.append(f"not an {FORMAT} bundle")
        return
    # 2. Every file as listed (attached files: step 8, against the events that recorded them).
    attached = {entry.get("path") for entry in manifest.get("attachments", [])}
    for name, digest in sorted(manifest["files"].items()):
        if name in attached:
            continue
        if name not in bundle.names:
            problems.append(f"{name} is missing from the bundle")
        elif hashlib.sha256(bundle.archive.read(name)).hexdigest() != digest:
            problems.append(f"{name} is not the file the manifest lists (its SHA-256 differs)")
    # 3. The checkpoint and its signature.
    checkpoint_note = bundle.text("checkpoint")
    try:
        checkpoint = note.parse_checkpoint(checkpoint_note)
    except ValueError as exc:
        problems.append(f"checkpoint: {exc}")
        return
    result.checkpoint = checkpoint
    if not note.signed_by(checkpoint_note, key):
        problems.append(f"the checkpoint is not signed by {key.name} (key id {key.key_id.hex()})")
    # 4-6. The events: readable, canonical, chained, as listed, and in the checkpoint's tree.
    _verify_events(bundle, manifest, checkpoint, result)
    # 7. Rollback notes (a restore put back an older history), and a checkpoint the auditor holds from elsewhere.
    notes = _rollbacks(bundle, key, result)
    if checkpoint_text is not None:
        _verify_against(bundle, checkpoint_text, checkpoint, key, problems, notes, result)
    # 8. The attached files, against the events that recorded them.
    _verify_attachments(bundle, manifest, result)


ATTACHED = "attachment_added"


def _verify_attachments(bundle: BundleReader, manifest: dict[str, Any], result: Result) -> None:
    """Each ``attachment_added`` event's file is in the bundle, listed, and has the SHA-256 the event recorded."""
    recorded: dict[tuple[int, int], dict[str, Any]] = {}
    for line in bundle.text("events.jsonl").split("\n"):
        try:
            record = json.loads(line) if line else None
        except ValueError:
            continue  # named by step 4
        if isinstance(record, dict) and record.get("kind") == ATTACHED:
            payload = record.get("payload")
            if payload is None and isinstance(record.get("payload_json"), str):
                payload = json.loads(record["payload_json"])
            if isinstance(payload, dict):
                recorded[(record.get("instance_id", 0), record.get("seq", 0))] = payload
    listed = {(e.get("instance_id"), e.get("seq")): e for e in manifest.get("attachments", [])}
    for (instance, seq), payload in sorted(recorded.items()):
        name, sha = payload.get("name"), payload.get("sha256")
        what = f"attachment {name!r} (instance {instance} event #{seq})"
        entry = listed.get((instance, seq))
        if entry is None or entry.get("sha256") != sha:
            result.problems.append(f"{what}: the manifest does not list the file the event recorded")
            continue
        path = entry.get("path")
        if not isinstance(path, str) or path not in bundle.names:
            result.problems.append(f"{what}: its file {path} is missing from the bundle")
        elif hashlib.sha256(bundle.archive.read(path)).hexdigest() != sha:
            result.problems.append(f"{what} was changed: the bytes of {path} do not have the SHA-256 the history "
                                   "recorded")
        else:
            result.attachments += 1
    for key, entry in sorted(listed.items(), key=lambda item: str(item[0])):
        if key not in recorded:
            result.problems.append(f"attachment {entry.get('name')!r}: the manifest lists it for instance {key[0]} "
                                   f"event #{key[1]}, which recorded no such file")


def _event_name(instance: Any, seq: Any) -> str:
    return f"organisation record event #{seq}" if instance is None else f"instance {instance} event #{seq}"


def _listed(manifest: dict[str, Any], line: int) -> str:
    events = manifest["events"]
    if line <= len(events):
        entry = events[line - 1]
        return _event_name(entry["instance_id"], entry["seq"])
    return "an event the manifest does not list"


def _verify_events(bundle: BundleReader, manifest: dict[str, Any], checkpoint: note.Checkpoint,
                   result: Result) -> None:
    problems = result.problems
    lines = bundle.text("events.jsonl").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    proofs = [json.loads(p) for p in bundle.text("proofs.jsonl").split("\n") if p]
    listed = manifest["events"]
    heads: dict[int | None, tuple[int, str]] = {}  # None: the organisation's record
    position = {(e["instance_id"], e["seq"]): i for i, e in enumerate(listed, 1)}
    for number, line in enumerate(lines, 1):
        where = f"events.jsonl line {number} ({_listed(manifest, number)} by the manifest)"
        try:
            record = json.loads(line)
            canonical_line = jcs.canonical(record) == line
            material = event_bytes(record)
            instance, seq = record["instance_id"], record["seq"]
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"{where}: cannot be read ({exc}): it was altered")
            continue
        name = _event_name(instance, seq)
        if not canonical_line:
            problems.append(f"{where}: {name} is not written in canonical form: it was altered")
        if hashlib.sha256(material).hexdigest() != record.get("hash"):
            problems.append(f"{where}: {name} ({record.get('kind')}) was altered: its hash does not match")
        if number > len(listed) or (listed[number - 1]["instance_id"], listed[number - 1]["seq"]) != (instance, seq):
            expected = _listed(manifest, number)
            if (instance, seq) in position:
                problems.append(f"{where}: {name} stands where {expected} belongs (events removed or reordered)")
            else:
                problems.append(f"{where}: {name} is not in the manifest")
        elif listed[number - 1]["hash"] != record.get("hash"):
            problems.append(f"{where}: {name} is not the event the manifest lists (hash)")
        before_seq, before_hash = heads.get(instance, (0, "0" * 64))
        if seq != before_seq + 1:
            what = f"event #{before_seq + 1} is missing" if seq > before_seq + 1 else "reordered"
            problems.append(f"{where}: {name} follows #{before_seq} of its instance: {what}")
        elif record.get("prev_hash") != before_hash:
            problems.append(f"{where}: {name} does not follow the event before it (prev_hash)")
        heads[instance] = (seq, str(record.get("hash")))
        proof = proofs[number - 1] if number <= len(proofs) else None
        if proof is None or (proof.get("instance_id"), proof.get("seq")) != (instance, seq):
            problems.append(f"{where}: no inclusion proof for {name}")
            continue
        index = record.get("tree_index")
        path = [_b64(h) for h in proof.get("path", [])]
        if not isinstance(index, int) or tree.root_from_inclusion(index, checkpoint.size, tree.leaf_hash(material),
                                                                  path) != checkpoint.root:
            problems.append(f"{where}: {name} is not in the checkpoint's tree (its inclusion proof fails)")
        if instance is None:
            result.org_events += 1
        else:
            result.events += 1
    for entry in listed[len(lines):]:
        problems.append(f"{_event_name(entry['instance_id'], entry['seq'])} is listed by the manifest but "
                        "missing from events.jsonl")
    org = manifest.get("org_record", {"events": 0, "head": "0" * 64})
    if heads.get(None, (0, "0" * 64)) != (org.get("events"), org.get("head")):
        problems.append(f"the organisation's record: the bundle ends at event #{heads.get(None, (0, ''))[0]}, the "
                        f"manifest records #{org.get('events')} with another hash: events were removed or altered")
    for instance in manifest["instances"]:
        seq, head = heads.get(instance["id"], (0, "0" * 64))
        if (seq, head) != (instance["events"], instance["head"]):
            problems.append(f"instance {instance['id']}: the bundle ends at event #{seq}, the manifest records "
                            f"#{instance['events']} with another hash: events were removed or altered")
    result.instances = len(manifest["instances"])


def _rollbacks(bundle: BundleReader, key: note.Key, result: Result) -> list[rollback.Rollback]:
    """The bundle's rollback notes (``rollbacks/``), each signed by the key; reported in ``result.notes``."""
    found = []
    for name in sorted(n for n in bundle.names if n.startswith("rollbacks/")):
        try:
            parsed = rollback.parse_rollback(bundle.text(name))
            rollback.check_rollback(parsed, [key])
        except ValueError as exc:
            result.problems.append(f"{name}: {exc}")
            continue
        found.append(parsed)
        result.notes.append(parsed.describe())
    return found


def _rolled_back_from(bundle: BundleReader, theirs: note.Checkpoint, ours: note.Checkpoint,
                      notes: list[rollback.Rollback]) -> rollback.Rollback | None:
    """A note that rolled back from exactly ``theirs`` to a tree the bundle's checkpoint extends."""
    for found in notes:
        if (found.from_size, found.from_root) != (theirs.size, theirs.root) or found.to_size > ours.size:
            continue
        if found.to_size == ours.size:
            if found.to_root == ours.root:
                return found
            continue
        name = f"consistency/{found.to_size}.json"
        if name in bundle.names and tree.consistent(found.to_size, ours.size, found.to_root, ours.root,
                                                    [_b64(h) for h in json.loads(bundle.text(name))["proof"]]):
            return found
    return None


def _verify_against(bundle: BundleReader, text: str, ours: note.Checkpoint, key: note.Key,
                    problems: list[str], notes: list[rollback.Rollback], result: Result) -> None:
    try:
        theirs = note.parse_checkpoint(text)
    except ValueError as exc:
        problems.append(f"--checkpoint: {exc}")
        return
    if not note.signed_by(text, key):
        problems.append(f"--checkpoint is not signed by {key.name} (key id {key.key_id.hex()})")
    if theirs.origin != ours.origin:
        problems.append(f"--checkpoint is of log {theirs.origin!r}, the bundle's of {ours.origin!r}")
    rolled_back = _rolled_back_from(bundle, theirs, ours, notes)
    if rolled_back is not None:
        result.notes.append(f"--checkpoint (size {theirs.size}) was rolled back by a signed note; the bundle's "
                            f"checkpoint extends the restored tree (size {rolled_back.to_size})")
        return
    if theirs.size > ours.size:
        problems.append(f"--checkpoint (size {theirs.size}) is newer than the bundle's ({ours.size}): export again")
        return
    if theirs.size == ours.size:
        if theirs.root != ours.root:
            problems.append("--checkpoint has the bundle's size but another root: the log forked")
        return
    name = f"consistency/{theirs.size}.json"
    if name not in bundle.names:
        problems.append(f"the bundle holds no consistency proof from size {theirs.size}")
        return
    proof = json.loads(bundle.text(name))
    if not tree.consistent(theirs.size, ours.size, theirs.root, ours.root, [_b64(h) for h in proof["proof"]]):
        problems.append(f"the bundle's checkpoint does not extend --checkpoint (size {theirs.size}): the history "
                        "was rewritten after it")
