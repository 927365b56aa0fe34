"""``opsflow-verify witness``: an auditor's own witness of an opsflow log (C2SP tlog-witness, done by hand).

    opsflow-verify witness init --name NAME           make the witness's Ed25519 key and empty state
    opsflow-verify witness --log-key LOG.vkey --from FOLDER [-o OUT]
    opsflow-verify witness --checkpoint FILE|URL [--proof FILE|URL] [--rollback FILE|URL] [-o OUT]

The witness keeps, per log origin, the last checkpoint it cosigned (size and root) and the log's key
(``state.json`` in its folder, ``$OPSFLOW_WITNESS_DIR`` or ``~/.opsflow-witness``). Given a newer checkpoint it
checks the log's signature and that the tree it saw is a prefix of the new one (RFC 6962 consistency proofs:
the ``consistency-<old>-<new>`` files published beside the checkpoints, walked from the size it saw, or one
given with ``--proof``, e.g. from ``opsflow checkpoint proof SIZE``), then adds its cosignature line
(``cosignature/v1``: timestamp and Ed25519 over ``cosignature/v1\\ntime <t>\\n`` + the checkpoint body; key id
over name ‖ 0x0A ‖ 0x04 ‖ key) and prints the cosigned note. A tree that shrank or forked is refused
(exit 8) unless a rollback note signed by the log starts exactly where the witness stood and the new
checkpoint extends the tree it rolled back to: then it cosigns, says so loudly, and records the rollback.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import struct
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import note, tree
from .rollback import Rollback, parse_rollback

REFUSED, USAGE = 8, 2
COSIGNATURE, ED25519 = b"\x04", b"\x01"


class Refused(Exception):
    """The witness will not cosign: the log does not extend what it saw."""


class Usage(Exception):
    """Missing or unreadable input."""


def cosigner_key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE + public).digest()[:4]


def cosignature_line(key: Ed25519PrivateKey, name: str, body: bytes, timestamp: int) -> str:
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = key.sign(b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body)
    raw = cosigner_key_id(name, public) + struct.pack(">Q", timestamp) + signature
    return f"— {name} {base64.b64encode(raw).decode()}"


def _folder(path: str | None) -> Path:
    return Path(path or os.environ.get("OPSFLOW_WITNESS_DIR") or Path.home() / ".opsflow-witness")


def _fetch(where: str) -> str:
    try:
        if where.startswith(("http://", "https://")):
            with urllib.request.urlopen(where, timeout=30) as answer:  # noqa: S310 (http(s) only)
                return str(answer.read().decode("utf-8"))
        return Path(where).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Usage(f"cannot read {where}: {exc}") from exc


def _write_private(path: Path, content: str) -> None:
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(temp, path)


def init(folder: Path, name: str) -> str:
    """Make the key (``witness.key``, 0600), its verifier key (``witness.vkey``) and an empty state."""
    if not name or any(c.isspace() or c == "+" for c in name):
        raise Usage("a witness name has no spaces and no '+' (e.g. audit.example.com/he.ping)")
    if (folder / "witness.key").exists():
        raise Usage(f"{folder / 'witness.key'} exists already: this folder is a witness")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    _write_private(folder / "witness.key", pem)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    vkey = f"{name}+{cosigner_key_id(name, public).hex()}+{base64.b64encode(COSIGNATURE + public).decode()}"
    (folder / "witness.vkey").write_text(vkey + "\n", encoding="utf-8")
    _write_private(folder / "state.json", json.dumps({"name": name, "logs": {}}, indent=2) + "\n")
    return vkey


@dataclass
class Sources:
    """What the witness was given: signed checkpoints (by (size, root)), proofs and rollback notes."""

    checkpoints: dict[tuple[int, bytes], str] = field(default_factory=dict)
    proofs: list[tuple[int, int, list[bytes]]] = field(default_factory=list)
    rollbacks: list[Rollback] = field(default_factory=list)


def parse_proof(text: str, origin: str) -> tuple[int, int, list[bytes]]:
    lines = text.splitlines()
    if len(lines) < 3 or lines[0] != "consistency/v1" or len(lines[2].split()) != 2:
        raise Usage("not a consistency proof (consistency/v1, origin, old and new size, hashes)")
    if lines[1] != origin:
        raise Usage(f"the consistency proof is for log {lines[1]!r}, not {origin!r}")
    old, new = (int(x) for x in lines[2].split())
    return old, new, [base64.b64decode(h, validate=True) for h in lines[3:]]


def _published(args: argparse.Namespace, prefix: str) -> list[str]:
    """The texts of the files named ``prefix…`` in the ``--from`` folders, by name (so checkpoints by size)."""
    paths: list[Path] = []
    for source in args.source or []:
        folder = Path(source)
        if not folder.is_dir():
            raise Usage(f"{folder} is not a folder (give --checkpoint FILE|URL for single files)")
        paths += [p for p in folder.iterdir() if p.name.startswith(prefix)]
    return [p.read_text(encoding="utf-8") for p in sorted(paths, key=lambda p: p.name)]


def _target(args: argparse.Namespace) -> str:
    if args.checkpoint:
        return _fetch(args.checkpoint)
    texts = _published(args, "checkpoint-")
    if not texts:
        raise Usage("no checkpoint given (--from FOLDER or --checkpoint FILE|URL)")
    return texts[-1]


def _gather(args: argparse.Namespace, key: note.Key) -> tuple[str, Sources]:
    """The checkpoint to cosign and everything that may prove it, each signature checked."""
    found = Sources()
    texts, target = _published(args, "checkpoint-"), _target(args)
    proofs = [_fetch(p) for p in args.proof or []] + _published(args, "consistency-")
    rollbacks = [_fetch(r) for r in args.rollback or []] + _published(args, "rollback-")
    for text in [*texts, target]:
        try:
            cp = note.parse_checkpoint(text)
        except ValueError as exc:
            raise Refused(f"not a checkpoint: {exc}") from exc
        if note.signed_by(text, key):
            found.checkpoints[(cp.size, cp.root)] = text
        elif text is target:
            raise Refused(f"checkpoint {cp.size} is not signed by the log's key {key.name} "
                          f"(id {key.key_id.hex()}): forged, or the log changed its key")
    origin = note.parse_checkpoint(target).origin
    found.proofs = [parse_proof(p, origin) for p in proofs]
    for text in rollbacks:
        try:
            rollback = parse_rollback(text)
        except ValueError as exc:
            raise Refused(f"a rollback note given cannot be read: {exc}") from exc
        if note.signed_by(text, key):
            found.rollbacks.append(rollback)
        else:
            raise Refused(f"the rollback note from {rollback.from_size} to {rollback.to_size} is not signed by the "
                          "log's key: forged or altered")
    return target, found


def extends(found: Sources, start: tuple[int, bytes], goal: tuple[int, bytes]) -> bool:
    """Whether a chain of consistency proofs, through signed checkpoints, leads from ``start`` to ``goal``."""
    if start == goal:
        return True
    if start[0] >= goal[0]:
        return False
    nodes = {start, goal, *found.checkpoints}
    reached, frontier = {start}, [start]
    while frontier:
        size, root = frontier.pop()
        for old, new, proof in found.proofs:
            if old != size:
                continue
            for node in nodes:
                if node[0] == new and node not in reached and tree.consistent(old, new, root, node[1], proof):
                    if node == goal:
                        return True
                    reached.add(node)
                    frontier.append(node)
    return False


def judge(seen: dict[str, object] | None, target: note.Checkpoint, found: Sources) -> tuple[str, Rollback | None]:
    """Why the witness may cosign ``target``, and the rollback that allows it. :raise Refused:"""
    goal = (target.size, target.root)
    if seen is None:
        return f"first checkpoint of {target.origin} this witness sees (size {target.size}): nothing to compare", None
    size, root = int(str(seen["size"])), base64.b64decode(str(seen["root"]))
    if extends(found, (size, root), goal):
        return f"extends the checkpoint of size {size} this witness cosigned", None
    for rollback in found.rollbacks:
        if (rollback.from_size, rollback.from_root) == (size, root) and \
                extends(found, (rollback.to_size, rollback.to_root), goal):
            return f"ROLLBACK acknowledged: {rollback.describe()}", rollback
    if target.size < size:
        why = f"the tree shrank from {size} to {target.size}"
    elif target.size == size:
        why = f"it has size {size}, as the one cosigned, but another root: a fork"
    else:
        why = (f"no consistency proof leads from the tree of size {size} this witness cosigned to it (a log that "
               "only appended can always give one)")
    raise Refused(f"checkpoint {target.size} of {target.origin} is not consistent with the checkpoint of size {size} "
                  f"this witness cosigned on {seen.get('cosigned_at', '?')}: {why}. Not cosigned; the log was "
                  "rewritten, forked or rolled back without a signed rollback note")


def witness(args: argparse.Namespace) -> int:
    folder = _folder(args.dir)
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        private = serialization.load_pem_private_key((folder / "witness.key").read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise Usage(f"{folder} is not a witness folder (run 'opsflow-verify witness init --name NAME'): {exc}") \
            from exc
    assert isinstance(private, Ed25519PrivateKey)
    logs: dict[str, dict[str, object]] = state["logs"]
    origin = note.parse_checkpoint(_target(args)).origin
    seen = logs.get(origin)
    if args.log_key:
        key = note.parse_key(_fetch(args.log_key))
    elif seen is not None:
        key = note.parse_key(str(seen["log_key"]))
    else:
        raise Usage(f"this witness has not seen log {origin} yet: give its verifier key (--log-key FILE, e.g. the "
                    "published log.vkey, obtained from its operators in person) the first time")
    target_text, found = _gather(args, key)
    target = note.parse_checkpoint(target_text)
    if seen is not None and seen.get("log_key") != _key_text(key):
        raise Refused(f"the log {target.origin} was witnessed with another key ({seen.get('log_key')}): a log that "
                      "changes its key is a new log; refusing")
    reason, rollback = judge(seen, target, found)
    now = int(time.time())
    line = cosignature_line(private, state["name"], target_text.partition("\n\n")[0].encode() + b"\n", now)
    cosigned = target_text.rstrip("\n") + "\n" + line + "\n"
    record: dict[str, object] = {
        "log_key": _key_text(key), "size": target.size, "root": base64.b64encode(target.root).decode(),
        "cosigned_at": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
        "rollbacks": [*(seen or {}).get("rollbacks", []),  # type: ignore[misc]
                      *([{"text": rollback.text, "seen_at": now}] if rollback else [])]}
    logs[target.origin] = record
    _write_private(folder / "state.json", json.dumps(state, indent=2) + "\n")
    if rollback is not None:
        print("!" * 72, file=sys.stderr)
        print(reason, file=sys.stderr)
        print("!" * 72, file=sys.stderr)
    if args.out:
        Path(args.out).write_text(cosigned, encoding="utf-8")
        print(f"cosigned checkpoint {target.size} of {target.origin} ({reason}): {args.out}")
    else:
        sys.stdout.write(cosigned)
    return 0


def _key_text(key: note.Key) -> str:
    return f"{key.name}+{key.key_id.hex()}+{base64.b64encode(ED25519 + key.public).decode()}"


def main(argv: Sequence[str]) -> int:
    argv = list(argv)
    try:
        if argv[:1] == ["init"]:
            parser = argparse.ArgumentParser(prog="opsflow-verify witness init",
                                             description="Make this witness's Ed25519 key and empty state.")
            parser.add_argument("--name", required=True, help="the witness's name, e.g. audit.example.com/he.ping")
            parser.add_argument("--dir", help="the witness folder (default $OPSFLOW_WITNESS_DIR, ~/.opsflow-witness)")
            args = parser.parse_args(argv[1:])
            vkey = init(_folder(args.dir), args.name)
            print(f"witness made in {_folder(args.dir)}; give the log's operators this verifier key "
                  f"(OPSFLOW_WITNESSES):\n{vkey}")
            return 0
        parser = argparse.ArgumentParser(prog="opsflow-verify witness", description="Check a new checkpoint "
                                         "against the last one this witness cosigned, and cosign it.")
        parser.add_argument("--dir", help="the witness folder (default $OPSFLOW_WITNESS_DIR, ~/.opsflow-witness)")
        parser.add_argument("--log-key", metavar="VKEY", help="the log's verifier key (file or URL), the first time")
        parser.add_argument("--from", dest="source", action="append", metavar="FOLDER",
                            help="a folder of published checkpoints and proofs (may be given more than once)")
        parser.add_argument("--checkpoint", metavar="FILE|URL", help="the checkpoint to cosign (default: the "
                                                                     "latest in --from)")
        parser.add_argument("--proof", action="append", metavar="FILE|URL", help="a consistency proof")
        parser.add_argument("--rollback", action="append", metavar="FILE|URL", help="a rollback note")
        parser.add_argument("-o", "--out", metavar="FILE", help="write the cosigned note here (default: stdout)")
        return witness(parser.parse_args(argv[1:] if argv[:1] == ["cosign"] else argv))
    except Refused as exc:
        print(f"REFUSED: {exc}", file=sys.stderr)
        return REFUSED
    except (Usage, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
