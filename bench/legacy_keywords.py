"""The keyword index as it was before tantivy (bm25s, the whole index rebuilt per write and held
in memory): kept so benches measure the new index against the old one in the same run."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np


class LegacyKeywordIndex:
    """The former ``assistant.index.keywords.KeywordIndex``: same scoring, idf and filter."""

    def __init__(self, bm25: bm25s.BM25 | None, chunk_ids: list[str], generation: int = 0) -> None:
        self._bm25 = bm25
        self.chunk_ids = chunk_ids
        self.generation = generation
        self._pos = {cid: i for i, cid in enumerate(chunk_ids)}

    @classmethod
    def build(cls, chunk_ids: list[str], token_lists: Sequence[Sequence[str]]) -> LegacyKeywordIndex:
        if not chunk_ids:
            return cls(None, [])
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index([list(t) for t in token_lists], show_progress=False)
        return cls(bm25, chunk_ids)

    @classmethod
    def from_registry(cls, registry: Path) -> LegacyKeywordIndex:
        """What ``IndexStore.rebuild_keyword_index`` built: every chunk's stored tokens."""
        rows = (
            sqlite3.connect(registry).execute("SELECT chunk_id, tokens FROM chunks ORDER BY rowid").fetchall()
        )
        return cls.build([r[0] for r in rows], [r[1].split() for r in rows])

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        n = len(self.chunk_ids)
        top = float(np.log(1 + (n + 0.5) / 0.5)) if n else 1.0
        if self._bm25 is None:
            return {t: top for t in tokens}
        vocab = self._bm25.vocab_dict
        indptr = self._bm25.scores["indptr"]
        out = {}
        for t in tokens:
            tid = vocab.get(t)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None else 0
            out[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5))) if df else top
        return out

    def known(self, tokens: list[str]) -> set[str]:
        if self._bm25 is None:
            return set()
        return {t for t in tokens if t in self._bm25.vocab_dict}

    def search(self, tokens: list[str], k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if self._bm25 is None or not tokens:
            return []
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.chunk_ids), dtype=np.float32)
            for cid in allowed:
                pos = self._pos.get(cid)
                if pos is not None:
                    mask[pos] = 1.0
        scores = self._bm25.get_scores(known, weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]
