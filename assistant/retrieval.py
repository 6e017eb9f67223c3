"""Retrieval stages: analyse → dense + keyword → fuse → rerank (``reranking.py``).

Each stage is a small object with one method, so a configuration can swap one (a
cross-encoder reranker, a different fusion) without touching the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np

from assistant.index.accents import restore
from assistant.index.contract import query_text
from assistant.index.gazetteer import Province, resolve, units_in, units_in_question
from assistant.index.glossary import expansions
from assistant.index.keywords import tokenize
from assistant.index.store import IndexStore, StoredChunk
from assistant.index.textnorm import has_vietnamese_diacritics
from assistant.reranking import NoReranker, Reranker, make_reranker
from assistant.settings import Settings


@dataclass(frozen=True)
class Filters:
    province: str | None = None
    since: date | None = None
    until: date | None = None

    def resolved_province(self) -> Province | None:
        return resolve(self.province) if self.province else None

    def is_empty(self) -> bool:
        return not (self.province or self.since or self.until)


@dataclass
class Query:
    question: str
    text: str  # index form, what the embedder sees
    tokens: list[str]  # keyword tokens, glossary expansions included
    expansions: list[str]
    filters: Filters = field(default_factory=Filters)
    vector: np.ndarray | None = None
    kind: str | None = None  # the answer kind, from the service's analysis (None: the reranker reads it)


@dataclass
class Hit:
    chunk: StoredChunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # rank per retriever, 1-based


Ranking = list[tuple[str, float]]


class QueryAnalyzer:
    """Normalises the question and expands reform abbreviations and English terms."""

    def __call__(self, question: str, filters: Filters) -> Query:
        extra = expansions(question)
        tokens = tokenize(question)
        for term in extra:
            term_tokens = tokenize(term)
            # Multi-word expansions add only their bigrams: their single syllables
            # ("mức", "độ", "4") would match half the corpus.
            bigrams = [t for t in term_tokens if "_" in t]
            tokens.extend(bigrams or term_tokens)
        return Query(question, query_text(question), tokens, extra, filters)


class DenseRetriever:
    name = "dense"

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def __call__(self, query: Query, k: int) -> Ranking:
        if query.vector is None:
            text = query.text
            if not has_vietnamese_diacritics(text):
                text = restore(text, self.store.accent_forms)
            query.vector = self.store.embedder.embed_queries([text])[0]
        return self.store.dense_search(query.vector, k, where=_chroma_where(query.filters))


class KeywordRetriever:
    name = "keyword"

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def __call__(self, query: Query, k: int) -> Ranking:
        allowed = _allowed_chunks(self.store, query.filters)
        return self.store.keyword_index().search(query.tokens, k, allowed)


class Fusion(Protocol):
    def __call__(self, rankings: dict[str, Ranking]) -> list[tuple[str, float, dict[str, int]]]: ...


class ReciprocalRankFusion:
    """score = Σ weight / (k + rank): robust to the different score scales of BM25 and cosine.

    Ordinal ranks throw away how far ahead a hit is: a passage whose cosine leads the
    field by a wide margin and one that wins by a hair both get rank 1. With a gap unit
    for a retriever, its rank is measured in score instead — ``1 + (best − score) / (unit ×
    the median gap between its first scores)`` — so near-ties share a rank and a clear
    lead keeps its distance, while the scale stays each retriever's own (the reason to
    fuse ranks at all). Measured in the README's fusion table.
    """

    def __init__(
        self, k: int = 60, weights: dict[str, float] | None = None, gap_units: dict[str, float] | None = None
    ) -> None:
        self.k = k
        self.weights = weights or {}
        self.gap_units = gap_units or {}

    def __call__(self, rankings: dict[str, Ranking]) -> list[tuple[str, float, dict[str, int]]]:
        scores: dict[str, float] = {}
        ranks: dict[str, dict[str, int]] = {}
        for name, ranking in rankings.items():
            w = self.weights.get(name, 1.0)
            positions = score_ranks(ranking, self.gap_units.get(name, 0.0))
            for rank, ((cid, _), position) in enumerate(zip(ranking, positions), 1):
                scores[cid] = scores.get(cid, 0.0) + w / (self.k + position)
                ranks.setdefault(cid, {})[name] = rank
        order = sorted(scores, key=lambda c: -scores[c])
        return [(c, scores[c], ranks[c]) for c in order]


# How many leading gaps set a ranking's typical spacing: the head is where fusion decides.
_GAP_SAMPLE = 10


def score_ranks(ranking: Ranking, unit: float) -> list[float]:
    """Ranks of a best-first ranking, in units of its typical score gap (ordinal when unit is 0)."""
    if unit <= 0 or len(ranking) < 3:
        return [float(r) for r in range(1, len(ranking) + 1)]
    values = np.array([s for _, s in ranking], dtype=np.float64)
    gaps = -np.diff(values[: _GAP_SAMPLE + 1])
    spacing = float(np.median(gaps)) or float(gaps.mean()) or 1.0
    return (1.0 + (values[0] - values) / (spacing * unit)).tolist()


class Retriever:
    """The composed pipeline; ``retrieve`` returns registry-backed chunks, best first."""

    def __init__(
        self,
        store: IndexStore,
        retrievers: list[Any] | None = None,
        fusion: Fusion | None = None,
        reranker: Reranker | None = None,
        candidates: int = 50,
    ) -> None:
        self.store = store
        self.analyze = QueryAnalyzer()
        self.retrievers = retrievers or [DenseRetriever(store), KeywordRetriever(store)]
        self.fusion = fusion or ReciprocalRankFusion()
        self.reranker = reranker or NoReranker()
        self.candidates = candidates

    def retrieve(
        self, question: str, k: int = 10, filters: Filters | None = None, kind: str | None = None
    ) -> tuple[Query, list[Hit]]:
        query = self.analyze(question, filters or Filters())
        query.kind = kind
        rankings = {r.name: r(query, self.candidates) for r in self.retrievers}
        fused = self.fusion(rankings)
        ids = [cid for cid, _, _ in fused[: max(k * 3, 30)]]
        chunks = self.store.chunks(ids)
        places = units_in_question(question)
        if places:
            # A question that names a province is answered by text about that province:
            # chunks naming it (or from an article titled with it) form a third ranking.
            named = [
                (cid, 1.0)
                for cid in ids
                if cid in chunks and places & units_in(f"{chunks[cid].title}\n{chunks[cid].text}")
            ]
            if named:
                fused = self.fusion({**rankings, "place": named})
        hits = [Hit(chunks[c], s, r) for c, s, r in fused if c in chunks]
        return query, self.reranker(query, hits)[:k]


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


def make_fusion(settings: Settings) -> Fusion:
    weights = {"dense": settings.dense_weight, "keyword": settings.keyword_weight}
    if settings.fusion == "dense":
        weights["keyword"] = 0.0
    elif settings.fusion == "keyword":
        weights["dense"] = 0.0
    elif settings.fusion == "convex":
        total = (weights["dense"] + weights["keyword"]) or 1.0
        return ConvexFusion({**{k: v / total for k, v in weights.items()}, "place": settings.place_weight})
    elif settings.fusion != "rrf":
        raise ValueError(f"unknown fusion {settings.fusion!r}: use 'rrf', 'convex', 'dense' or 'keyword'")
    gap_units = {"dense": settings.rrf_gap_dense, "keyword": settings.rrf_gap_keyword}
    return ReciprocalRankFusion(k=settings.rrf_k, weights=weights, gap_units=gap_units)


def make_retriever(store: IndexStore, settings: Settings) -> Retriever:
    """The retriever the settings describe (the service and the benches build the same one)."""
    return Retriever(
        store,
        fusion=make_fusion(settings),
        reranker=make_reranker(
            settings.reranker, store, settings.rerank_weight, settings.rerank_candidates, settings.rrf_k
        ),
        candidates=settings.candidates,
    )


def _chroma_where(filters: Filters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    province = filters.resolved_province()
    if province:
        clauses.append({f"prov_{province.key}": True})
    # A dated document is filtered by its publication date; an undated one by the dates its
    # text names (date_min/date_max, 0 when none).
    if filters.since:
        day = int(filters.since.strftime("%Y%m%d"))
        clauses.append(
            {"$or": [{"published": {"$gte": day}}, {"$and": [{"published": 0}, {"date_max": {"$gte": day}}]}]}
        )
    if filters.until:
        day = int(filters.until.strftime("%Y%m%d"))
        clauses.append(
            {
                "$or": [
                    {"$and": [{"published": {"$gt": 0}}, {"published": {"$lte": day}}]},
                    {"$and": [{"published": 0}, {"date_min": {"$gt": 0}}, {"date_min": {"$lte": day}}]},
                ]
            }
        )
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _allowed_chunks(store: IndexStore, filters: Filters) -> set[str] | None:
    if filters.is_empty():
        return None
    sql, params = ["1=1"], []
    province = filters.resolved_province()
    if province:
        sql.append("('|' || c.provinces || '|') LIKE ?")
        params.append(f"%|{province.key}|%")
    if filters.since:
        sql.append("(d.published >= ? OR (d.published IS NULL AND c.date_max >= ?))")
        params += [filters.since.isoformat(), int(filters.since.strftime("%Y%m%d"))]
    if filters.until:
        sql.append("(d.published <= ? OR (d.published IS NULL AND c.date_min <= ?))")
        params += [filters.until.isoformat(), int(filters.until.strftime("%Y%m%d"))]
    return store.chunk_ids_where(" AND ".join(sql), params)
