"""Every number that orders retrieval's results, in one frozen structure built from the settings.

The stages (fusion, the sentence reranker, the composed retriever) read their numbers from a
``RetrievalWeights``; their constructors default to ``DEFAULTS``, the settings' own defaults, so
a stage built by hand in a test or a bench ranks as the service does unless told otherwise.
The figures quoted are in docs/measured.md (``python -m bench.retrieval_anchors``, the dev sets
and the out-of-domain ones: xquad_vi, alqac2022, vicov19qa); change a weight only with that
bench run before and after, on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.settings import Settings


@dataclass(frozen=True)
class RetrievalWeights:
    # Settings (CCHC_<NAME>; their descriptions in assistant/settings.py say the same).
    candidates: int
    """Hits each retriever (dense, keyword) hands to fusion (CCHC_CANDIDATES)."""
    rrf_k: int
    """k in RRF's 1/(k + rank), the reranker's RRF term included: 20 measured R@1 0.947 against
    0.930 at the customary 60 on reform_dev (CCHC_RRF_K)."""
    dense: float
    """RRF (or convex) weight of the dense ranking (CCHC_DENSE_WEIGHT)."""
    keyword: float
    """RRF (or convex) weight of the BM25 ranking (CCHC_KEYWORD_WEIGHT)."""
    gap_dense: float
    """The dense ranking's ranks counted in units of this many typical score gaps; 0: ordinal
    ranks. With gap_keyword, chosen by a grid over all four sets: R@1 ×1.008 xquad_vi, ×1.007
    alqac2022, ×1.049 vicov19qa against ordinal ranks, equal on reform (CCHC_RRF_GAP_DENSE)."""
    gap_keyword: float
    """The same for BM25, whose leads are wider (CCHC_RRF_GAP_KEYWORD)."""
    place: float
    """Convex fusion only: weight of the ranking of chunks naming the province asked about
    (CCHC_PLACE_WEIGHT); RRF gives that ranking weight 1."""
    rerank: float
    """Weight of the sentence reranker's RRF term added to the fused score (CCHC_RERANK_WEIGHT)."""
    rerank_candidates: int
    """Fused candidates the reranker reorders; the rest keep their order (CCHC_RERANK_CANDIDATES)."""

    # Constants of the stages, not settings: each measured with the stage it belongs to.
    gap_sample: int = 10
    """Leading score gaps whose median sets a ranking's typical spacing: the head is where
    fusion decides."""
    next_sentence: float = 0.5
    """Share of a sentence's evidence score that counts the terms the next sentence adds (the
    subject is often named one sentence earlier): half credit."""
    wrong_kind: float = 0.7
    """What a sentence's evidence keeps when it lacks the number or date the question asks for."""
    pool_per_result: int = 3
    """Fused chunks read back from the registry per result asked (k), at least ``pool_min``:
    the place ranking and the reranker reorder within this pool."""
    pool_min: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrievalWeights:
        return cls(
            candidates=settings.candidates,
            rrf_k=settings.rrf_k,
            dense=settings.dense_weight,
            keyword=settings.keyword_weight,
            gap_dense=settings.rrf_gap_dense,
            gap_keyword=settings.rrf_gap_keyword,
            place=settings.place_weight,
            rerank=settings.rerank_weight,
            rerank_candidates=settings.rerank_candidates,
        )

    def pool(self, k: int) -> int:
        return max(k * self.pool_per_result, self.pool_min)


# The settings' defaults, read without the environment: what a stage built without weights uses.
DEFAULTS = RetrievalWeights.from_settings(Settings.model_construct())
