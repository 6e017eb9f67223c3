"""Retrieval stages: analyse → dense + keyword → fuse (``fusion.py``) → rerank (``reranking.py``).

Each stage is a small object with one method, so a configuration can swap one (a
cross-encoder reranker, a different fusion) without touching the others.
"""

from __future__ import annotations

from typing import Any

from assistant.index.accents import restore
from assistant.index.contract import query_text
from assistant.index.gazetteer import units_in, units_in_question
from assistant.index.glossary import expansions
from assistant.index.keywords import tokenize
from assistant.index.store import IndexStore
from assistant.index.textnorm import has_vietnamese_diacritics
from assistant.retrieval.fusion import Fusion, ReciprocalRankFusion, make_fusion
from assistant.retrieval.legal import checked, matching_documents
from assistant.retrieval.reranking import NoReranker, Reranker, make_reranker
from assistant.retrieval.types import Filters, Hit, Query, QuestionReader, Ranking
from assistant.settings import Settings


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
        if query.doc_ids is not None and not query.doc_ids:
            return []
        return self.store.dense_search(query.vector, k, where=_chroma_where(query.filters, query.doc_ids))


class KeywordRetriever:
    name = "keyword"

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def __call__(self, query: Query, k: int) -> Ranking:
        allowed = _allowed_chunks(self.store, query.filters, query.doc_ids)
        return self.store.keyword_index().search(query.tokens, k, allowed)


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
        # A legal filter value that can match nothing raises here (FilterValueError), for every caller.
        query.filters = checked(self.store, query.filters)
        query.doc_ids = matching_documents(self.store, query.filters)
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


def make_retriever(store: IndexStore, settings: Settings, questions: QuestionReader) -> Retriever:
    """The retriever the settings describe (the service and the benches build the same one,
    through ``assistant.service.retriever_for``, which supplies the question rules)."""
    return Retriever(
        store,
        fusion=make_fusion(settings),
        reranker=make_reranker(
            settings.reranker, store, questions, settings.rerank_weight, settings.rerank_candidates, settings.rrf_k
        ),
        candidates=settings.candidates,
    )


def _chroma_where(filters: Filters, doc_ids: set[str] | None = None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if doc_ids is not None:
        clauses.append({"doc_id": {"$in": sorted(doc_ids)}})
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


def _allowed_chunks(store: IndexStore, filters: Filters, doc_ids: set[str] | None = None) -> set[str] | None:
    if filters.is_empty():
        return None
    if doc_ids is not None and not doc_ids:
        return set()
    sql: list[str] = ["1=1"]
    params: list[str | int] = []
    if doc_ids is not None:
        # A few hundred legal documents at most; SQLite takes 32,766 parameters.
        sql.append(f"c.doc_id IN ({','.join('?' * len(doc_ids))})")
        params += sorted(doc_ids)
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
