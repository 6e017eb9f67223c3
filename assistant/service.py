"""The one answering service every channel (CLI, HTTP API, web page) calls.

question → standalone rewrite → retrieve → select evidence → compose → verify.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from assistant.answering import question as question_rules
from assistant.answering.agreement import specific_metrics
from assistant.answering.analysis import QuestionAnalysis, analyse
from assistant.answering.cells import rows_asked
from assistant.answering.combine import Row, compose_table, verdict
from assistant.answering.compose import (
    compose,
    declined,
    headline_figure,
    merger_note,
    not_found,
    understood,
)
from assistant.answering.decline import Decline, Declines, unnamed_metric
from assistant.answering.extractive import Evidence, ExtractiveAnswerer
from assistant.answering.llm import LLMAnswerer, LLMUnavailable, Source, make_chat_model, sources_from
from assistant.answering.llm import citations as llm_citations
from assistant.answering.llm import messages as llm_messages
from assistant.answering.question import detect_language
from assistant.answering.sides import (
    Side,
    as_count,
    held_period_sides,
    item_figure,
    names_side,
    predecessor_sides,
    sides,
)
from assistant.conversation import llm_standalone, standalone
from assistant.grounding import check
from assistant.index.embeddings import EmbeddingCache, embedder_from
from assistant.index.facts import FactQuery
from assistant.index.store import IndexStore
from assistant.observability import ANSWERS, FALLBACKS, stage
from assistant.prompts import PromptSet
from assistant.prompts import load as load_prompts
from assistant.retrieval import Filters, Hit, Retriever, make_retriever
from assistant.schemas import AnswerResponse, FilterModel, SourceRef, Table, Turn
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
    return IndexStore(settings.data_dir, embedder_from(settings), settings.chroma_url)


def open_cache(settings: Settings) -> EmbeddingCache:
    return EmbeddingCache(settings.embed_cache_path)


def retriever_for(store: IndexStore, settings: Settings) -> Retriever:
    """The retriever the service runs. The reranker reads a question's informative terms and
    answer kind by the answering layer's rules; retrieval sits below answering, so they are
    handed down here rather than imported there."""
    return make_retriever(store, settings, question_rules)


def filters_from(model: FilterModel) -> Filters:
    """The API's filter model as retrieval's filters (schemas import nothing of retrieval)."""
    return Filters(**model.model_dump())


@dataclass
class Prepared:
    question: str
    retrieval_q: str
    language: str
    hits: list[Hit]
    started: float
    analysis: QuestionAnalysis
    filters: Filters = field(default_factory=Filters)
    declines: Declines | None = field(default=None, repr=False)  # the question's decline checks
    # Computed once per question, on first use (the LLM path and its fallback share them).
    evidence: list[Evidence] | None = field(default=None, repr=False)
    # Every candidate the extractive answerer scored, best first: what a miss is explained by.
    candidates: list[Evidence] = field(default_factory=list, repr=False)
    sources: list[Source] | None = field(default=None, repr=False)

    def why(self) -> tuple[str, ...]:
        """The signals that weighed the statement quoted first, or, where nothing was quoted,
        the best candidate's, with the coverage that fell short of the bar."""
        if self.evidence:
            best = self.evidence[0]
            return (f"quoted {best.chunk.doc_id} (coverage {best.coverage:.2f})", *best.why)
        if self.candidates:
            best = self.candidates[0]
            return (f"best candidate {best.chunk.doc_id}: coverage {best.coverage:.2f}", *best.why)
        return ()

    def nearest_titles(self) -> list[str]:
        """What the corpus does hold near the question, offered when it cannot answer."""
        return list(dict.fromkeys(h.chunk.title for h in self.hits[:3] if h.chunk.title))


class Answered(NamedTuple):
    """An answer with what evaluation scores beside it: the chunks retrieved and why the
    statement quoted was chosen (``Prepared.why``)."""

    response: AnswerResponse
    hits: list[Hit]
    why: tuple[str, ...] = ()


class AnswerService:
    def __init__(self, settings: Settings, store: IndexStore | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings)
        if self.store.keyword_is_stale():
            # An ingest was killed before publishing its keyword index: every document the
            # registry accepted must be findable, so publish it now.
            self.store.rebuild_keyword_index()
        self.retriever = retriever_for(self.store, settings)
        self.answerer = ExtractiveAnswerer(
            settings.min_support,
            settings.answer_sources,
            embedder=self.store.embedder,
            document_text=self._document_text,
        )
        self.llm: LLMAnswerer | None = None
        if settings.llm not in ("", "none"):
            key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
            model = make_chat_model(
                settings.llm, settings.llm_base_url, key, settings.llm_timeout_s, settings.llm_max_retries
            )
            self.llm = LLMAnswerer(model)

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
        return self.answer(question, history, Filters(province, since, until))

    def _document_text(self, doc_id: str) -> str | None:
        doc = self.store.document(doc_id)
        return doc.text if doc else None

    def prepare(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Prepared:
        """Validate, rewrite a follow-up, retrieve: everything before the answer is written."""
        started = time.perf_counter()
        q = self.validate(question)
        history = list(history)[-self.settings.max_history_turns :] if self.settings.max_history_turns else []
        filters = filters or Filters()
        filters.resolved_province()  # unknown province: ValueError before any work
        language = detect_language(q)
        retrieval_q = None
        with stage("rewrite"):
            if self.llm is not None:
                retrieval_q = llm_standalone(q, history, self.llm.model, load_prompts("rewrite", language))
            retrieval_q = retrieval_q or standalone(q, history)
        analysis = analyse(q, retrieval_q, language)
        with stage("retrieve"):
            _, hits = self.retriever.retrieve(
                retrieval_q, self.settings.retrieval_k, filters, analysis.profile.kind
            )
        return Prepared(q, retrieval_q, language, hits, started, analysis, filters)

    def answer(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> AnswerResponse:
        """The verified answer: what every channel shows."""
        return self.answer_with_hits(question, history, filters).response

    def answer_with_hits(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Answered:
        """The answer, the retrieved chunks it was drawn from and why its quote was chosen, for
        evaluation (retrieval metrics are scored on the same run that wrote the answer)."""
        p = self.prepare(question, history, filters)
        if self.llm is None:
            response = self.extractive(p)
            return Answered(response, p.hits, p.why())
        try:
            with stage("llm"):
                text, problems, warnings = self.llm.draft(
                    p.retrieval_q, self._llm_sources(p), self._llm_prompts(p)
                )
        except LLMUnavailable as exc:
            FALLBACKS.labels("unavailable").inc()
            response = self.extractive(p, [f"the language model failed ({exc}); showing the extractive answer"])
            return Answered(response, p.hits, p.why())
        return Answered(self.finish_llm(p, text, problems, warnings), p.hits, p.why())

    def _llm_prompts(self, p: Prepared) -> PromptSet:
        return load_prompts("llm", p.language)

    def _llm_sources(self, p: Prepared) -> list[Source]:
        """What the model reads: the chunks that hold the extractive evidence first, then the
        rest in retrieval order. The sentence that answers can sit in a chunk below the first
        six retrieved (a long article's later chunk), and a model cannot cite what it was not shown."""
        if p.sources is None:
            lead = list(dict.fromkeys(e.chunk.chunk_id for e in self._evidence(p)))
            by_id = {h.chunk.chunk_id: h for h in p.hits}
            first = [by_id[c] for c in lead if c in by_id]
            p.sources = sources_from(first + [h for h in p.hits if h.chunk.chunk_id not in lead])
        return p.sources

    def _evidence(self, p: Prepared) -> list[Evidence]:
        if p.evidence is None:
            declines = p.declines = Declines(p.analysis, self._document_text)
            with stage("extract"):
                p.evidence = self.answerer.select(
                    p.analysis,
                    p.hits,
                    self.store.keyword_index(),
                    lambda ev: declines(ev.chunk, ev.sentence, ev.ranked_cell) is None,
                    trace=p.candidates,
                )
        return p.evidence

    def finish_llm(
        self, p: Prepared, text: str | None, problems: list[str], warnings: list[str]
    ) -> AnswerResponse:
        """Turn a checked LLM draft into the response; a rejected draft becomes the
        extractive answer, with the reasons in ``warnings``."""
        prompts = self._llm_prompts(p)
        if text is None:
            FALLBACKS.labels("rejected").inc()
            return self.extractive(
                p,
                [
                    f"the language model's answer was rejected ({'; '.join(problems)}); showing the extractive answer"
                ],
            )
        if text == "":
            answer = not_found(load_prompts("extractive", p.language), p.nearest_titles())
            return self._response(p, answer, [], warnings, "llm", prompts.version)
        answer, cits = llm_citations(text, self._llm_sources(p))
        report = check(answer, cits, self.store, figures=False)  # figures: verified on the sources
        if not report.ok:
            return self.extractive(
                p, [f"the language model's answer was rejected ({'; '.join(report.problems)})"]
            )
        return self._response(p, answer, cits, warnings, "llm", prompts.version)

    def _side_evidence(self, p: Prepared, side: Side) -> Evidence | None:
        """One row of a comparison or trend: its own retrieval, evidence and checks."""
        _, hits = self.retriever.retrieve(side.analysis.text, self.settings.retrieval_k, p.filters, "number")
        declines = Declines(side.analysis, self._document_text)

        def accept(ev: Evidence) -> bool:
            statement = ev.chunk.text[ev.sentence.start : ev.sentence.end]
            return names_side(side, statement) and declines(ev.chunk, ev.sentence, ev.ranked_cell) is None

        evidence = self.answerer.select(side.analysis, hits, self.store.keyword_index(), accept)
        if not evidence or not accept(evidence[0]):
            return None
        evidence[0].figure = item_figure(side, evidence[0].quote) or evidence[0].figure
        return evidence[0]

    def _former_units(self, p: Prepared, prompts: PromptSet, warnings: list[str]) -> AnswerResponse | None:
        """A question about a merged province ("Đà Nẵng") that nothing states of the new unit,
        answered by a refusal that quotes what a former province now inside it ("Quảng Nam")
        states, said to be of the former province before the merger and never bolded; None
        when no former province's statement answers it either."""
        for new, side in predecessor_sides(p.analysis):
            ev = self._side_evidence(p, side)
            if ev is None or (p.analysis.profile.kind == "number" and ev.figure is None):
                continue
            refused = self._declined_response(p, prompts, Decline("merged", new, side.label), ev, warnings)
            if refused is not None:
                return refused
        return None

    def _declined_response(
        self, p: Prepared, prompts: PromptSet, decline: Decline, ev: Evidence, warnings: list[str]
    ) -> AnswerResponse | None:
        """A refusal that quotes the closest statement held, or None when its grounding fails.
        The message names the unit or period asked, which the quote does not hold: only the
        citation and its verbatim quote are checked."""
        copies = [SourceRef(**d) for d in self.store.duplicates(ev.chunk.doc_id)]
        answer, citations = declined(decline, ev, prompts, p.language, copies)
        if not check(answer, citations, self.store, figures=False).ok:
            return None
        return self._response(
            p,
            self._prefix(p, prompts) + answer,
            citations,
            warnings,
            "extractive",
            prompts.version,
            answerable=False,
        )

    def _years_held(self, q: QuestionAnalysis) -> list[int]:
        """The years the facts state an achieved figure for the one unit and metric a trend
        question names; [] when it names more or fewer."""
        specific = specific_metrics(q)
        if q.intent != "trend" or len(q.units) != 1 or len(specific) != 1:
            return []
        facts = self.store.facts(
            FactQuery(metric=specific[0], unit=q.units[0].surface or q.units[0].name, kind="achieved")
        )
        return [f.year for f in facts if f.year is not None]

    @staticmethod
    def _prefix(p: Prepared, prompts: PromptSet) -> str:
        """What goes before any extractive answer: how a follow-up was read, merged provinces."""
        return understood(prompts, p.retrieval_q if p.analysis.rewritten else None) + merger_note(
            prompts, p.analysis
        )

    def _table_response(
        self,
        p: Prepared,
        prompts: PromptSet,
        answer: str,
        citations: list,
        table: Table,
        warnings: list[str],
        labels: Sequence[str] = (),
    ) -> AnswerResponse | None:
        """A composed table answer, shown only when its grounding checks; else None.
        ``labels``: its rows' labels as the question named them (a missing year is still named)."""
        report = check(answer, citations, self.store, asked=labels)
        if not report.ok:
            warnings.extend(report.problems)
            return None
        return self._response(
            p,
            self._prefix(p, prompts) + answer,
            citations,
            warnings,
            "extractive",
            prompts.version,
            table=table,
        )

    def _composed(self, p: Prepared, prompts: PromptSet, warnings: list[str]) -> AnswerResponse | None:
        """A comparison, trend or ranking of levels answered as a table, one cited row per unit,
        period or level; None when the question has no sides or fewer than two are answered."""
        parts = sides(p.analysis) or held_period_sides(p.analysis, self._years_held(p.analysis))
        rows = [Row(s.label, self._side_evidence(p, s)) for s in parts]
        note = ""
        if any(s.analysis.profile.wants_percent for s in parts) and not all(r.stated for r in rows):
            # A share asked of units one of which states only a count ("987 TTHC toàn trình",
            # no rate): the counts of the same measure, said to be counts, set side by side;
            # never one unit's share next to another's count.
            counts = [
                Row(r.label, self._side_evidence(p, as_count(s))) for r, s in zip(rows, parts, strict=True)
            ]
            if sum(r.stated for r in counts) > sum(r.stated for r in rows):
                rows, note = counts, prompts["table_counts"]
        # A table is worth showing when it sets at least two figures side by side; otherwise
        # one statement may answer for all the units together ("Hà Nội và TP HCM đều …").
        if sum(r.stated for r in rows) < 2:
            return None
        # Rows by period read as a trend (latest first), whatever the question called it.
        shape = "trend" if parts and parts[0].by == "period" else "comparison"
        answer, citations, table = compose_table(rows, shape, prompts, p.language)
        # Counts set side by side where a share was asked are no ranking of the shares: the
        # table shows them, no line says which is higher.
        said = (
            verdict(rows, p.analysis.text, prompts, p.language, parts[0].by)
            if shape == "comparison" and not note
            else None
        )
        answer = "\n\n".join(x for x in (note, said, answer) if x)
        return self._table_response(p, prompts, answer, citations, table, warnings, [s.label for s in parts])

    def _ranked_table(
        self, p: Prepared, prompts: PromptSet, best: Evidence, warnings: list[str]
    ) -> AnswerResponse | None:
        """A ranking read from a table: its extreme as the headline, then the first rows of
        the column in ranking order, each cited with its own row."""
        assert best.ranking is not None
        rows = [Row(e.label or "", e) for e in best.ranking[: rows_asked(p.analysis.text)]]
        end = prompts["rank_high" if p.analysis.profile.direction == "high" else "rank_low"]
        lead = prompts["lead_cell_ranked"].format(
            figure=headline_figure(best.figure or "", p.language), row=best.label, column=best.column, end=end
        )
        intro = prompts["table_intro_ranking"].format(column=best.column, end=end)
        answer, citations, table = compose_table(rows, "ranking", prompts, p.language, intro)
        answer = lead.rstrip() + "\n\n" + answer
        return self._table_response(p, prompts, answer, citations, table, warnings)

    def extractive(self, p: Prepared, warnings: list[str] | None = None) -> AnswerResponse:
        warnings = list(warnings or [])
        prompts = load_prompts("extractive", p.language)
        if p.analysis.intent in ("comparison", "trend", "ranking"):  # a ranking composes only of levels (``sides``)
            with stage("compose"):
                composed = self._composed(p, prompts, warnings)
            if composed is not None:
                return composed
        evidence = list(self._evidence(p))
        citations: list = []
        prefix = self._prefix(p, prompts)
        if evidence:
            assert p.declines is not None  # set by _evidence
            refusal = p.declines(evidence[0].chunk, evidence[0].sentence, evidence[0].ranked_cell)
            if refusal is None:
                best = evidence[0]
                document = self._document_text(best.chunk.doc_id) or best.chunk.text
                refusal = unnamed_metric(p.analysis, best.chunk.title, document, best.figure)
            if refusal is not None and refusal.reason == "unit":
                merged = self._former_units(p, prompts, warnings)
                if merged is not None:
                    return merged
            if refusal is not None:
                refused = self._declined_response(p, prompts, refusal, evidence[0], warnings)
                if refused is not None:
                    return refused
                evidence, citations = [], []
        if evidence and evidence[0].ranking and p.analysis.intent == "ranking":
            ranked = self._ranked_table(p, prompts, evidence[0], warnings)
            if ranked is not None:
                return ranked
        if evidence:
            # One citation per story: republished copies become "also reported by".
            by_story: dict[str, Evidence] = {}
            for e in evidence:
                by_story.setdefault(self.store.cluster(e.chunk.doc_id), e)
            evidence = list(by_story.values())
            also = {
                e.chunk.doc_id: [SourceRef(**d) for d in self.store.duplicates(e.chunk.doc_id)]
                for e in evidence
            }
            answer, citations = compose(evidence, prompts, p.language, also, p.analysis.profile.direction)
            report = check(answer, citations, self.store)
            if not report.ok:
                # Never show an answer whose grounding failed, even our own.
                warnings.extend(report.problems)
                evidence, citations = [], []
        if not evidence:
            merged = self._former_units(p, prompts, warnings)
            if merged is not None:
                return merged
            answer = not_found(prompts, p.nearest_titles())
        if not p.hits and not self.store.stats()["chunks"]:
            warnings.append("the index is empty: ingest documents with `cchc ingest PATH`")
        return self._response(p, prefix + answer, citations, warnings, "extractive", prompts.version)

    def _response(
        self,
        p: Prepared,
        answer: str,
        citations: list,
        warnings: list[str],
        mode: str,
        version: str,
        answerable: bool | None = None,
        table: Table | None = None,
    ) -> AnswerResponse:
        """``answerable``: False for a refusal that still cites the closest statement held."""
        answerable = bool(citations) if answerable is None else answerable
        ANSWERS.labels(mode, str(answerable).lower()).inc()
        return AnswerResponse(
            answer=answer,
            answerable=answerable,
            table=table,
            mode=mode,  # type: ignore[arg-type]
            citations=citations,
            warnings=warnings,
            latency_ms=round((time.perf_counter() - p.started) * 1000, 1),
            language=p.language,  # type: ignore[arg-type]
            standalone_question=p.retrieval_q if p.retrieval_q != p.question else None,
            prompt_version=version,
        )

    def stream(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Iterator[tuple[str, str | AnswerResponse]]:
        """("token", text) events while the LLM writes, then ("final", response): the
        verified answer, which replaces the streamed draft (it may be the extractive
        fallback). Without an LLM the final answer is the only event."""
        p = self.prepare(question, history, filters)
        if self.llm is None:
            yield "final", self.extractive(p)
            return
        sources = self._llm_sources(p)
        prompts = self._llm_prompts(p)
        parts: list[str] = []
        try:
            for token in self.llm.stream(llm_messages(p.retrieval_q, sources, prompts)):
                parts.append(token)
                yield "token", token
            text, problems, warnings = self.llm.draft(
                p.retrieval_q, sources, prompts, first="".join(parts).strip()
            )
        except LLMUnavailable as exc:
            yield (
                "final",
                self.extractive(p, [f"the language model failed ({exc}); showing the extractive answer"]),
            )
            return
        yield "final", self.finish_llm(p, text, problems, warnings)
