"""An RFC 6962 / RFC 9162 Merkle tree: leaf and node hashing, the root, inclusion and consistency proofs.

leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right); a tree of n leaves splits at the
largest power of two below n. The offline verifier (``opsflow_verify``) has its own copy of the checks,
written from the RFC, so that it needs nothing of opsflow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes | bytearray, right: bytes | bytearray) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """The tree hash of ``leaves`` (leaf hashes), bottom-up in one pass (a stack of perfect subtrees)."""
    if not leaves:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees, left to right
    for leaf in leaves:
        height, digest = 0, leaf
        while stack and stack[-1][0] == height:
            digest = node_hash(stack.pop()[1], digest)
            height += 1
        stack.append((height, digest))
    digest = stack.pop()[1]
    while stack:  # the right edge: fold the smaller subtrees into the bigger ones on their left
        digest = node_hash(stack.pop()[1], digest)
    return digest


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """A tree over leaf hashes with every level kept, so that each proof costs O(log n).

    Level j holds the hashes of leaves [x·2^j, min((x+1)·2^j, n)) for each x: an unpaired last node is
    carried up unchanged, which builds exactly RFC 6962's left-balanced tree.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        level = bytearray(b"".join(leaves))
        self.levels = [level]
        while len(level) > 32:
            upper = bytearray()
            for offset in range(0, len(level) - 32, 64):
                upper += node_hash(level[offset:offset + 32], level[offset + 32:offset + 64])
            if (len(level) // 32) % 2:
                upper += level[-32:]
            self.levels.append(upper)
            level = upper

    def _node(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index * 32:index * 32 + 32])

    def root(self) -> bytes:
        return self._node(len(self.levels) - 1, 0) if self.size else EMPTY_ROOT

    def subtree(self, lo: int, hi: int) -> bytes:
        """The hash of leaves [lo, hi), for an aligned range (lo a multiple of the power of two >= hi - lo)."""
        j = (hi - lo - 1).bit_length()
        return self._node(j, lo >> j)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The audit path of leaf ``index``, leaf side first (RFC 9162 section 2.1.3.1)."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not in a tree of {self.size}")
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling * 32 < len(level):
                path.append(bytes(level[sibling * 32:sibling * 32 + 32]))
            index >>= 1
        return path

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """The proof that the first ``old_size`` leaves form a prefix of this tree (RFC 9162 2.1.4.1)."""
        if not 0 < old_size <= self.size:
            raise ValueError(f"no consistency proof from {old_size} to {self.size}")

        def subproof(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
            if m == hi - lo:
                return [] if complete else [self.subtree(lo, hi)]
            k = _split(hi - lo)
            if m <= k:
                return [*subproof(m, lo, lo + k, complete), self.subtree(lo + k, hi)]
            return [*subproof(m - k, lo + k, hi, False), self.subtree(lo, lo + k)]

        return subproof(old_size, 0, self.size, True)


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root that ``path`` leads to from ``leaf`` (RFC 9162 section 2.1.3.2), None if it cannot."""
    if not 0 <= index < size:
        return None
    fn, sn, digest = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    return digest if sn == 0 else None


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows the old tree is a prefix of the new one (RFC 9162 section 2.1.4.2)."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
