"""Signed checkpoints of the history tree, kept outside the database (C2SP tlog-checkpoint + signed-note).

A checkpoint is the note text ``<origin>\\n<tree size>\\n<base64 root hash>\\n``, a blank line, and one
signature line per signer: ``— <key name> <base64(key id ‖ Ed25519 signature)>``, where the key id
is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key) and the signature is over the
note text. Each one is written once, as ``checkpoint-<size, 12 digits>-<UTC time>`` in the checkpoint
directory (``OPSFLOW_CHECKPOINT_DIR``), next to the leaf tiles (``tiles``).

The signing key (``OPSFLOW_SIGNING_KEY``, PEM, mode 0600) is created on first use; its public key is
published next to it as ``<key>.pub`` in the signed-note verifier format
``<name>+<hex key id>+<base64(0x01 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import HistoryTampered, InvalidInput
from ..private_files import private_folder, write_private
from .tiles import write_once

if TYPE_CHECKING:
    from .publish import PublishSettings
    from .witnesses import WitnessKey

DEFAULT_ORIGIN = "opsflow/history"
ED25519 = b"\x01"
_NAME = re.compile(r"^checkpoint-(\d{12})-(\d{8}T\d{6}Z)$")
# A rollback note (``engine.history.rollback``): a restore put back a tree older than the latest checkpoint.
ROLLBACK_NAME = re.compile(r"^rollback-(\d{12})-(\d{12})-(\d{8}T\d{6}Z)$")
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class CheckpointSettings:
    """Where the evidence outside the database lives, and the name it is signed under."""

    directory: Path
    signing_key: Path
    origin: str = DEFAULT_ORIGIN
    # the witnesses whose cosignatures verify requires (OPSFLOW_WITNESSES), and how many of them
    witnesses: tuple[WitnessKey, ...] = ()
    quorum: int = 0
    publish: PublishSettings | None = None  # where each new checkpoint goes (OPSFLOW_PUBLISH_*)
    # the exposure window: the worker signs after this many new events, or when the latest is this old
    after_events: int = 100
    max_age: timedelta = timedelta(minutes=5)
    # The leaves of the last checkpoint whose tiles reproduced its signed root: (size, root) -> (hashes, names).
    # A verified copy of a signed tree, kept so that checking one instance does not re-read every tile.
    verified_trees: dict[tuple[int, bytes], tuple[list[bytes], list[tuple[int, int]]]] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_env(cls, instance_dir: Path) -> CheckpointSettings:
        """``OPSFLOW_CHECKPOINT_DIR``, ``OPSFLOW_SIGNING_KEY``, ``OPSFLOW_CHECKPOINT_ORIGIN``, the witnesses
        (``OPSFLOW_WITNESSES``, ``OPSFLOW_WITNESS_QUORUM``) and ``OPSFLOW_PUBLISH_*``, or the defaults.

        :raise InvalidInput: a witness key or the quorum does not hold together."""
        from .publish import PublishSettings
        from .witnesses import witness_keys

        witnesses = witness_keys(os.environ.get("OPSFLOW_WITNESSES") or "")
        quorum_text = (os.environ.get("OPSFLOW_WITNESS_QUORUM") or "").strip()
        if quorum_text and not quorum_text.isdigit():
            raise InvalidInput(f"OPSFLOW_WITNESS_QUORUM must be a whole number, not {quorum_text!r}")
        quorum = int(quorum_text) if quorum_text else min(1, len(witnesses))
        if witnesses and not 1 <= quorum <= len(witnesses):
            raise InvalidInput(f"OPSFLOW_WITNESS_QUORUM is {quorum} but {len(witnesses)} witness(es) are configured")
        return cls(Path(os.environ.get("OPSFLOW_CHECKPOINT_DIR") or instance_dir / "checkpoints"),
                   Path(os.environ.get("OPSFLOW_SIGNING_KEY") or instance_dir / "signing_key"),
                   os.environ.get("OPSFLOW_CHECKPOINT_ORIGIN") or DEFAULT_ORIGIN, witnesses, quorum,
                   PublishSettings.from_env(), _whole("OPSFLOW_CHECKPOINT_EVENTS", 100),
                   timedelta(minutes=_whole("OPSFLOW_CHECKPOINT_MINUTES", 5)))

    @property
    def public_key_file(self) -> Path:
        return self.signing_key.with_name(self.signing_key.name + ".pub")


def _whole(name: str, default: int) -> int:
    """A positive whole-number setting. :raise InvalidInput:"""
    text = (os.environ.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str  # the whole signed note, as stored
    made_at: str | None = None  # from the file name (UTC, ISO 8601)
    file: str | None = None

    @property
    def body(self) -> bytes:
        return self.text.split("\n\n", 1)[0].encode("utf-8") + b"\n"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    """The signed-note verifier key text: ``name+hexid+base64(0x01 ‖ key)``."""
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    """(name, 32-byte public key) of a verifier key. :raise InvalidInput:"""
    parts = text.strip().split("+", 2)  # a key name holds no "+"; base64 may
    if len(parts) != 3:
        raise InvalidInput("not a verifier key (name+id+key)")
    name, hex_id, rest = parts
    try:
        raw = base64.b64decode(rest, validate=True)
    except ValueError as exc:
        raise InvalidInput(f"not a verifier key: {exc}") from exc
    if not name or len(raw) != 33 or raw[:1] != ED25519 or key_id(name, raw[1:]).hex() != hex_id:
        raise InvalidInput("not an Ed25519 signed-note verifier key (name+id+key)")
    return name, raw[1:]


def _public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_or_create_key(settings: CheckpointSettings) -> Ed25519PrivateKey:
    """The signing key, created (mode 0600) with its public key beside it on first use."""
    path = settings.signing_key
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(f"{path} is not an Ed25519 private key")
    else:
        key = Ed25519PrivateKey.generate()
        private_folder(path.parent)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
    public = verifier_key(settings.origin, _public_bytes(key.public_key())) + "\n"
    if not settings.public_key_file.exists() or settings.public_key_file.read_text() != public:
        write_private(settings.public_key_file, public.encode())
    return key


def public_key(settings: CheckpointSettings) -> tuple[str, bytes] | None:
    """The published verifier key (name, key), or None when no key was made yet."""
    if settings.public_key_file.exists():
        return parse_verifier_key(settings.public_key_file.read_text())
    return None


def sign_note(key: Ed25519PrivateKey, name: str, body: str) -> str:
    """A signed note: ``body`` (ending in a newline), a blank line, the signature line of ``name``."""
    signature = key.sign(body.encode("utf-8"))
    ident = key_id(name, _public_bytes(key.public_key()))
    return f"{body}\n— {name} {base64.b64encode(ident + signature).decode()}\n"


def sign(key: Ed25519PrivateKey, origin: str, size: int, root: bytes) -> str:
    return sign_note(key, origin, f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n")


def parse(text: str, file: str | None = None) -> Checkpoint:
    """:raise HistoryTampered: not a checkpoint."""
    body, sep, _ = text.partition("\n\n")
    lines = body.split("\n")
    if not sep or len(lines) < 3 or not lines[1].isdigit():
        raise HistoryTampered(f"{file or 'the checkpoint'} is not a checkpoint (origin, size, root hash, signature)")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as exc:
        raise HistoryTampered(f"{file or 'the checkpoint'}: its root hash is not base64") from exc
    made_at = None
    match = _NAME.match(Path(file).name) if file else None
    if match:
        made_at = datetime.strptime(match.group(2), _STAMP).replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    return Checkpoint(lines[0], int(lines[1]), root, text, made_at, file)


def signature_ok(checkpoint: Checkpoint, name: str, public: bytes) -> bool:
    """Whether a signature line by ``name`` with the key's id verifies over the note text."""
    verifier = Ed25519PublicKey.from_public_bytes(public)
    ident = key_id(name, public)
    for line in checkpoint.text.partition("\n\n")[2].splitlines():
        if not line.startswith(f"— {name} "):
            continue
        try:
            raw = base64.b64decode(line.rsplit(" ", 1)[1], validate=True)
        except ValueError:
            continue
        if raw[:4] != ident or len(raw) != 68:
            continue
        try:
            verifier.verify(raw[4:], checkpoint.body)
            return True
        except InvalidSignature:
            return False
    return False


def write(settings: CheckpointSettings, text: str, size: int, now: datetime) -> Path:
    path = settings.directory / f"checkpoint-{size:012d}-{now.astimezone(UTC).strftime(_STAMP)}"
    write_once(path, text.encode("utf-8"))
    return path


def trail(settings: CheckpointSettings) -> list[Path]:
    """The checkpoints and rollback notes in the order they were made: epoch by epoch (a rollback note starts
    one: the checkpoints made at or after its time), and within an epoch by size, not by time, so that
    workers whose clocks differ a little never put a checkpoint before a smaller one. A restore waits for a
    new second before it writes its note, so no checkpoint of the epoch before shares the note's second."""
    if not settings.directory.is_dir():
        return []
    names = [p for p in settings.directory.iterdir() if _NAME.match(p.name) or ROLLBACK_NAME.match(p.name)]
    notes = sorted(m.group(3) for p in names if (m := ROLLBACK_NAME.match(p.name)))

    def order(path: Path) -> tuple[int, int, int, str]:
        if match := _NAME.match(path.name):
            return bisect.bisect_right(notes, match.group(2)), 1, int(match.group(1)), match.group(2)
        stamp = path.name.rsplit("-", 1)[1]
        return bisect.bisect_left(notes, stamp) + 1, 0, 0, stamp

    return sorted(names, key=order)


def stored(settings: CheckpointSettings) -> list[Path]:
    """The checkpoint files, oldest first (epoch by epoch; in one epoch, the smallest first)."""
    return [p for p in trail(settings) if _NAME.match(p.name)]


def epoch(settings: CheckpointSettings) -> list[Path]:
    """The checkpoint files since the last rollback note (all of them when there is none): the ones the
    current tree extends."""
    current: list[Path] = []
    for path in trail(settings):
        current = [*current, path] if _NAME.match(path.name) else []
    return current


def read(path: Path) -> Checkpoint:
    """:raise InvalidInput: no such file; :raise HistoryTampered: not a checkpoint."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the checkpoint {path}: {exc}") from exc
    return parse(text, str(path))


def latest(settings: CheckpointSettings) -> Checkpoint | None:
    files = stored(settings)
    return read(files[-1]) if files else None
