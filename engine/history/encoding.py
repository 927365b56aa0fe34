"""The pinned byte encoding of a history event: what its chain hash and its tree leaf are computed over.

Two encodings exist, and every event records which one it was hashed with (``history_event.encoding``):

- **1** (events written before migration 0007): ``json.dumps(sort_keys=True, ensure_ascii=False,
  separators=(",", ":"))`` of the list ``[prev_hash, instance_id, seq, kind, occurred_at, actor,
  task_name, human_task_id, payload_json]``, with the payload as its stored text. Kept as it was, so
  old events stay verifiable; they are never rehashed (a migration that rewrites hashes is exactly
  what an attacker would do).
- **2** (all new events): RFC 8785 (JSON Canonicalization Scheme) of the object
  ``{"encoding": 2, "prev_hash", "instance_id", "seq", "kind", "occurred_at", "actor", "task_name",
  "human_task_id", "payload"}`` with the payload as a JSON value; the stored ``payload_json`` is the
  RFC 8785 text of the payload.

The chain hash is SHA-256 of these bytes; the event's Merkle leaf is the same bytes (RFC 6962:
SHA-256(0x00 ‖ bytes)), so the leaf commits to the chain hash as well. ``docs/history-encoding.md``
describes both, and ``docs/history-encoding-vectors.json`` holds test vectors.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import rfc8785

from ..clock import utc_iso

LEGACY_ENCODING = 1
ENCODING = 2
MAX_SAFE_INTEGER = 2**53 - 1


class NotEncodable(ValueError):
    """A value RFC 8785 cannot encode exactly (an integer beyond ±(2**53 - 1), NaN, an infinity)."""


def legacy_json(value: Any) -> str:
    """Encoding 1's text form (not a published canonical form: kept only for old events)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _plain(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value`` exactly as RFC 8785 does: no floats, integers in the
    safe range, ASCII keys (so that code point order is UTF-16 order)."""
    kind = type(value)  # the exact built-in types first (every step hashes its payloads): loops, not generators
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii() or not _plain(item):
                return False
        return True
    if kind is list:
        return all(map(_plain, value))
    return _plain_subclass(value)


def _plain_subclass(value: Any) -> bool:
    """``_plain`` for subclasses of the built-in types (a ``str`` enum, a ``defaultdict``)."""
    if isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return False


def canonical(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value.

    Values without floats, with safe integers and ASCII keys take ``json.dumps``, which writes the
    same bytes for them (tests compare both on the vectors and on generated values); everything else
    goes through the ``rfc8785`` package.

    :raise NotEncodable:
    """
    return canonical_and_plain(value)[0]


def canonical_and_plain(value: Any) -> tuple[bytes, bool]:
    """``canonical(value)``, and whether the value is plain (``_plain``: it reads back from those bytes as the same
    value, no float turned integer). :raise NotEncodable:"""
    try:
        if _plain(value):
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"), True
        return rfc8785.dumps(value), False
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        raise NotEncodable(str(exc)) from exc


def canonical_text(value: Any) -> str:
    return canonical(value).decode("utf-8")


def event_record(
    prev_hash: str, instance_id: int | None, seq: int, kind: str, occurred_at: str, actor: str | None,
    task_name: str | None, human_task_id: int | None, payload: Any,
) -> dict[str, Any]:
    """The object that encoding 2 canonicalizes (``occurred_at`` as ``clock.utc_iso`` text)."""
    return {"encoding": ENCODING, "prev_hash": prev_hash, "instance_id": instance_id, "seq": seq, "kind": kind,
            "occurred_at": occurred_at, "actor": actor, "task_name": task_name, "human_task_id": human_task_id,
            "payload": payload}


def event_bytes(
    encoding: int, prev_hash: str, instance_id: int | None, seq: int, kind: str, occurred_at: datetime | str,
    actor: str | None, task_name: str | None, human_task_id: int | None, payload_json: str,
) -> bytes:
    """The bytes an event's chain hash and tree leaf are computed over, in the event's own encoding.

    :raise NotEncodable: (encoding 2) a payload RFC 8785 cannot encode; :raise ValueError: a payload
        that is not JSON, or an unknown encoding.
    """
    at = occurred_at if isinstance(occurred_at, str) else utc_iso(occurred_at)
    if encoding == LEGACY_ENCODING:
        return legacy_json([prev_hash, instance_id, seq, kind, at, actor, task_name, human_task_id,
                            payload_json]).encode("utf-8")
    if encoding == ENCODING:
        return canonical(event_record(prev_hash, instance_id, seq, kind, at, actor, task_name, human_task_id,
                                      json.loads(payload_json)))
    raise ValueError(f"unknown history encoding {encoding}")


def chain_hash(material: bytes) -> str:
    return hashlib.sha256(material).hexdigest()


def event_hash(
    prev_hash: str, instance_id: int | None, seq: int, kind: str, occurred_at: datetime | str, actor: str | None,
    task_name: str | None, human_task_id: int | None, payload_json: str, encoding: int = ENCODING,
) -> str:
    """An event's chain hash (hex SHA-256 of ``event_bytes``)."""
    return chain_hash(event_bytes(encoding, prev_hash, instance_id, seq, kind, occurred_at, actor, task_name,
                                  human_task_id, payload_json))


_PAYLOAD_SLOT = b'"payload":null,"prev_hash":'


def spliced_event_hash(
    prev_hash: str, instance_id: int | None, seq: int, kind: str, occurred_at: datetime, actor: str | None,
    task_name: str | None, human_task_id: int | None, payload_text: str,
) -> str:
    """``event_hash`` (encoding 2) of an event whose payload is already in its canonical text, as
    ``canonical_and_plain`` has just written it for a plain value: RFC 8785 writes an object member by member, so
    the record's bytes are its other members' with that text in the payload's place, and the payload is not parsed
    and written again. Only for such text (which reads back as the same value): a stored payload is read as JSON
    first (``event_hash``), and so is one with floats (a float may read back as an integer the record cannot hold).

    :raise NotEncodable:
    """
    record = canonical(event_record(prev_hash, instance_id, seq, kind, utc_iso(occurred_at), actor, task_name,
                                    human_task_id, None))
    before, after = record.split(_PAYLOAD_SLOT, 1)  # no string holds it: a quote inside one is escaped
    return chain_hash(b"".join((before, b'"payload":', payload_text.encode("utf-8"), b',"prev_hash":', after)))
