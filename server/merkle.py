"""Merkle tree hashing of RFC 6962 (Certificate Transparency, section 2.1; RFC 9162 section 2.1):
leaf hashes, the tree head of n leaves, inclusion proofs and their check.

Append-only logs grow one leaf at a time: `Frontier` keeps the roots of the perfect subtrees
(at most log2(n) hashes), so appending costs O(1) amortised and a head O(log n), however many
leaves came before.
"""

from __future__ import annotations

import hashlib

EMPTY = hashlib.sha256(b"").digest()  # the head of an empty tree


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The perfect subtrees' roots of a tree being appended to, biggest (leftmost) first."""

    def __init__(self, size: int = 0, roots: list[bytes] | None = None):
        self.size, self.roots = size, list(roots or [])
        if len(self.roots) != bin(size).count("1"):
            raise ValueError("a frontier holds one root per bit set in its size")

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash: merge equal-sized subtrees as a binary counter carries."""
        self.roots.append(leaf)
        size = self.size
        while size & 1:
            right = self.roots.pop()
            self.roots[-1] = node_hash(self.roots[-1], right)
            size >>= 1
        self.size += 1

    def root(self) -> bytes:
        """MTH of the leaves so far: the subtrees folded from the right (RFC 6962's split at
        the largest power of two below n, applied again and again)."""
        if not self.roots:
            return EMPTY
        head = self.roots[-1]
        for left in reversed(self.roots[:-1]):
            head = node_hash(left, head)
        return head


def root(leaves: list[bytes]) -> bytes:
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1: the audit path of leaf `index`."""
    if not 0 <= index < len(leaves):
        raise IndexError("no such leaf")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append(root(leaves[lo + k:hi]))
            hi = lo + k
        else:
            path.append(root(leaves[lo:lo + k]))
            lo += k
    return path[::-1]  # leaf's sibling first


def root_from_proof(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """The head that an inclusion proof leads to (RFC 9162 section 2.1.3.2); compare it with a
    signed head of `size` leaves. ValueError for a proof of the wrong length."""
    if not 0 <= index < size:
        raise ValueError("index outside the tree")
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("proof too short")
    return result
