"""Witnesses: people off the server who cosign checkpoints, and the consistency proofs they check first.

A witness (``opsflow-verify witness``, run by an auditor on their own machine with their own Ed25519 key)
keeps the last checkpoint it cosigned for the log; given a newer one and an RFC 6962 consistency proof from
that size, it checks both and adds a C2SP ``cosignature/v1`` line::

    — <witness name> base64(key id ‖ timestamp (8 bytes, big-endian) ‖ Ed25519 signature)

signed over ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint's body; the key id is the
first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key), and the witness's verifier key is
``<name>+<hex key id>+<base64(0x04 ‖ public key)>`` (C2SP signed-note, signature type 0x04).

Cosignatures are kept as files beside the checkpoints (``cosignatures/<checkpoint file>/<hex key id>``), not
in the database: they are signatures that check themselves, they travel (and are published and backed up)
with the checkpoints they sign, and someone who rewrites the database can only delete them, which the quorum
check then reports. Consistency proofs are files there too: ``consistency-<old size>-<new size>-<root>``, one per
checkpoint from the one before it (``proof_text``), so that a witness that saw any earlier checkpoint can
walk the chain.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import InvalidInput, NotFound
from .checkpoints import Checkpoint, CheckpointSettings
from .tiles import write_once

COSIGNATURE = b"\x04"
COSIGNATURES = "cosignatures"
PROOF_HEAD = "consistency/v1"
_PROOF_NAME = re.compile(r"^consistency-(\d{12})-(\d{12})(?:-[0-9a-f]{8})?$")


@dataclass(frozen=True)
class WitnessKey:
    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public)


@dataclass(frozen=True)
class Cosignature:
    """One witness's cosignature on one checkpoint, as checked now."""

    witness: str
    key_id: str  # hex
    timestamp: int  # seconds since the epoch, as the witness signed it
    valid: bool

    @property
    def at(self) -> str:
        return datetime.fromtimestamp(self.timestamp, UTC).isoformat().replace("+00:00", "Z")


def cosigner_key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + COSIGNATURE + public).digest()[:4]


def witness_verifier_key(name: str, public: bytes) -> str:
    return f"{name}+{cosigner_key_id(name, public).hex()}+{base64.b64encode(COSIGNATURE + public).decode()}"


def parse_witness_key(text: str) -> WitnessKey:
    """A witness's verifier key ``name+hexid+base64(0x04 ‖ key)``. :raise InvalidInput:"""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise InvalidInput(f"not a witness verifier key (name+id+key): {text.strip()[:60]!r}")
    try:
        raw = base64.b64decode(parts[2], validate=True)
    except ValueError as exc:
        raise InvalidInput(f"not a witness verifier key: {exc}") from exc
    if len(raw) != 33 or raw[:1] != COSIGNATURE:
        raise InvalidInput(f"{parts[0]}: not an Ed25519 cosignature/v1 verifier key (type 0x04)")
    key = WitnessKey(parts[0], raw[1:])
    if key.key_id.hex() != parts[1]:
        raise InvalidInput(f"{parts[0]}: the key id does not match the name and key")
    return key


def witness_keys(setting: str) -> tuple[WitnessKey, ...]:
    """``OPSFLOW_WITNESSES``: verifier keys separated by commas or white space, or files holding them."""
    keys: list[WitnessKey] = []
    for item in re.split(r"[\s,]+", setting.strip()):
        if not item:
            continue
        if "+" not in item and Path(item).is_file():
            keys += [parse_witness_key(line) for line in Path(item).read_text().splitlines() if line.strip()]
        else:
            keys.append(parse_witness_key(item))
    return tuple(keys)


def cosigned_message(body: bytes, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: a header, the time, then the checkpoint's body."""
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body


def read_line(line: str, key: WitnessKey, body: bytes) -> Cosignature | None:
    """The cosignature a note line holds for ``key`` (checked over ``body``), None when it is not one of it."""
    if not line.startswith(f"— {key.name} "):
        return None
    try:
        raw = base64.b64decode(line.rsplit(" ", 1)[1], validate=True)
    except ValueError:
        return None
    if len(raw) != 76 or raw[:4] != key.key_id:
        return None
    (timestamp,) = struct.unpack(">Q", raw[4:12])
    try:
        Ed25519PublicKey.from_public_bytes(key.public).verify(raw[12:], cosigned_message(body, timestamp))
        valid = True
    except InvalidSignature:
        valid = False
    return Cosignature(key.name, key.key_id.hex(), timestamp, valid)


def _folder(settings: CheckpointSettings, checkpoint: Checkpoint) -> Path:
    return settings.directory / COSIGNATURES / Path(checkpoint.file or f"size-{checkpoint.size}").name


def witness_lines(settings: CheckpointSettings, checkpoint: Checkpoint) -> list[str]:
    """The configured witnesses' cosignatures on ``checkpoint`` as lines a person reads: witness, key id, time,
    and ✗ for one that does not verify (the checkpoints page and the case file)."""
    return [f"{c.witness} {c.key_id} {c.at}{'' if c.valid else ' ✗'}" for c in cosignatures_of(settings, checkpoint)]


def cosignatures_of(settings: CheckpointSettings, checkpoint: Checkpoint) -> list[Cosignature]:
    """The configured witnesses' cosignatures on ``checkpoint`` (stored beside it or in its own text)."""
    folder = _folder(settings, checkpoint)
    lines = checkpoint.text.partition("\n\n")[2].splitlines()
    if folder.is_dir():
        lines += [line for f in sorted(folder.iterdir()) for line in f.read_text(errors="replace").splitlines()]
    found: dict[str, Cosignature] = {}
    for key in settings.witnesses:
        for line in lines:
            cosig = read_line(line, key, checkpoint.body)
            if cosig is not None and (cosig.valid or key.name not in found):
                found[key.name] = cosig
    return list(found.values())


def quorum_problem(settings: CheckpointSettings, checkpoint: Checkpoint) -> str | None:
    """Why ``checkpoint`` lacks its quorum of valid cosignatures, or None (also when no witness is configured)."""
    if not settings.witnesses:
        return None
    good = {c.witness for c in cosignatures_of(settings, checkpoint) if c.valid}
    if len(good) >= settings.quorum:
        return None
    missing = [k.name for k in settings.witnesses if k.name not in good]
    named = Path(checkpoint.file).name if checkpoint.file else "the checkpoint"
    return (f"checkpoint {checkpoint.size} ({named}) was never cosigned by witness "
            + ", ".join(missing) + f": {len(good)} of the {settings.quorum} cosignature(s) required; a tree the "
            "witnesses never saw (a forged or re-signed one, or one they refused) cannot be trusted")


@dataclass(frozen=True)
class StoredCosignatures:
    checkpoint: str  # its file name
    size: int
    witnesses: list[str]  # whose cosignatures were stored


def store_cosignatures(settings: CheckpointSettings, stored: Sequence[Checkpoint], text: str) -> StoredCosignatures:
    """Keep the configured witnesses' valid cosignatures of a cosigned note (a checkpoint with their lines).

    :raise InvalidInput: no witness is configured, or the note holds no valid cosignature of one.
    :raise NotFound: no stored checkpoint has the note's body.
    """
    if not settings.witnesses:
        raise InvalidInput("no witness is configured (OPSFLOW_WITNESSES): cosignatures of unknown keys are not kept")
    body = text.partition("\n\n")[0].encode("utf-8") + b"\n"
    checkpoint = next((c for c in stored if c.body == body), None)
    if checkpoint is None:
        raise NotFound("no checkpoint here has the body of the cosigned note: it is not one of this log's")
    lines = text.partition("\n\n")[2].splitlines()
    kept: list[str] = []
    for key in settings.witnesses:
        for line in lines:
            cosig = read_line(line, key, checkpoint.body)
            if cosig is None:
                continue
            if not cosig.valid:
                raise InvalidInput(f"the cosignature of witness {key.name} does not verify over checkpoint "
                                   f"{checkpoint.size}")
            write_once(_folder(settings, checkpoint) / cosig.key_id, (line + "\n").encode("utf-8"))
            kept.append(key.name)
            break
    if not kept:
        raise InvalidInput("the note holds no cosignature of a configured witness (OPSFLOW_WITNESSES)")
    return StoredCosignatures(Path(checkpoint.file or "").name, checkpoint.size, kept)


# -- consistency proofs as files -----------------------------------------------------------------

def proof_text(origin: str, old_size: int, new_size: int, proof: Sequence[bytes]) -> str:
    """``consistency/v1``, the origin, ``<old size> <new size>``, then one base64 hash a line."""
    return "".join([f"{PROOF_HEAD}\n{origin}\n{old_size} {new_size}\n",
                    *(base64.b64encode(h).decode() + "\n" for h in proof)])


def proof_name(old_size: int, new_size: int, new_root: bytes) -> str:
    """The proof's file name: its sizes and the first 4 bytes of the root it leads to (after a restore rolled
    history back, the same sizes can come again with another tree: each proof keeps its own file)."""
    return f"consistency-{old_size:012d}-{new_size:012d}-{new_root[:4].hex()}"


def write_proof(settings: CheckpointSettings, old_size: int, new_size: int, new_root: bytes,
                proof: Sequence[bytes]) -> Path:
    path = settings.directory / proof_name(old_size, new_size, new_root)
    write_once(path, proof_text(settings.origin, old_size, new_size, proof).encode("utf-8"))
    return path


def proofs_to(settings: CheckpointSettings, new_size: int) -> list[Path]:
    """The stored proof files that end at ``new_size``."""
    if not settings.directory.is_dir():
        return []
    return sorted(p for p in settings.directory.iterdir()
                  if (m := _PROOF_NAME.match(p.name)) and int(m.group(2)) == new_size)
