"""Rollback notes (the contract with ``opsflow restore``): a signed note saying the history went back from
checkpoint (N, root N) to a restored tree (M, root M), by whom, when and why. Body, one field a line::

    <origin> rollback / <from size> / <base64 from root> / <to size> / <base64 to root> / <by> / <UTC time> / <reason>

A minimal version for the witness; the restore side's module (same names) replaces it at the merge.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from . import note


@dataclass(frozen=True)
class Rollback:
    origin: str
    from_size: int
    from_root: bytes
    to_size: int
    to_root: bytes
    by: str
    at: str
    reason: str
    text: str

    def describe(self) -> str:
        return f"rolled back from {self.from_size} to {self.to_size} on {self.at} by {self.by}: {self.reason}"


def parse_rollback(text: str) -> Rollback:
    """:raise ValueError: not a rollback note."""
    head, sep, _ = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or len(lines) != 8 or not lines[0].endswith(" rollback"):
        raise ValueError("not a rollback note (origin rollback, sizes, roots, who, when, why, then signatures)")
    if not lines[1].isdigit() or not lines[3].isdigit():
        raise ValueError("the rollback note's tree sizes are not numbers")
    roots = []
    for line in (lines[2], lines[4]):
        root = base64.b64decode(line, validate=True)
        if len(root) != 32:
            raise ValueError("the rollback note's roots are not SHA-256 hashes")
        roots.append(root)
    return Rollback(lines[0][:-len(" rollback")], int(lines[1]), roots[0], int(lines[3]), roots[1], lines[5],
                    lines[6], lines[7], text)


def check_rollback(rollback: Rollback, verifier_keys: Iterable[note.Key | str]) -> None:
    """:raise ValueError: not signed by one of the keys, or not a rollback (to a larger or the same tree)."""
    keys = [k if isinstance(k, note.Key) else note.parse_key(k) for k in verifier_keys]
    if not any(note.signed_by(rollback.text, k) for k in keys):
        raise ValueError(f"the rollback note from {rollback.from_size} to {rollback.to_size} is not signed by the "
                         "log's key: forged or altered")
    if rollback.to_size > rollback.from_size or (rollback.to_size == rollback.from_size
                                                 and rollback.to_root == rollback.from_root):
        raise ValueError("the rollback note does not go back to a smaller or different tree")
