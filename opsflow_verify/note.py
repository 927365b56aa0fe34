"""C2SP signed notes (checkpoints and the bundle's manifest signature), Ed25519 via ``cryptography``."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True)
class Key:
    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n\x01" + self.public).digest()[:4]


def parse_key(text: str) -> Key:
    """A signed-note verifier key: ``name+hexid+base64(0x01 ‖ public key)``. :raise ValueError:"""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise ValueError("not a verifier key (name+id+key)")
    raw = base64.b64decode(parts[2], validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    key = Key(parts[0], raw[1:])
    if key.key_id.hex() != parts[1]:
        raise ValueError("the verifier key's id does not match its name and key")
    return key


def signed_by(note: str, key: Key) -> bool:
    """Whether the note carries a good signature line of ``key`` over its text."""
    body, sep, signatures = note.partition("\n\n")
    if not sep:
        return False
    verifier = Ed25519PublicKey.from_public_bytes(key.public)
    for line in signatures.splitlines():
        if not line.startswith(f"— {key.name} "):
            continue
        try:
            raw = base64.b64decode(line.rsplit(" ", 1)[1], validate=True)
        except ValueError:
            continue
        if len(raw) == 68 and raw[:4] == key.key_id:
            try:
                verifier.verify(raw[4:], (body + "\n").encode())
                return True
            except InvalidSignature:
                return False
    return False


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def parse_checkpoint(note: str) -> Checkpoint:
    """:raise ValueError:"""
    lines = note.partition("\n\n")[0].split("\n")
    if len(lines) < 3 or not lines[1].isdigit():
        raise ValueError("not a checkpoint (origin, tree size, root hash)")
    return Checkpoint(lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True))
