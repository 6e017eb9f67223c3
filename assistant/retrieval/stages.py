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
from assistant.index.records import ChunkFilter
from assistant.index.store import IndexStore
from assistant.index.textnorm import has_vietnamese_diacritics
from assistant.retrieval.fusion import Fusion, ReciprocalRankFusion, make_fusion
from assistant.retrieval.legal import checked, matching_documents
from assistant.retrieval.reranking import NoReranker, Reranker, make_reranker
from assistant.retrieval.types import Filters, Hit, Query, QuestionReader, Ranking
from assistant.retrieval.weights import DEFAULTS, RetrievalWeights
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
        where = chunk_filter(query.filters, query.doc_ids).chroma_where()
        return self.store.dense_search(query.vector, k, where=where)


class KeywordRetriever:
    name = "keyword"

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def __call__(self, query: Query, k: int) -> Ranking:
        if query.doc_ids is not None and not query.doc_ids:
            return []
        wanted = chunk_filter(query.filters, query.doc_ids)
        allowed = None if wanted.is_empty() else self.store.chunk_ids_matching(wanted)
        return self.store.keyword_index().search(query.tokens, k, allowed)


class Retriever:
    """The composed pipeline; ``retrieve`` returns registry-backed chunks, best first. Built
    without stages it fuses as the default settings do, without reranking."""

    def __init__(
        self,
        store: IndexStore,
        retrievers: list[Any] | None = None,
        fusion: Fusion | None = None,
        reranker: Reranker | None = None,
        tuned: RetrievalWeights = DEFAULTS,
    ) -> None:
        self.store = store
        self.analyze = QueryAnalyzer()
        self.retrievers = retrievers or [DenseRetriever(store), KeywordRetriever(store)]
        self.fusion = fusion or ReciprocalRankFusion()
        self.reranker = reranker or NoReranker()
        self.tuned = tuned

    def retrieve(
        self, question: str, k: int = 10, filters: Filters | None = None, kind: str | None = None
    ) -> tuple[Query, list[Hit]]:
        query = self.analyze(question, filters or Filters())
        query.kind = kind
        # A legal filter value that can match nothing raises here (FilterValueError), for every caller.
        query.filters = checked(self.store, query.filters)
        query.doc_ids = matching_documents(self.store, query.filters)
        rankings = {r.name: r(query, self.tuned.candidates) for r in self.retrievers}
        fused = self.fusion(rankings)
        ids = [cid for cid, _, _ in fused[: self.tuned.pool(k)]]
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
    tuned = RetrievalWeights.from_settings(settings)
    return Retriever(
        store,
        fusion=make_fusion(settings, tuned),
        reranker=make_reranker(settings.reranker, store, questions, tuned),
        tuned=tuned,
    )


def chunk_filter(filters: Filters, doc_ids: set[str] | None = None) -> ChunkFilter:
    """The index's filter on chunks (``assistant/index/records.py``) for the question's filters
    and the documents its legal-header filters leave."""
    province = filters.resolved_province()
    return ChunkFilter(
        doc_ids=frozenset(doc_ids) if doc_ids is not None else None,
        province=province.key if province else None,
        since=filters.since,
        until=filters.until,
    )
