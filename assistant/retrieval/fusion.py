"""Fusion stages: several rankings of chunk ids into one, with the ranks kept per retriever."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from assistant.retrieval.types import Ranking
from assistant.retrieval.weights import DEFAULTS, RetrievalWeights
from assistant.settings import Settings


class Fusion(Protocol):
    def __call__(self, rankings: dict[str, Ranking]) -> list[tuple[str, float, dict[str, int]]]: ...


class ReciprocalRankFusion:
    """score = Σ weight / (k + rank): robust to the different score scales of BM25 and cosine.

    Ordinal ranks throw away how far ahead a hit is: a passage whose cosine leads the
    field by a wide margin and one that wins by a hair both get rank 1. With a gap unit
    for a retriever, its rank is measured in score instead — ``1 + (best − score) / (unit ×
    the median gap between its first scores)`` — so near-ties share a rank and a clear
    lead keeps its distance, while the scale stays each retriever's own (the reason to
    fuse ranks at all). Measured in docs/measured.md's fusion table.

    Built without arguments it fuses as the default settings do (``weights.DEFAULTS``); a
    retriever missing from ``weights`` weighs 1, one missing from ``gap_units`` is ranked
    ordinally (``gap_units={}``: ordinal ranks for all).
    """

    def __init__(
        self,
        k: int = DEFAULTS.rrf_k,
        weights: dict[str, float] | None = None,
        gap_units: dict[str, float] | None = None,
        gap_sample: int = DEFAULTS.gap_sample,
    ) -> None:
        self.k = k
        self.weights = {"dense": DEFAULTS.dense, "keyword": DEFAULTS.keyword} if weights is None else weights
        self.gap_units = (
            {"dense": DEFAULTS.gap_dense, "keyword": DEFAULTS.gap_keyword} if gap_units is None else gap_units
        )
        self.gap_sample = gap_sample

    def __call__(self, rankings: dict[str, Ranking]) -> list[tuple[str, float, dict[str, int]]]:
        scores: dict[str, float] = {}
        ranks: dict[str, dict[str, int]] = {}
        for name, ranking in rankings.items():
            w = self.weights.get(name, 1.0)
            positions = score_ranks(ranking, self.gap_units.get(name, 0.0), self.gap_sample)
            for rank, ((cid, _), position) in enumerate(zip(ranking, positions), 1):
                scores[cid] = scores.get(cid, 0.0) + w / (self.k + position)
                ranks.setdefault(cid, {})[name] = rank
        order = sorted(scores, key=lambda c: -scores[c])
        return [(c, scores[c], ranks[c]) for c in order]


def score_ranks(ranking: Ranking, unit: float, gap_sample: int = DEFAULTS.gap_sample) -> list[float]:
    """Ranks of a best-first ranking, in units of its typical score gap (the median of the first
    ``gap_sample`` gaps; ordinal when unit is 0)."""
    if unit <= 0 or len(ranking) < 3:
        return [float(r) for r in range(1, len(ranking) + 1)]
    values = np.array([s for _, s in ranking], dtype=np.float64)
    gaps = -np.diff(values[: gap_sample + 1])
    spacing = float(np.median(gaps)) or float(gaps.mean()) or 1.0
    return (1.0 + (values[0] - values) / (spacing * unit)).tolist()


class ConvexFusion:
    """score = Σ weight × min-max-normalised score: keeps how far ahead a hit is, which
    ranks throw away. Better than RRF on encyclopedic and legal text (xquad_vi, alqac2022),
    worse on reform news (see the README); hence an option, not the default."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.weights = weights

    def __call__(self, rankings: dict[str, Ranking]) -> list[tuple[str, float, dict[str, int]]]:
        scores: dict[str, float] = {}
        ranks: dict[str, dict[str, int]] = {}
        for name, ranking in rankings.items():
            if not ranking:
                continue
            w = self.weights.get(name, 0.0)
            values = [s for _, s in ranking]
            lo, hi = min(values), max(values)
            for rank, (cid, score) in enumerate(ranking, 1):
                scores[cid] = scores.get(cid, 0.0) + w * ((score - lo) / (hi - lo) if hi > lo else 1.0)
                ranks.setdefault(cid, {})[name] = rank
        order = sorted(scores, key=lambda c: -scores[c])
        return [(c, scores[c], ranks[c]) for c in order]


def make_fusion(settings: Settings, tuned: RetrievalWeights | None = None) -> Fusion:
    """The fusion the settings name, with their weights (``tuned``: weights built from them)."""
    w = tuned or RetrievalWeights.from_settings(settings)
    weights = {"dense": w.dense, "keyword": w.keyword}
    if settings.fusion == "dense":
        weights["keyword"] = 0.0
    elif settings.fusion == "keyword":
        weights["dense"] = 0.0
    elif settings.fusion == "convex":
        total = (weights["dense"] + weights["keyword"]) or 1.0
        return ConvexFusion({**{k: v / total for k, v in weights.items()}, "place": w.place})
    elif settings.fusion != "rrf":
        raise ValueError(f"unknown fusion {settings.fusion!r}: use 'rrf', 'convex', 'dense' or 'keyword'")
    gap_units = {"dense": w.gap_dense, "keyword": w.gap_keyword}
    return ReciprocalRankFusion(k=w.rrf_k, weights=weights, gap_units=gap_units, gap_sample=w.gap_sample)
