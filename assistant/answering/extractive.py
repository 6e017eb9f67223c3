"""The answerer that needs no LLM: it quotes the sentence that answers the question.

Every sentence of the retrieved chunks is scored by how much of the question's informative
vocabulary (idf-weighted, glossary-expanded, so "TTHC" covers "thủ tục hành chính" and
"fully online" covers "toàn trình") it covers, itself or through its immediate context
(title, preceding sentences), and by whether it holds the kind of answer asked for (a figure,
a percentage, a date). Below ``min_support`` nothing is quoted: the answer is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from assistant.answering import signals
from assistant.answering.agreement import list_lead_in, plan_lead_in, specific_metrics
from assistant.answering.analysis import QuestionAnalysis
from assistant.answering.cells import TABLE_HINT, CellAnswer, cell_answers
from assistant.answering.figures import answer_fit, asked_values
from assistant.answering.lead import expanded_tokens as _expanded_tokens
from assistant.answering.lead import lead_figure, sentence_agreement
from assistant.answering.passages import (
    CAPTION,
    ITEM_SEP,
    MAX_ENUMERATION_CHARS,
    MAX_LIST_QUOTE_CHARS,
    TERMINAL,
    enumerates,
    opens_enumeration,
    whole_sentences,
    with_antecedent,
    with_continuation,
    with_list_items,
)
from assistant.answering.question import (
    QuestionProfile,
    detect_language,
    names_end,
    names_rank_end,
    ranking_direction,
)
from assistant.answering.rank import enumerated, extreme
from assistant.answering.signals import Factors
from assistant.answering.slots import names_the_slot
from assistant.answering.weights import WEIGHTS as W
from assistant.index.embeddings import IndexEmbeddings
from assistant.index.facets import levels_in, metrics_in
from assistant.index.figures import figures
from assistant.index.gazetteer import units_in, units_in_question
from assistant.index.keywords import KeywordIndex, tokenize
from assistant.index.sentences import Span, statement_spans
from assistant.index.store import StoredChunk
from assistant.index.tables import Cell, Row, table_rows
from assistant.index.textnorm import fold_accents, has_vietnamese_diacritics
from assistant.retrieval import Hit

# The weights that score a sentence live in ``weights.py`` (``W``).
# A change stated: two figures or more, and two years or a change phrase ("tăng từ 81,54% lên 89,21%").
_CHANGE = re.compile(
    r"\b(?:tăng|giảm|tụt|lên|xuống|so với|so cùng kỳ|từ .{1,60}? (?:lên|xuống|còn)|increased?|decreased?|"
    r"rose|fell|dropped|up from|down from|from .{1,60}? to)\b",
    re.IGNORECASE,
)
# How much of the passage before a sentence may name the measure it leaves implicit
# ("Chỉ số CCHC năm 2014 … Năm 2014, có 5 bộ đạt chỉ số trên 80%").
METRIC_CONTEXT_CHARS = 400
MAX_QUOTE_CHARS = 360
# How far down the ranked sentences an answer about the unit and period asked is looked for
# when the best one is about another (``select(accept=…)``).
ACCEPT_CANDIDATES = 10
# Questions answered by several figures or items together.
# A "sentence" holding this many one-cell-a-line separators is a flattened table, not prose.
FLATTENED_CELLS = 3
COMPOSED_INTENTS = ("list", "ranking", "trend", "comparison")
# A question about the whole country, asked about no province or district ("chỉ số SIPAS
# của cả nước"), is not answered by a town's figure ("SIPAS của thị xã Kỳ Anh đạt 100%").
_NATIONAL = re.compile(
    r"\b(?:ca nuoc|toan quoc|nationwide|nationally|national average|whole country|countrywide)\b"
)
_LOCAL_WORD = re.compile(
    r"\b(?:tinh|thanh pho|tp|thi xa|huyen|quan|xa|phuong|province|city|district|commune)\b"
)
_LOCAL_UNIT = re.compile(r"\b(?:tỉnh|thành phố|TP\.?|thị xã|huyện|quận|xã|phường|thị trấn)\s+[A-ZĐ]")
# How many of the best sentences are searched for the name a "which province/ministry" question asks for.
_SLOT_CANDIDATES = 20
_CLAUSE_CUT = re.compile(r"[,;:](?=\s)|\s[-–]\s")


@dataclass
class Evidence:
    chunk: StoredChunk
    rank: int
    sentence: Span  # in the chunk text
    score: float
    coverage: float
    # Filled by ``ExtractiveAnswerer._quote`` for the few candidates that are looked at:
    start: int = 0  # offsets of the quote in the document text
    end: int = 0
    quote: str = ""
    figure: str | None = None
    # A ranking computed over the items the quote lists: the top (or bottom) item's name (``rank.py``).
    label: str | None = None
    agree: float | None = (
        None  # how well its best figure agrees with the question (``lead.sentence_agreement``)
    )
    # A table cell read as the answer (``cells.py``): the column header it was read from, and
    # whether it is the extreme of that column over the table's rows.
    column: str | None = None
    ranked_cell: bool = False
    # A ranked cell's table in ranking order, one evidence per row (``combine.compose_table``).
    ranking: list[Evidence] | None = None
    # The signals that weighed it, with their values (``signals.py``): what a miss is explained by.
    why: tuple[str, ...] = ()


@lru_cache(maxsize=64)
def _rows(text: str) -> list[Row]:
    """A document's table rows, read once: the same appendix answers question after question."""
    return table_rows(text)


_LEAD_WORDS = {"năm", "theo", "tại", "trong", "đến", "tính", "từ", "sau", "trước", "khi", "ngày", "tháng"}


def named_entities(question: str) -> list[set[str]]:
    """Token sets of the capitalised names a question contains ("Hà Giang", "Bộ Tư pháp",
    "PAR INDEX"): a passage that lacks a name's tokens is about something else.

    In an English question only Vietnamese names and acronyms count: "Ministry" is not
    written in a Vietnamese source, "Quảng Nam" and "SIPAS" are.
    """
    english = detect_language(question) == "en"
    words = re.findall(r"[\w'’/-]+", question)
    runs: list[list[str]] = []
    current: list[str] = []
    for i, w in enumerate(words):
        if w[:1].isupper() and not (i == 0 and w.lower() in _LEAD_WORDS):
            current.append(w)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    out: list[set[str]] = []
    for run in runs:
        if run[0] == words[0] and len(run) == 1:
            continue  # the sentence's first word
        if english and not (has_vietnamese_diacritics(" ".join(run)) or all(w.isupper() for w in run)):
            continue
        # No stop-word filter: capitalised "Tư" in "Bộ Tư pháp" is a name, not "từ".
        tokens = {t for t in tokenize(" ".join(run)) if "_" not in t and not t[0].isdigit()}
        if tokens:
            out.append(tokens)
    return out


# A document's number and symbol as the question cites it ("Công điện 220/CĐ-TTg", "Quyết định
# số 1291/QĐ-BNV"): the answer is in that document, or in one that cites it.
_DOC_SYMBOL = re.compile(r"(?<![\w/])(\d{1,5}/(?:\d{4}/)?[A-ZĐ][A-ZĐa-zđ0-9]*(?:-[A-ZĐ][A-ZĐa-zđ0-9]*)*)")
# What a passage keeps of its coverage when its document never names the one the question cites.


def _symbols(text: str) -> set[str]:
    return {fold_accents(m.group(1)).lower() for m in _DOC_SYMBOL.finditer(text)}


def _years(text: str) -> set[str]:
    return set(re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text))


# "… đạt 94,696 điểm, tăng 1 bậc so với năm 2022": the year of comparison is not the
# year the figure is about, nor in "so với kết quả của năm 2013" (a few words between).
COMPARED_YEAR_WORDS = 4
_COMPARED_YEAR = re.compile(
    r"(?:so với|so cùng kỳ|cùng kỳ|compared (?:with|to)|than in)\s+(?:(?:cùng kỳ|the same period of)\s+)?"
    rf"(?:[^\W\d_]+\s+){{0,{COMPARED_YEAR_WORDS}}}?(?:năm\s+)?(?:19|20)\d{{2}}",
    re.IGNORECASE,
)


# "đứng thứ 7 (năm 2021 đứng thứ 12)", "đạt 91% (năm 2021 đạt 80%)": an aside that states
# another year's own figure.
_YEAR_ASIDE = re.compile(r"\(\s*(?:năm\s+|in\s+)?(?:19|20)\d{2}\b[^()\d]*\d[^()]*\)", re.IGNORECASE)


def _subject_years(text: str) -> set[str]:
    return _years(_COMPARED_YEAR.sub(" ", _YEAR_ASIDE.sub(" ", text)))


def _cell_evidence(
    chunk: StoredChunk, rank: int, a: CellAnswer, text: str, prof: QuestionProfile, asked: set[Decimal]
) -> Evidence | None:
    """A table cell as evidence: quoted verbatim from the row's name to the cell."""
    _, fit = (None, 0.0) if a.ranked else answer_fit(prof, f"{a.value.header}: {a.figure}", asked)
    if fit < 0:
        return None
    score = a.coverage + fit + W.cell_bonus + W.rank_order / rank
    ev = _row_evidence(chunk, rank, text, a.name, a.value, a.figure, score, a.coverage)
    ev.ranked_cell = a.ranked
    if a.order:
        ev.ranking = [_row_evidence(chunk, rank, text, n, c, v, score, a.coverage) for _, n, c, v in a.order]
    return ev


def _row_evidence(
    chunk: StoredChunk,
    rank: int,
    text: str,
    name: Cell,
    value: Cell,
    figure: str,
    score: float,
    coverage: float,
) -> Evidence:
    """One table row quoted verbatim from its name to the cell read."""
    lo, hi = name.start, value.end
    row = replace(chunk, start=lo, end=hi, text=text[lo:hi])
    ev = Evidence(row, rank, Span(0, hi - lo), score=score, coverage=coverage, agree=1.0)
    ev.quote, ev.start, ev.end = text[lo:hi], lo, hi
    ev.figure, ev.label, ev.column = figure, name.text, value.header
    return ev


class ExtractiveAnswerer:
    def __init__(
        self,
        min_support: float = 0.42,
        max_sources: int = 3,
        sentences_from: int = 8,
        embedder: IndexEmbeddings | None = None,
        document_text: Callable[[str], str | None] | None = None,
    ) -> None:
        self.min_support = min_support
        self.max_sources = max_sources
        self.sentences_from = sentences_from
        self.embedder = embedder
        self.document_text = document_text

    def _text(self, doc_id: str, texts: dict[str, str | None]) -> str | None:
        """A document's whole text, read once per question (``texts``) and only when needed."""
        if doc_id not in texts:
            texts[doc_id] = self.document_text(doc_id) if self.document_text else None
        return texts[doc_id]

    def _whole(self, chunk: StoredChunk, texts: dict[str, str | None]) -> StoredChunk:
        """The chunk read on to the end of the sentence it cuts (``passages.whole_sentences``)."""
        if TERMINAL.search(chunk.text):
            return chunk  # it ends a sentence: no need to read its document
        return whole_sentences(chunk, self._text(chunk.doc_id, texts))

    def _document(
        self, doc_id: str, what: str, cache: dict[tuple[str, str], set[str]], texts: dict[str, str | None]
    ) -> set[str]:
        """What a whole document speaks of: its ``years`` (years of comparison left out) or
        its keyword ``tokens``; computed once per question, and only when a passage needs it."""
        if (doc_id, what) not in cache:
            text = self._text(doc_id, texts)
            if not text:
                cache[doc_id, what] = set()
            else:
                # Tokens with their glossary equivalents: "PAR INDEX" asked, "chỉ số cải cách
                # hành chính" written, is no missing name.
                cache[doc_id, what] = _subject_years(text) if what == "years" else _expanded_tokens(text)
        return cache[doc_id, what]

    def _coverage(
        self,
        terms: tuple[str, ...],
        weights: dict[str, float],
        own: set[str],
        context: set[str],
        elsewhere: set[str] | frozenset[str] = frozenset(),
    ) -> float:
        """The share of the question's term weight the sentence holds: fully in its own words,
        at ``W.context`` in the passage before it, at ``W.source_elsewhere`` for a term of the
        cited source found only elsewhere in its document."""
        total = sum(weights[t] for t in terms) or 1.0
        got = 0.0
        for t in terms:
            if t in own:
                got += weights[t]
            elif t in context:
                got += W.context * weights[t]
            elif t in elsewhere:
                got += W.source_elsewhere * weights[t]
        return got / total

    def _trim(
        self,
        sentence: str,
        prof: QuestionProfile,
        terms: tuple[str, ...],
        asked: set[Decimal],
        limit: int = MAX_QUOTE_CHARS,
    ) -> tuple[int, int]:
        """The clause window of an over-long sentence that holds the answer (offsets in it)."""
        if len(sentence) <= limit:
            return 0, len(sentence)
        bounds = [0] + [m.end() for m in _CLAUSE_CUT.finditer(sentence)] + [len(sentence)]
        clauses = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]

        def clause_score(c: tuple[int, int]) -> float:
            piece = sentence[c[0] : c[1]]
            toks = _expanded_tokens(piece)
            score = sum(1.0 for t in terms if t in toks)
            _, fit = answer_fit(prof, piece, asked)
            return score + (2.0 if fit > 0 else 0.0) + fit * 10

        best = max(range(len(clauses)), key=lambda i: clause_score(clauses[i]))
        lo = hi = best
        while True:
            grown = False
            for cand in (lo - 1, hi + 1):
                if 0 <= cand < len(clauses):
                    a = clauses[min(lo, cand)][0]
                    b = clauses[max(hi, cand)][1]
                    if b - a <= limit:
                        lo, hi = min(lo, cand), max(hi, cand)
                        grown = True
                        break
            if not grown:
                break
        a, b = clauses[lo][0], clauses[hi][1]
        piece = sentence[a:b]
        a += len(piece) - len(piece.lstrip())
        b -= len(piece) - len(piece.rstrip())
        return a, b

    def _quote(
        self, ev: Evidence, q: QuestionAnalysis, terms: tuple[str, ...], asked: set[Decimal]
    ) -> Evidence:
        """Trim the candidate's sentence to its quote and find its lead figure (once)."""
        if ev.quote:
            return ev
        if q.intent in COMPOSED_INTENTS:
            span = with_antecedent(ev.chunk.text, ev.sentence)
            ev.sentence = with_continuation(ev.chunk.text, with_list_items(ev.chunk.text, span))
        sentence = ev.chunk.text[ev.sentence.start : ev.sentence.end]
        # A list is quoted to its last item, however many statements it runs over.
        limit = (
            MAX_ENUMERATION_CHARS
            if q.intent == "list"
            else MAX_LIST_QUOTE_CHARS
            if q.intent in COMPOSED_INTENTS
            else MAX_QUOTE_CHARS
        )
        a, b = self._trim(sentence, q.profile, terms, asked, limit)
        ev.quote = sentence[a:b]
        ev.start = ev.chunk.start + ev.sentence.start + a
        ev.end = ev.start + len(ev.quote)
        lead_in = list_lead_in(ev.chunk.text, ev.sentence.start) or plan_lead_in(ev.chunk.title)
        before = ev.chunk.text[max(0, ev.sentence.start - METRIC_CONTEXT_CHARS) : ev.sentence.start]
        ev.figure = lead_figure(sentence, a, b, q, asked, lead_in, f"{ev.chunk.title}\n{before}")
        if q.intent == "ranking" and q.profile.direction and not names_rank_end(ev.quote):
            # The sentence lists items without saying which is first or last: rank them.
            items = enumerated(ev.quote)
            top = extreme(items, q.profile.direction)
            if top is not None:
                ev.figure, ev.label = top.shown or top.figure.text, top.label
        return ev

    def _answering_first(self, q: QuestionAnalysis, scored: list[Evidence]) -> list[Evidence]:
        """For a list question, the well-covered statements that enumerate what it asks for
        ("4 doanh nghiệp là A; B; C; D") before those that only speak of it; for a ranking
        question, those that name the end asked for or list items with a figure each before
        those that only introduce the ranking. The rest keep their order behind them."""
        prof = q.profile
        bar = self.min_support * (W.cross_lingual_support if prof.language == "en" else 1.0)

        def answers(e: Evidence) -> bool:
            text = e.chunk.text
            sentence = text[e.sentence.start : e.sentence.end]
            if q.intent == "list" and q.item:
                return enumerates(q.item, sentence, text[e.sentence.end : e.sentence.end + MAX_QUOTE_CHARS])
            if q.ranks_units and prof.direction:
                return names_end(sentence, prof.direction) or (
                    not names_rank_end(sentence) and bool(enumerated(sentence))
                )
            return False

        if q.intent not in ("list", "ranking"):
            return scored
        head = scored[:_SLOT_CANDIDATES]
        first = [e for e in head if e.coverage >= bar and answers(e)]
        if not first:
            return scored
        chosen = {id(e) for e in first}
        return first + [e for e in scored if id(e) not in chosen]

    def _semantic_rerank(self, question: str, scored: list[Evidence], top: int = 10) -> list[Evidence]:
        """Add the embedder's question-sentence similarity to the best lexical candidates:
        "bottom-ranked" has no word in common with "đội sổ", but e5 is cross-lingual."""
        assert self.embedder is not None
        head, tail = scored[:top], scored[top:]
        q = self.embedder.embed_queries([question])[0]
        vecs = self.embedder.embed_passages([e.quote for e in head])
        for e, sim in zip(head, vecs @ q):
            e.score += W.semantic * float(sim)
        head.sort(key=lambda e: -e.score)
        return head + tail

    def select(
        self,
        q: QuestionAnalysis,
        hits: list[Hit],
        keyword: KeywordIndex,
        accept: Callable[[Evidence], bool] | None = None,
        trace: list[Evidence] | None = None,
    ) -> list[Evidence]:
        """The evidence to quote, best first (``trace``, when given, receives every scored
        candidate in order: what ``cchc eval --misses`` and debugging read). ``q.focus``: the phrases a follow-up itself
        asked about ("cấp huyện" in "Còn cấp huyện thì sao?"), which the passage must hold."""
        prof, focus = q.profile, q.focus
        terms = prof.terms
        if not terms or not hits:
            return []
        idf = keyword.idf(list(terms))
        vocab_known = keyword.known(list(terms))
        # A bigram the corpus never saw spans two words ("tuyen_ha" in "truc tuyen ha
        # giang"): noise, not information. An unseen single word is the opposite: the
        # question names something the corpus lacks, and must weigh fully.
        weights = {t: (0.5 * idf[t] if "_" in t else idf[t]) for t in terms}
        terms = tuple(t for t in terms if "_" not in t or t in vocab_known)
        # Nor can a follow-up require a phrase no passage holds ("readiness_index" of an English
        # follow-up over Vietnamese text): only the phrases the corpus knows are its focus.
        focus = frozenset(focus & keyword.known(list(focus))) if focus else focus
        wanted_units = units_in_question(prof.question_text)
        folded_q = fold_accents(prof.question_text).lower()
        national = bool(_NATIONAL.search(folded_q)) and not wanted_units and not _LOCAL_WORD.search(folded_q)
        asked = asked_values(prof.question_text)
        asked_years = _years(prof.question_text)
        entities = named_entities(prof.question_text)
        # Only a figure question: "who announced the PAR INDEX" is answered by a sentence
        # about a person, which need not name the index again.
        asked_metrics = set(specific_metrics(q)) if prof.kind == "number" else set()
        # The question's terms made only of a name's words ("quang", "quang_nam"): where the
        # document names it elsewhere, they count as the passage's context (below).
        name_terms = {t: e for e in entities for t in terms if set(t.split("_")) <= e}
        cited = _symbols(prof.question_text)
        scored: list[Evidence] = []
        documents: dict[tuple[str, str], set[str]] = {}
        texts: dict[str, str | None] = {}
        for rank, hit in enumerate(hits[: self.sentences_from], 1):
            chunk = self._whole(hit.chunk, texts)
            spans: list[Span] = statement_spans(chunk.text)
            title_tokens = _expanded_tokens(chunk.title)
            named = units_in(chunk.title + "\n" + chunk.text)
            # An undated passage of a report published in year Y speaks of Y or Y-1.
            published_years = (
                {chunk.published[:4], str(int(chunk.published[:4]) - 1)} if chunk.published else set()
            )
            # Text that names provinces, none of them the one asked about, is about
            # somewhere else ("Bắc Kạn" is not answered by a Thái Nguyên report).
            chunk_factors = Factors()
            chunk_factors.apply(signals.other_place(wanted_units, named))
            plan = plan_lead_in(chunk.title)
            cites_other = signals.other_document(
                bool(cited),
                bool(
                    cited
                    and cited & _symbols(f"{chunk.title}\n{self._text(chunk.doc_id, texts) or chunk.text}")
                ),
            )
            document_factor = cites_other.value if cites_other else 1.0
            chunk_factors.apply(cites_other)
            # The source the question cites is named where the article introduces it ("Tại hội
            # thảo …, khảo sát của …"), not in each sentence that quotes it: read on the document.
            elsewhere = (
                q.source & self._document(chunk.doc_id, "tokens", documents, texts)
                if q.source
                else frozenset()
            )
            cells_found = False
            if TABLE_HINT.search(chunk.text):
                whole_text = self._text(chunk.doc_id, texts)
                if whole_text:

                    def cov_of(
                        own: set[str],
                        ctx: set[str],
                        # A cell's row names its own unit (``cells.names_row``): the other
                        # provinces the chunk names say nothing against it.
                        factor: float = document_factor,
                        title: set[str] = title_tokens,
                    ) -> float:
                        return self._coverage(terms, weights, own, ctx | title) * factor

                    def fits(header: str, value: str) -> bool:
                        return answer_fit(prof, f"{header}: {value}", asked)[1] >= 0

                    for a in cell_answers(
                        q, whole_text, chunk.start, chunk.end, terms, weights, cov_of, fits, _rows
                    ):
                        ev = _cell_evidence(chunk, rank, a, whole_text, prof, asked)
                        if ev is not None:
                            scored.append(ev)
                            cells_found = True
            for i, span in enumerate(spans):
                sentence = chunk.text[span.start : span.end]
                if len(sentence) < 25 or CAPTION.search(sentence):
                    continue
                if cells_found and sentence.count("\n|\n") >= FLATTENED_CELLS:
                    # Cells of a flattened table run together: the cells read above quote them.
                    continue
                found, fit = answer_fit(prof, sentence, asked)
                if fit < 0:
                    continue
                agree = sentence_agreement(sentence, found, q, list_lead_in(chunk.text, span.start) or plan)
                before = " ".join(chunk.text[s.start : s.end] for s in spans[max(0, i - 3) : i])
                context = title_tokens | _expanded_tokens(before)
                own = _expanded_tokens(sentence)
                factors = chunk_factors.copy()
                factors.apply(
                    signals.local_for_national(
                        national
                        and bool(_LOCAL_UNIT.search(sentence))
                        and not _NATIONAL.search(fold_accents(sentence).lower())
                    )
                )
                said = ranking_direction(sentence) if prof.direction else None
                factors.apply(signals.other_end(prof.direction, said))
                own_years = _subject_years(sentence)
                window_years = own_years or _subject_years(f"{chunk.title} {before}")
                if asked_years and not window_years and not chunk.published:
                    # An undated article dates its passages by the years it speaks of:
                    # a SIPAS 2015 article does not answer a question about SIPAS 2023.
                    window_years = self._document(chunk.doc_id, "years", documents, texts)
                factors.apply(signals.period(asked_years, window_years, published_years))
                if q.levels:
                    # "cấp huyện" asked: a sentence about "khối các sở", or a passage naming no level.
                    factors.apply(
                        signals.level(
                            q.levels,
                            {m.key for m in levels_in(sentence)} - {"all"},
                            {m.key for m in levels_in(f"{before} {sentence}")},
                        )
                    )
                # Its figure may be of the kind asked (a percentage), not of the measure.
                unnamed = signals.metric(
                    asked_metrics, {m.key for m in metrics_in(sentence)} if asked_metrics else set()
                )
                metric_factor = unnamed.value if unnamed else 1.0
                factors.apply(unnamed)
                missing = [e for e in entities if not e <= (own | context)]
                if missing:
                    # A provincial portal's article names its province once, not in every
                    # paragraph: a name anywhere in the document is not missing. (Which unit a
                    # figure is about is checked on its own sentence: ``agreement.py``.)
                    whole = self._document(chunk.doc_id, "tokens", documents, texts)
                    missing = [e for e in missing if not e <= whole]
                    # Nor does the name weigh as absent from the passage's coverage: a portal's
                    # "Ở cấp xã tiếp nhận …" is about the province its article named above.
                    context = context | {t for t, e in name_terms.items() if e <= whole}
                factors.apply(signals.missing_names(len(missing)))
                if focus:
                    # What the follow-up itself asks about must be there; the share missing
                    # counts, not the number (a long follow-up has many phrases).
                    factors.apply(signals.focus(len(focus - own - context), len(focus)))
                factors.apply(signals.no_figure(prof.also_number and not figures(sentence)))
                factors.apply(signals.disagreement(agree))
                cov = self._coverage(terms, weights, own, context, elsewhere) * factors.value
                bonuses = [
                    # An enumeration answers "những … nào", a count of it does not.
                    signals.bonus(
                        q.intent == "list" and len(ITEM_SEP.findall(sentence)) >= 2, W.list_bonus, "a list"
                    ),
                    # It opens a list the next statements go on with ("Thứ hai là …").
                    signals.bonus(
                        q.intent == "list"
                        and i + 1 < len(spans)
                        and opens_enumeration(sentence, chunk.text[spans[i + 1].start : spans[i + 1].end]),
                        W.list_bonus,
                        "opens a list",
                    ),
                    signals.bonus(
                        q.intent in ("trend", "comparison")
                        and len(figures(sentence)) >= 2
                        and bool(len(_years(sentence)) >= 2 or _CHANGE.search(sentence)),
                        W.trend_bonus,
                        "figures over time",
                    ),
                    # Only among passages that answer at all: a list elsewhere is no ranking of this.
                    signals.bonus(
                        q.intent == "ranking"
                        and bool(prof.direction)
                        and cov >= self.min_support
                        and bool(
                            names_end(sentence, prof.direction or "")
                            or (not names_rank_end(sentence) and enumerated(sentence))
                        ),
                        W.rank_bonus,
                        "names the end of a ranking",
                    ),
                ]
                bonus = 0.0
                for b in bonuses:
                    if b is not None:
                        bonus += b.value
                        factors.reasons.append(f"{b.reason} +{b.value:.3g}")
                scored.append(
                    Evidence(
                        chunk,
                        rank,
                        span,
                        score=cov + fit * metric_factor + bonus + W.rank_order / rank,
                        coverage=cov,
                        agree=agree,
                        why=tuple(factors.reasons),
                    )
                )
        scored.sort(key=lambda e: -e.score)
        if prof.kind in ("place", "ministry"):
            # "Tỉnh nào …", "bộ nào …" are answered by a sentence that names one (not one
            # the question names). Where the best candidates name some, the rest go;
            # where none do (foreign names in a translated article), nothing is dropped.
            naming = [
                e
                for e in scored[:_SLOT_CANDIDATES]
                if names_the_slot(
                    prof.kind, e.chunk.text[e.sentence.start : e.sentence.end], prof.question_text
                )
            ]
            scored = naming or scored
        scored = self._answering_first(q, scored)
        if trace is not None:
            trace.extend(scored)
        min_support = self.min_support
        if prof.language == "en" and self.embedder is not None and scored:
            for ev in scored[:10]:
                self._quote(ev, q, terms, asked)
            scored = self._semantic_rerank(prof.question_text, scored)
            # Word overlap between an English question and Vietnamese text is partial
            # even through the glossary; the bar is lowered, not removed.
            min_support *= W.cross_lingual_support
        if not scored or scored[0].coverage < min_support:
            return []
        if accept is not None and not accept(scored[0]):
            # The best-covered passage is about another unit or period: a passage nearly as
            # well covered that is about the one asked answers instead. None: the caller
            # declines with the best one.
            # The replacement must agree on a slot the question pins (its unit or period) in
            # its own sentence: a passage that merely names nothing else is no answer.
            pinned = bool(q.units or q.periods)
            for i, ev in enumerate(scored[1:ACCEPT_CANDIDATES], 1):
                if ev.coverage >= min_support and (not pinned or (ev.agree or 0) > 0) and accept(ev):
                    scored.insert(0, scored.pop(i))
                    break
        best = self._quote(scored[0], q, terms, asked)
        chosen = [best]
        for ev in scored[1:]:
            if len(chosen) >= self.max_sources:
                break
            if ev.chunk.doc_id in {c.chunk.doc_id for c in chosen}:
                continue
            if not best.figure:
                break  # corroboration is by figure; without one there is none to find
            if ev.coverage < min_support:
                continue
            # Another source is cited only when it reports the same figure: corroboration,
            # never a second, possibly conflicting number.
            if self._quote(ev, q, terms, asked).figure == best.figure:
                chosen.append(ev)
        # The same figure reported at several dates: lead with the latest report.
        chosen.sort(key=lambda e: e.chunk.published or "", reverse=True)
        return chosen
