"""Rerank stages: reorder the fused candidates before the answerer sees them.

The default, ``sentence``, needs no model. Fusion ranks whole chunks, so a chunk that
mentions every query term once in different paragraphs ties with one that answers the
question in one sentence; readers (and the extractive answerer) need the latter. It
scores each candidate by its best sentence — the idf mass of the query's informative terms
found in that sentence, blended with the next one (the subject is often named one sentence
earlier) and discounted when the question asks for a number or a date the sentence does
not contain — and adds that ranking to the fused score as one more RRF term. Measured
with ``bench/retrieval_anchors.py``: see the README's retrieval table.

A sentence-transformers cross-encoder can replace it (``st:<name or path>``) where a
model is available; none ships on the package registries, so it stays optional.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from assistant.index.keywords import tokenize
from assistant.index.numbers import NUMBER
from assistant.index.sentences import sentence_spans
from assistant.retrieval.types import Hit, Query, QuestionReader
from assistant.retrieval.weights import DEFAULTS, RetrievalWeights

if TYPE_CHECKING:
    from assistant.index.store import IndexStore

# A year or a day/month: what a "when" question needs in the answering sentence.
_DATE = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b|\b\d{1,2}\s?[/.-]\s?\d{1,2}\b")


class Reranker(Protocol):
    def __call__(self, query: Query, hits: list[Hit]) -> list[Hit]: ...


class NoReranker:
    def __call__(self, query: Query, hits: list[Hit]) -> list[Hit]:
        return hits


class SentenceEvidenceReranker:
    """Best-sentence keyword evidence as an extra RRF ranking over the top candidates (its
    numbers, by default the settings' defaults, are described in ``weights.py``)."""

    def __init__(
        self,
        store: IndexStore,
        questions: QuestionReader,
        weight: float = DEFAULTS.rerank,
        candidates: int = DEFAULTS.rerank_candidates,
        k: int = DEFAULTS.rrf_k,
        next_sentence: float = DEFAULTS.next_sentence,
        wrong_kind: float = DEFAULTS.wrong_kind,
    ) -> None:
        self.store = store
        self.questions = questions
        self.weight = weight
        self.candidates = candidates
        self.k = k
        self.next_sentence = next_sentence
        self.wrong_kind = wrong_kind

    def __call__(self, query: Query, hits: list[Hit]) -> list[Hit]:
        head, tail = hits[: self.candidates], hits[self.candidates :]
        # Function words ("của", "là", "what") carry no topic: they would make every
        # sentence look like evidence.
        terms = set(self.questions.informative(query.tokens)) or set(query.tokens)
        if len(head) < 2 or not terms or self.weight == 0:
            return hits
        idf = self.store.keyword_index().idf(sorted(terms))
        kind = query.kind or self.questions.question_kind(query.question)
        evidence = [
            self.evidence(h.chunk.text, terms, idf, kind, self.next_sentence, self.wrong_kind) for h in head
        ]
        order = sorted(range(len(head)), key=lambda i: -evidence[i])
        for rank, i in enumerate(order, 1):
            head[i].score += self.weight / (self.k + rank)
            head[i].ranks["sentence"] = rank
        return sorted(head, key=lambda h: -h.score) + tail

    @staticmethod
    def evidence(
        text: str,
        terms: set[str],
        idf: dict[str, float],
        kind: str,
        next_sentence: float = DEFAULTS.next_sentence,
        wrong_kind: float = DEFAULTS.wrong_kind,
    ) -> float:
        """The idf mass of the question's terms in the chunk's best sentence."""
        sentences, tokens = _sentence_tokens(text)
        wanted = {"number": NUMBER, "date": _DATE}.get(kind)
        best = 0.0
        for j, (sentence, found) in enumerate(zip(sentences, tokens)):
            score = sum(idf[t] for t in terms & found)
            if j + 1 < len(tokens):
                # Part credit (half, by default) for terms the next sentence adds.
                with_next = sum(idf[t] for t in terms & (found | tokens[j + 1]))
                score = (1 - next_sentence) * score + next_sentence * with_next
            if wanted is not None and not wanted.search(sentence):
                score *= wrong_kind
            best = max(best, score)
        return best


@lru_cache(maxsize=4096)
def _sentence_tokens(text: str) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    # Popular chunks come back query after query; tokenizing them is most of this stage's cost.
    sentences = tuple(text[s.start : s.end] for s in sentence_spans(text)) or (text,)
    return sentences, tuple(frozenset(tokenize(s)) for s in sentences)


class CrossEncoderReranker:
    """Optional: a sentence-transformers cross-encoder (e.g. a local BGE reranker)."""

    def __init__(self, name_or_path: str) -> None:
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(name_or_path)

    def __call__(self, query: Query, hits: list[Hit]) -> list[Hit]:
        if not hits:
            return hits
        scores = self.model.predict([(query.question, h.chunk.text) for h in hits])
        for h, s in zip(hits, scores):
            h.score = float(s)
        return sorted(hits, key=lambda h: -h.score)


def make_reranker(
    spec: str, store: IndexStore, questions: QuestionReader, tuned: RetrievalWeights = DEFAULTS
) -> Reranker:
    if spec in ("", "none"):
        return NoReranker()
    if spec == "sentence":
        return SentenceEvidenceReranker(
            store,
            questions,
            tuned.rerank,
            tuned.rerank_candidates,
            tuned.rrf_k,
            tuned.next_sentence,
            tuned.wrong_kind,
        )
    if spec.startswith("st:"):
        return CrossEncoderReranker(spec[3:])
    raise ValueError(
        f"unknown reranker {spec!r}: use 'none', 'sentence' or 'st:<cross-encoder name or path>'"
    )
