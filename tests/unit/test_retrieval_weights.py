"""Retrieval's numbers have one home (assistant/retrieval/weights.py): a stage built by hand ranks
as the default settings do, a setting reaches the stage that uses it, and the structure is
frozen. No index: the unit tier."""

from __future__ import annotations

import dataclasses
import os

import pytest

from assistant.retrieval import (
    ConvexFusion,
    ReciprocalRankFusion,
    SentenceEvidenceReranker,
    make_fusion,
    make_reranker,
)
from assistant.retrieval.weights import DEFAULTS, RetrievalWeights
from assistant.settings import Settings

# "a" leads dense by far and is a hair behind on keywords, "b" the reverse: ordinal ranks tie
# them, ranks in score gaps (the default) put "a" first.
RANKINGS = {
    "dense": [("a", 0.90), ("b", 0.50), ("c", 0.49), ("d", 0.48)],
    "keyword": [("b", 10.0), ("a", 9.9), ("c", 1.0), ("d", 0.9)],
}


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("CCHC_")]:
        monkeypatch.delenv(name)  # a developer's own CCHC_RRF_K is not a default


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_defaults_are_the_settings_defaults():
    assert RetrievalWeights.from_settings(_settings()) == DEFAULTS
    for field in ("rrf_k", "candidates", "rerank_candidates"):
        assert getattr(DEFAULTS, field) == Settings.model_fields[field].default
    assert DEFAULTS.rerank == Settings.model_fields["rerank_weight"].default
    assert DEFAULTS.gap_keyword == Settings.model_fields["rrf_gap_keyword"].default


def test_a_fusion_built_by_hand_fuses_as_the_default_settings():
    by_hand = ReciprocalRankFusion()(RANKINGS)
    assert by_hand == make_fusion(_settings())(RANKINGS)
    assert [c for c, _, _ in by_hand][:2] == ["a", "b"]
    ordinal = ReciprocalRankFusion(gap_units={})(RANKINGS)
    assert ordinal[0][1] == ordinal[1][1]


def test_a_setting_reaches_the_stage_that_uses_it():
    settings = _settings(rrf_k=7, rrf_gap_dense=0, dense_weight=2.0, rerank_weight=0.25, rerank_candidates=9)
    fusion = make_fusion(settings)
    assert isinstance(fusion, ReciprocalRankFusion)
    assert fusion.k == 7 and fusion.gap_units["dense"] == 0 and fusion.weights["dense"] == 2.0
    tuned = RetrievalWeights.from_settings(settings)
    reranker = make_reranker("sentence", None, None, tuned)  # type: ignore[arg-type]
    assert isinstance(reranker, SentenceEvidenceReranker)
    assert (reranker.weight, reranker.candidates, reranker.k) == (0.25, 9, 7)
    convex = make_fusion(_settings(fusion="convex", place_weight=0.4))
    assert isinstance(convex, ConvexFusion) and convex.weights["place"] == 0.4


def test_the_weights_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.rrf_k = 60  # type: ignore[misc]


def test_the_reranker_blends_the_next_sentence_and_discounts_the_wrong_kind():
    terms = {"ho_so", "truc_tuyen"}  # keyword tokens are folded
    idf = {"ho_so": 2.0, "truc_tuyen": 1.0}
    text = "Tỉnh tiếp nhận hồ sơ. Việc nộp trực tuyến tăng."
    evidence = SentenceEvidenceReranker.evidence
    # The first sentence scores 2.0 alone, 3.0 with the next one's term: half of each by default.
    assert evidence(text, terms, idf, "fact") == pytest.approx(2.5)
    assert evidence(text, terms, idf, "fact", next_sentence=0.0) == pytest.approx(2.0)
    assert evidence(text, terms, idf, "fact", next_sentence=1.0) == pytest.approx(3.0)
    # No figure in either sentence for a number question: each keeps wrong_kind of its score.
    assert evidence(text, terms, idf, "number") == pytest.approx(2.5 * DEFAULTS.wrong_kind)
