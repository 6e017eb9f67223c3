"""The keyword side of the index: a Vietnamese-aware tokenizer and a BM25 index (bm25s).

bm25s's own tokenizer splits on ``\\w\\w+`` and so drops one-letter syllables ("ở", "y");
underthesea's word segmentation costs ~1 ms per sentence. Syllables plus syllable bigrams
(most Vietnamese words are two syllables) give word-level precision at no cost, and folding
accents lets "ty le truc tuyen" find "tỷ lệ trực tuyến".
"""

from __future__ import annotations

import json
import re
import shutil
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np

from assistant.index.numbers import NUMBER, number_tokens
from assistant.index.textnorm import fold_accents, index_form

# A number, a word, or punctuation that ends a phrase (bigrams never cross it).
_PIECE = re.compile(
    rf"(?P<num>{NUMBER.pattern})|(?P<word>[^\W\d_]+)|(?P<brk>[.,;:!?()\[\]\"“”'‘’«»|/\n–—-])",
    re.UNICODE,
)


# Syllables spelt with either final i or y ("tỉ"/"tỷ", "lí"/"lý", "kĩ"/"kỹ", "mĩ"/"mỹ").
_I_Y_ONSETS = set("bdhklmnstv")


def tokenize(text: str) -> list[str]:
    """Keyword tokens of a text: folded syllables, canonical numbers, syllable bigrams."""
    return list(_tokenize(text))


@lru_cache(maxsize=8192)
def _tokenize(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    prev: str | None = None
    for m in _PIECE.finditer(index_form(text).lower()):
        if m.group("num"):
            tokens.extend(number_tokens(m.group("num")))
            prev = None
        elif m.group("word"):
            word = fold_accents(m.group("word"))
            if len(word) == 2 and word[1] == "y" and word[0] in _I_Y_ONSETS:
                word = word[0] + "i"  # "tỷ lệ" and "tỉ lệ", "kỹ" and "kĩ" are one word
            tokens.append(word)
            if prev is not None:
                tokens.append(f"{prev}_{word}")
            prev = word
        else:
            prev = None
    return tuple(tokens)


class KeywordIndex:
    """BM25 over chunk token lists, saved per generation so readers can reload atomically."""

    def __init__(self, bm25: bm25s.BM25 | None, chunk_ids: list[str], generation: int) -> None:
        self._bm25 = bm25
        self.chunk_ids = chunk_ids
        self.generation = generation
        self._pos = {cid: i for i, cid in enumerate(chunk_ids)}

    @classmethod
    def build(cls, chunk_ids: list[str], token_lists: list[list[str]], generation: int) -> KeywordIndex:
        if not chunk_ids:
            return cls(None, [], generation)
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(token_lists, show_progress=False)
        return cls(bm25, chunk_ids, generation)

    def save(self, root: Path) -> None:
        target = root / f"gen-{self.generation}"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(target))
        (target / "chunk_ids.json").write_text(json.dumps(self.chunk_ids))
        for old in root.glob("gen-*"):
            if old != target and old.name != f"gen-{self.generation - 1}":
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, root: Path, generation: int) -> KeywordIndex:
        target = root / f"gen-{generation}"
        ids_file = target / "chunk_ids.json"
        if not ids_file.exists():
            raise FileNotFoundError(f"keyword index generation {generation} missing in {root}")
        chunk_ids = json.loads(ids_file.read_text())
        bm25 = bm25s.BM25.load(str(target)) if chunk_ids else None
        return cls(bm25, chunk_ids, generation)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 idf of each token; a token the corpus never saw gets the highest idf."""
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

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def search(
        self, tokens: list[str], k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
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
