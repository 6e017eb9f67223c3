"""When the best evidence is not about what was asked, say so instead of answering.

A passage can cover every topic word of a question and still be about another unit ("thị xã
Kỳ Anh" for a question about another town), another period (January's bulletin for a
question about February) or state a target where a result was asked. Quoting it with its
figure is the failure reform officers fear most: a wrong number with a citation. These
checks run on the evidence the answerer chose; a reason means: decline, and show what the
documents do hold, unbolded, as the closest statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answering.agreement import (
    _mentions,
    agreement,
    list_lead_in,
    plan_lead_in,
    slots_of,
    specific_metrics,
)
from assistant.answering.analysis import QuestionAnalysis, UnitRef
from assistant.answering.figures import answer_fit, asked_values
from assistant.answering.question import names_rank_end
from assistant.answering.rank import enumerated
from assistant.index.dates import YEAR
from assistant.index.facets import metrics_in
from assistant.index.gazetteer import name_patterns, units_in
from assistant.index.records import StoredChunk
from assistant.index.sentences import Span
from assistant.index.textnorm import fold_accents
from assistant.index.units import ministry_keys

_DAY_MONTH = re.compile(r"\b\d{1,2}/(\d{1,2})/((?:19|20)\d{2})\b")
_TITLE_MONTH = re.compile(r"\b(?:tháng|thang)\s+(\d{1,2})\b(?!\s*/)")
# How much text before a passage is its context (the paragraphs that name its subject).
CONTEXT_CHARS = 600
# A document naming this many provinces (or ministries) is about all of them: a passage in it
# answers for the unit asked only where it names that unit.
MANY_UNITS = 4
# From 1 July 2025 a pre-2025 province is part of a merged one: an article from after the
# merger that names the new province speaks of the old one's territory too.
_MERGER = "2025-07-01"


# An office as a question names it: "Bộ trưởng Bộ Nội vụ", "Chủ tịch UBND tỉnh Lào Cai".
_OFFICE = re.compile(
    r"(?:Phó\s+)?(?:Bộ trưởng|Thứ trưởng|Chủ tịch|Bí thư|Giám đốc|Trưởng ban|Chánh văn phòng|Thủ tướng|"
    r"Phó Thủ tướng|Tổng cục trưởng|Cục trưởng)(?:\s+(?:[A-ZĐ]\w*|UBND|HĐND|tỉnh|thành phố|Sở|Bộ|và|[a-zđ]\w*(?=\s*(?:\?|$|,)))){1,6}"
)


@dataclass(frozen=True)
class Decline:
    reason: str  # "unit" | "period" | "target" | "rank" | "metric" | "merged" (a former province's)
    asked: str  # what was asked, for the message ("thị xã Hồng Lĩnh", "tháng 2/2025")
    held: str = ""  # what the closest statement is about instead ("năm 2015"), when known


def unnamed_metric(q: QuestionAnalysis, title: str, document: str, figure: str | None) -> Decline | None:
    """A question about one measure ("tỷ lệ TTHC trực tuyến toàn trình") answered, with no
    figure that fits it, from a document that never names that measure anywhere ("120 thủ tục
    được rà soát"): it speaks of something else. Only where no figure led, and over the whole
    document: the metric lexicon's phrases miss some wordings of a sentence ("hồ sơ hộ tịch
    trực tuyến"), rarely every wording of a document."""
    if figure or q.profile.kind != "number" or q.intent != "single":
        return None
    specific = set(specific_metrics(q))
    if specific and not {m.key for m in metrics_in(f"{title}\n{document}")} & specific:
        return Decline("metric", "")
    return None


def _province_key(unit: str) -> str | None:
    return next((p.key for p in name_patterns() if p.unit == unit), None)


def _names_unit(u: UnitRef, text: str, published: str | None) -> bool:
    if u.level == "province":
        named = units_in(text)
        if u.name in named:
            return True
        key = _province_key(u.name)
        # After the merger, the new province's name covers the old one's territory.
        return bool(published and published >= _MERGER and key and key in named)
    folded = fold_accents(text)
    if u.level == "ministry":
        return re.search(rf"\bbo\s*:?\s*{re.escape(u.name)}\b", folded) is not None
    return re.search(rf"(?<!\w){re.escape(u.name)}(?!\w)", folded) is not None


def check(
    q: QuestionAnalysis,
    sentence: str,
    context: str,
    doc_id: str,
    published: str | None,
    document_text: Callable[[str], str | None],
    title: str = "",
    ranked: bool = False,
    lead_in: str = "",
) -> Decline | None:
    """Why the ``sentence`` (with ``context``: title and preceding sentences) cannot answer
    ``q``, or None. Only single-figure questions are checked here; compositions check each row.
    ``ranked``: the evidence is the extreme of a table's column, ranked by us (``cells.py``).
    ``lead_in``: the words opening the list the sentence is an item of ("Mục tiêu …: - …")."""
    if q.ranks_units and not ranked and not names_rank_end(sentence) and not enumerated(sentence):
        # "Tỉnh nào thấp nhất?" is answered by a statement that ranks ("đứng cuối", "thấp nhất
        # là …") or lists items to rank, not by one that merely shares its words. "Hình phạt
        # cao nhất là gì?" asks for a maximum the statute states, not which of several ranks.
        return Decline("rank", "")
    if q.intent not in ("single", "ranking") or q.profile.kind not in ("number", "fact", "date", "person"):
        return None
    whole = document_text(doc_id) or f"{context}\n{sentence}"
    if q.profile.kind == "person":
        # "Ai là Bộ trưởng Bộ X?" is answered by a sentence that names that office, not by
        # one about a district's "Trưởng phòng Nội vụ".
        for office in _OFFICE.finditer(q.text):
            if fold_accents(office.group(0)) not in fold_accents(f"{context}\n{sentence}"):
                return Decline("unit", office.group(0))
    # The question's most specific units must be named: "thị xã X, tỉnh Y" tells which
    # province X is in, and a report about X need not repeat it.
    rank = {"commune": 0, "district": 1, "ministry": 1, "province": 2}
    specific = min((rank.get(u.level, 2) for u in q.units), default=2)
    for u in q.units:
        if rank.get(u.level, 2) == specific and not _names_unit(u, whole, published):
            return Decline("unit", u.surface or u.name)
    local = f"{context}\n{sentence}"
    for u in q.units if q.profile.kind == "number" else ():
        # In a document about many provinces or ministries (a national report, a table of
        # all of them), a passage that does not name the one asked is about the others. Only
        # for figures: "tại Bộ Nội vụ" in a who-question names the venue, not the subject.
        # Units the user typed, not ones a follow-up carried from the previous turn (there the
        # ministry may be who spoke: "Bộ Nội vụ dự kiến …", then "trong số đó …").
        typed = (
            _names_unit(u, q.asked, None)
            or fold_accents(u.surface or u.name).lower() in fold_accents(q.asked).lower()
        )
        if typed and u.level in ("province", "ministry") and not _names_unit(u, local, published):
            others = units_in(whole) if u.level == "province" else ministry_keys(whole)
            if len(others) >= MANY_UNITS:
                return Decline("unit", u.surface or u.name)
    if q.months:
        # The month a figure is for is in its sentence or the title of its bulletin; the
        # paragraphs before it name other months in passing.
        stated = {(y, m) for _, y, m in _mentions(f"{title}\n{sentence}").periods if m}
        stated |= {(int(y), int(m)) for m, y in _DAY_MONTH.findall(sentence) if 1 <= int(m) <= 12}
        if published:
            # A bulletin titled "… trong tháng 1 …" is about that month of its own year.
            stated |= {(int(published[:4]), int(m)) for m in _TITLE_MONTH.findall(title) if 1 <= int(m) <= 12}
        asked_years = {y for y, _ in q.months}
        same_year = {s for s in stated if s[0] in asked_years}
        if same_year and not same_year & q.months:
            y, m = sorted(same_year)[-1]
            return Decline("period", _month_label(q), f"{m}/{y}")
    if q.years:
        own = {int(y) for y in YEAR.findall(local)}
        written = {int(y) for y in YEAR.findall(whole)}
        # An undated passage of a report published in year Y speaks of Y or Y-1.
        doc_years = written | ({int(published[:4]), int(published[:4]) - 1} if published else set())
        # Nowhere the year asked; or only as the year the report came out, while the passage
        # itself says which year it is about ("Kết quả đánh giá năm 2023 …" published in 2024).
        if not q.years & (own | doc_years) or (own and not q.years & (own | written)):
            held = sorted(own or doc_years)
            return Decline(
                "period", ", ".join(str(y) for y in sorted(q.years)), str(held[-1]) if held else ""
            )
    if q.profile.kind == "number":
        found, _ = answer_fit(q.profile, sentence, asked_values(q.text))
        opening = lead_in or plan_lead_in(title)
        if (
            q.wants == "achieved"
            and found
            and all(slots_of(sentence, f, opening).kind == "target" for f in found)
        ):
            return Decline("target", "")
        verdicts = [agreement(slots_of(sentence, f), q) for f in found]
        if verdicts and all(v.hard for v in verdicts):
            # Every figure the passage states is another unit's, level's or period's.
            if q.units:
                return Decline("unit", ", ".join(u.surface or u.name for u in q.units))
            if q.periods:
                return Decline("period", ", ".join(p.label(q.language) for p in q.periods))
    return None


def _month_label(q: QuestionAnalysis) -> str:
    return ", ".join(f"{m}/{y}" for y, m in sorted(q.months))


class Declines:
    """The decline checks of one question over the passages the answerer weighs: each passage
    is checked once (the answerer's search for an agreeing passage and the service's final
    check ask about the same ones) and each document is read once."""

    def __init__(self, q: QuestionAnalysis, document_text: Callable[[str], str | None]) -> None:
        self.q = q
        self._read = document_text
        self._texts: dict[str, str | None] = {}
        self._verdicts: dict[tuple[str, int, int, int, bool], Decline | None] = {}

    def _text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            self._texts[doc_id] = self._read(doc_id)
        return self._texts[doc_id]

    def __call__(self, chunk: StoredChunk, sentence: Span, ranked: bool = False) -> Decline | None:
        """Why the ``sentence`` span of ``chunk`` cannot answer, or None. A table row is a
        chunk of its own span (``chunk.start``): that is part of the key."""
        key = (chunk.chunk_id, chunk.start, sentence.start, sentence.end, ranked)
        if key not in self._verdicts:
            text = chunk.text
            context = f"{chunk.title}\n{text[max(0, sentence.start - CONTEXT_CHARS) : sentence.start]}"
            self._verdicts[key] = check(
                self.q,
                text[sentence.start : sentence.end],
                context,
                chunk.doc_id,
                chunk.published,
                self._text,
                chunk.title,
                ranked,
                list_lead_in(text, sentence.start),
            )
        return self._verdicts[key]
