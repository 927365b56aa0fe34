"""Rollback notes: the signed record that a restore put back a history older than the latest checkpoint.

A rollback note is a C2SP signed note (the checkpoints' format) whose body is eight lines::

    <origin> rollback
    <from size>          the latest checkpoint's tree size before the restore (N)
    <base64 from root>   that checkpoint's root
    <to size>            the restored tree's size (M)
    <base64 to root>     the restored tree's root at size M
    <by>                 who restored it ("operator" from the command line)
    <UTC time>           ISO 8601, ending in Z
    <reason>             one line, no control characters

It is stored as ``rollback-<from size, 12 digits>-<to size, 12 digits>-<UTC %Y%m%dT%H%M%SZ>`` in the checkpoint
directory, and a checkpoint at size M follows it. A checkpoint of size N whose root the current tree does not
hold is then not tampering: the note, signed with the log's key, says the history was rolled back, by whom
and why. Standard library and ``cryptography`` only (``note``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import note

FILE_NAME = re.compile(r"^rollback-(\d{12})-(\d{12})-(\d{8}T\d{6}Z)$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]")
KEYWORD = "rollback"


@dataclass(frozen=True)
class Rollback:
    origin: str
    from_size: int
    from_root: bytes
    to_size: int
    to_root: bytes
    by: str
    at: str  # UTC, ISO 8601 with Z
    reason: str
    text: str  # the whole signed note, as stored

    def describe(self) -> str:
        """The words a report uses: "rolled back from N to M on <time> by <by>: <reason>"."""
        return f"rolled back from {self.from_size} to {self.to_size} on {self.at} by {self.by}: {self.reason}"


def body(origin: str, from_size: int, from_root: bytes, to_size: int, to_root: bytes, by: str, at: str,
         reason: str) -> str:
    """The note's body (to be signed). :raise ValueError: a field that cannot go into a note."""
    for name, value in (("origin", origin), ("by", by), ("reason", reason)):
        if not value.strip() or _CONTROL.search(value) or value != value.strip():
            raise ValueError(f"the rollback's {name} must be one non-empty line without control characters")
    if not _TIME.match(at):
        raise ValueError(f"the rollback's time {at!r} is not UTC ISO 8601 ending in Z")
    if from_size < 0 or to_size < 0:
        raise ValueError("tree sizes are not negative")
    return (f"{origin} {KEYWORD}\n{from_size}\n{base64.b64encode(from_root).decode()}\n{to_size}\n"
            f"{base64.b64encode(to_root).decode()}\n{by}\n{at}\n{reason}\n")


def _root(text: str, which: str) -> bytes:
    try:
        root = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ValueError(f"the rollback note's {which} root is not base64") from exc
    if len(root) != 32:
        raise ValueError(f"the rollback note's {which} root is not a SHA-256 hash")
    return root


def parse_rollback(text: str) -> Rollback:
    """The note's fields. :raise ValueError: not a rollback note (the message says what is wrong)."""
    head, sep, signatures = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not signatures.strip():
        raise ValueError("not a signed note: no blank line and signature lines after the body")
    if len(lines) != 8:
        raise ValueError(f"a rollback note's body has 8 lines, this one {len(lines)}")
    origin, _, keyword = lines[0].rpartition(" ")
    if keyword != KEYWORD or not origin:
        raise ValueError("not a rollback note: its first line is not '<origin> rollback'")
    if not lines[1].isdigit() or not lines[3].isdigit():
        raise ValueError("the rollback note's tree sizes are not numbers")
    from_size, to_size = int(lines[1]), int(lines[3])
    from_root, to_root = _root(lines[2], "from"), _root(lines[4], "to")
    by, at, reason = lines[5], lines[6], lines[7]
    if body(origin, from_size, from_root, to_size, to_root, by, at, reason) != head + "\n":
        raise ValueError("the rollback note is not in canonical form (sizes, roots, who, when, why)")
    return Rollback(origin, from_size, from_root, to_size, to_root, by, at, reason, text)


def check_rollback(rollback: Rollback, verifier_keys: Iterable[note.Key | str]) -> None:
    """The note is signed by one of the keys, and says something a rollback can say.

    ``verifier_keys``: the log's key(s), as ``note.Key`` or verifier key text (``name+hexid+base64``).
    :raise ValueError: with a clear message.
    """
    keys = [key if isinstance(key, note.Key) else note.parse_key(key) for key in verifier_keys]
    if not keys:
        raise ValueError("no verifier key to check the rollback note with")
    if not any(note.signed_by(rollback.text, key) for key in keys):
        names = ", ".join(f"{key.name} (key id {key.key_id.hex()})" for key in keys)
        raise ValueError(f"the rollback note from {rollback.from_size} to {rollback.to_size} is not signed by "
                         f"{names}: forged or altered")
    if rollback.to_size > rollback.from_size:
        raise ValueError(f"the rollback note goes from {rollback.from_size} to the larger size {rollback.to_size}: "
                         "that is not a rollback")
    if rollback.to_size == rollback.from_size and rollback.to_root == rollback.from_root:
        raise ValueError("the rollback note rolls back to the same tree: nothing was rolled back")
