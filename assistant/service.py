"""The one answering service every channel (CLI, HTTP API, web page) calls.

question → standalone rewrite → retrieve → select evidence → compose → verify.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from assistant.answering.compose import compose, not_found
from assistant.answering.extractive import Evidence, ExtractiveAnswerer
from assistant.answering.question import detect_language, profile
from assistant.conversation import standalone
from assistant.grounding import check
from assistant.index.embeddings import EmbeddingCache, make_embedder
from assistant.index.store import IndexStore
from assistant.prompts import load as load_prompts
from assistant.retrieval import Filters, Hit, ReciprocalRankFusion, Retriever
from assistant.schemas import AnswerResponse, SourceRef, Turn
from assistant.settings import Settings


class InvalidQuestion(ValueError):
    """A question the service refuses, with a message in the asker's language."""


_MESSAGES = {
    "empty": {"vi": "Câu hỏi trống: hãy nhập một câu hỏi.", "en": "The question is empty."},
    "too_long": {
        "vi": "Câu hỏi quá dài ({n} ký tự, tối đa {max}).",
        "en": "The question is too long ({n} characters, at most {max}).",
    },
}


def open_store(settings: Settings) -> IndexStore:
    return IndexStore(settings.data_dir, make_embedder(settings.embedder), settings.chroma_url)


def open_cache(settings: Settings) -> EmbeddingCache:
    return EmbeddingCache(settings.embed_cache_path)


class AnswerService:
    def __init__(self, settings: Settings, store: IndexStore | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings)
        weights = {"dense": settings.dense_weight, "keyword": settings.keyword_weight}
        if settings.fusion == "dense":
            weights["keyword"] = 0.0
        elif settings.fusion == "keyword":
            weights["dense"] = 0.0
        self.retriever = Retriever(
            self.store,
            fusion=ReciprocalRankFusion(k=settings.rrf_k, weights=weights),
            candidates=settings.candidates,
        )
        self.answerer = ExtractiveAnswerer(
            settings.min_support, settings.answer_sources, embedder=self.store.embedder
        )

    def validate(self, question: str) -> str:
        q = question.strip()
        lang = detect_language(q) if q else "vi"
        if not q:
            raise InvalidQuestion(_MESSAGES["empty"][lang])
        if len(q) > self.settings.max_question_chars:
            msg = _MESSAGES["too_long"][lang]
            raise InvalidQuestion(msg.format(n=len(q), max=self.settings.max_question_chars))
        return q

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        province: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> AnswerResponse:
        return self.answer(question, history, Filters(province, since, until))[0]

    def answer(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> tuple[AnswerResponse, list[Hit]]:
        """The answer and the retrieved chunks it was drawn from (for evaluation)."""
        started = time.perf_counter()
        q = self.validate(question)
        history = list(history)[-self.settings.max_history_turns :] if self.settings.max_history_turns else []
        filters = filters or Filters()
        filters.resolved_province()  # unknown province: ValueError before any work
        retrieval_q = standalone(q, history)
        language = detect_language(q)
        prof = replace(profile(retrieval_q), language=language)
        prompts = load_prompts("extractive", language)
        _, hits = self.retriever.retrieve(retrieval_q, self.settings.retrieval_k, filters)
        evidence = self.answerer.select(prof, hits, self.store.keyword_index())
        warnings: list[str] = []
        if evidence:
            # One citation per story: republished copies become "also reported by".
            by_story: dict[str, Evidence] = {}
            for e in evidence:
                by_story.setdefault(self.store.cluster(e.chunk.doc_id), e)
            evidence = list(by_story.values())
            copies = {e.chunk.doc_id: [SourceRef(**d) for d in self.store.duplicates(e.chunk.doc_id)] for e in evidence}
            answer, citations = compose(evidence, prompts, language, copies)
            report = check(answer, citations, self.store)
            if not report.ok:
                # Never show an answer whose grounding failed, even our own.
                warnings.extend(report.problems)
                evidence, citations = [], []
        if not evidence:
            nearest = list(dict.fromkeys(h.chunk.title for h in hits[:3] if h.chunk.title))
            answer, citations = not_found(prompts, nearest), []
        if not hits and not self.store.stats()["chunks"]:
            warnings.append("the index is empty: ingest documents with `cchc ingest PATH`")
        response = AnswerResponse(
            answer=answer,
            answerable=bool(citations),
            mode="extractive",
            citations=citations,
            warnings=warnings,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            language=language,  # type: ignore[arg-type]
            standalone_question=retrieval_q if retrieval_q != q else None,
            prompt_version=prompts.version,
        )
        return response, hits
