"""Near-duplicate documents: the same press release republished by several portals.

A 64-bit SimHash over word 3-shingles of the accent-folded text; two documents within a
Hamming distance of ``MAX_DISTANCE`` are the same story. The answer cites one of them and
lists the others as "also reported by".
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from assistant.index.textnorm import fold_accents, index_form

MAX_DISTANCE = 3
MIN_WORDS = 40  # shorter texts (titles, notices) share too little to call duplicates


_WORD_RUN = re.compile(r"\w+")


def simhash(text: str) -> int | None:
    return simhash_of_index_form(index_form(text))


def simhash_of_index_form(form: str) -> int | None:
    """:func:`simhash` of a text already in its index form (ingest has the document's)."""
    words = _WORD_RUN.findall(fold_accents(form))
    if len(words) < MIN_WORDS:
        return None
    digests = b"".join(
        hashlib.blake2b(f"{a} {b} {c}".encode(), digest_size=8).digest() for a, b, c in zip(words, words[1:], words[2:])
    )
    # Each digest is a big-endian 64-bit value: unpacked, column j holds bit 63 - j.
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(-1, 8), axis=1)
    votes = 2 * bits.sum(axis=0, dtype=np.int64) - len(words) + 2  # +1 per set bit, -1 per clear
    value = sum(1 << (63 - j) for j in range(64) if votes[j] > 0)
    # SQLite integers are signed 64-bit.
    return value - (1 << 64) if value >= 1 << 63 else value


def nearest(value: int, candidates: list[tuple[str, int]]) -> str | None:
    """The doc id of the closest candidate within ``MAX_DISTANCE``, if any."""
    if not candidates:
        return None
    ids, hashes = zip(*candidates)
    arr = np.array(hashes, dtype=np.int64).view(np.uint64)
    diff = np.bitwise_xor(arr, np.uint64(value & ((1 << 64) - 1)))
    distances = np.unpackbits(diff.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
    best = int(np.argmin(distances))
    return ids[best] if distances[best] <= MAX_DISTANCE else None


_BANDS = 4  # 64 bits in four 16-bit bands: within MAX_DISTANCE (3) of a hash, one band is equal


class FingerprintIndex:
    """The fingerprints known so far, found by band instead of by a scan of all of them.

    Two hashes within ``MAX_DISTANCE`` (< ``_BANDS``) bits differ in at most three bands, so
    they share at least one band exactly: only documents sharing a band are compared. The
    answer is :func:`nearest`'s over the whole list (the closest, the earliest of equals)."""

    def __init__(self, known: list[tuple[str, int]] | None = None) -> None:
        self._ids: list[str] = []
        self._hashes: list[int] = []
        self._bands: dict[tuple[int, int], list[int]] = {}
        for doc_id, value in known or []:
            self.add(doc_id, value)

    @staticmethod
    def _keys(value: int) -> list[tuple[int, int]]:
        unsigned = value & ((1 << 64) - 1)
        return [(b, (unsigned >> (16 * b)) & 0xFFFF) for b in range(_BANDS)]

    def add(self, doc_id: str, value: int) -> None:
        pos = len(self._ids)
        self._ids.append(doc_id)
        self._hashes.append(value & ((1 << 64) - 1))
        for key in self._keys(value):
            self._bands.setdefault(key, []).append(pos)

    def nearest(self, value: int, exclude: str | None = None) -> str | None:
        """The closest other document within ``MAX_DISTANCE``, ignoring ``exclude``'s entries."""
        unsigned = value & ((1 << 64) - 1)
        best: tuple[int, int] | None = None
        for pos in {p for key in self._keys(value) for p in self._bands.get(key, ())}:
            if self._ids[pos] == exclude:
                continue
            distance = (self._hashes[pos] ^ unsigned).bit_count()
            if distance <= MAX_DISTANCE and (best is None or (distance, pos) < best):
                best = (distance, pos)
        return self._ids[best[1]] if best is not None else None

    def __len__(self) -> int:
        return len(self._ids)
