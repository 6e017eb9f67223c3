"""Retrieval: a question and its filters in, registry-backed chunks out, best first.

A package of stages, each importing only what sits below it:
``types`` (Filters, Query, Hit) and ``weights`` (every number that orders the results) ←
``fusion`` and ``reranking`` ← ``stages`` (the analyser,
the dense and keyword retrievers, the composed ``Retriever``). The names below are the
package's interface; callers import them from ``assistant.retrieval``.
"""

from assistant.retrieval.fusion import ConvexFusion, Fusion, ReciprocalRankFusion, make_fusion, score_ranks
from assistant.retrieval.reranking import (
    CrossEncoderReranker,
    NoReranker,
    Reranker,
    SentenceEvidenceReranker,
    make_reranker,
)
from assistant.retrieval.stages import (
    DenseRetriever,
    KeywordRetriever,
    QueryAnalyzer,
    Retriever,
    make_retriever,
)
from assistant.retrieval.types import Filters, Hit, Query, QuestionReader, Ranking
from assistant.retrieval.weights import RetrievalWeights

__all__ = [
    "ConvexFusion",
    "CrossEncoderReranker",
    "DenseRetriever",
    "Filters",
    "Fusion",
    "Hit",
    "KeywordRetriever",
    "NoReranker",
    "Query",
    "QueryAnalyzer",
    "QuestionReader",
    "Ranking",
    "ReciprocalRankFusion",
    "Reranker",
    "RetrievalWeights",
    "Retriever",
    "SentenceEvidenceReranker",
    "make_fusion",
    "make_reranker",
    "make_retriever",
    "score_ranks",
]
