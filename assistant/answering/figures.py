"""Figures, dates and document references in a sentence, and how well they answer a question.

A number question is answered by a figure — not a year, not a date's day, not the number of a
decree or of a list item — best one followed by what the question counts ("91 công chức" for
"bao nhiêu công chức"); a date question by a date; a "which document" question by a
document's type and number. ``answer_fit`` scores that; the answerer adds it to coverage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assistant.answering.question import QuestionProfile
from assistant.index.keywords import tokenize
from assistant.index.numbers import find_numbers, values_in
from assistant.index.textnorm import fold_accents

_DATE = re.compile(
    r"\b\d{1,2}\s?[/.-]\s?\d{1,2}(?:\s?[/.-]\s?\d{2,4})?\b"
    r"|\b(?:ngày|tháng)\s+\d{1,2}\b(?!\s?[/.-]\s?\d)",
    re.IGNORECASE,
)
# A bound or a round figure ("dưới 1 %", "gần 19 nghìn"): a weaker answer to "how many"
# than an exact figure, unless the question itself asks roughly ("khoảng bao nhiêu").
_BOUND_BEFORE = re.compile(
    r"\b(?:gan|khoang|hon|tren|duoi|xap xi|uoc tinh|nearly|about|around|almost|over|under|"
    r"more than|less than|fewer than|approximately)\s*$"
)
_YEAR = re.compile(r"^(19|20)\d{2}$")


@dataclass(frozen=True)
class Figure:
    text: str
    start: int
    end: int
    percent: bool


# Legal-document identifiers are not quantities: "Công văn 7260/VPCP-KSTT",
# "Nghị định số 179/2025/NĐ-CP", "Quyết định 422".
_DOC_CODE_AFTER = re.compile(r"\s?/\s?(?:\d{4}\s?/\s?)?[A-ZĐ]")
_DOC_TYPES = ["nghị định", "quyết định", "công văn", "thông tư", "nghị quyết", "kết luận", "công điện", "chỉ thị",
              "luật", "quy định", "kế hoạch", "đề án", "văn bản", "decree", "decision", "resolution", "conclusion",
              "directive", "circular"]
_DOC_TYPE_BEFORE = re.compile(rf"(?:{'|'.join(_DOC_TYPES)})\s+(?:số\s+)?$", re.IGNORECASE)


# "1- Cán bộ…", "2. Viên chức…", "a) …": the number of a list item, not a quantity.
_LIST_MARK_BEFORE = re.compile(r"(?:^|\n|:)\s*$")
_LIST_MARK_AFTER = re.compile(r"\s?[-.)]\s")
# "19 nghìn", "130.000 tỷ đồng": the scale word is part of the figure.
_SCALE_AFTER = re.compile(r"\s(?:nghìn|ngàn|triệu|tỷ|tỉ|trăm|thousand|million|billion)\b", re.IGNORECASE)


def figures(text: str) -> list[Figure]:
    """Number mentions that can be an answer: not years, not parts of dates, not the
    numbers of legal documents or of list items; with their scale word ("19 nghìn")."""
    dates = [m.span() for m in _DATE.finditer(text)]
    out = []
    for m in find_numbers(text):
        raw = m.text.strip()
        start = m.start + (len(m.text) - len(m.text.lstrip()))
        end = start + len(raw)
        if any(a <= m.start < b for a, b in dates):
            continue
        if _DOC_CODE_AFTER.match(text, m.end) or _DOC_TYPE_BEFORE.search(text[max(0, m.start - 25) : m.start]):
            continue
        if not m.percent and _YEAR.match(raw):
            continue
        if (not m.percent and len(raw) <= 2 and _LIST_MARK_BEFORE.search(text[max(0, start - 30) : start])
                and _LIST_MARK_AFTER.match(text, end)):
            continue
        scale = None if m.percent else _SCALE_AFTER.match(text, end)
        if scale:
            end = scale.end()
        out.append(Figure(text[start:end], start, end, m.percent))
    return out


# A legal document by its type and number: "Kết luận số 126-KL/TW", "Nghị định 179/2025/NĐ-CP".
# Capitalised, as documents are named in text ("… theo Kết luận 126", not "quyết định 2 việc").
_DOC_REF = re.compile(
    rf"(?:{'|'.join(t[:1].upper() + t[1:] for t in _DOC_TYPES if t not in ('quy định', 'văn bản'))})"
    r"\s+(?:số\s+)?\d+(?:[/–-][\w/Đđ–-]*\w)?"
)


def answer_fit(prof: QuestionProfile, text: str, asked: set[Decimal]) -> tuple[list[Figure], float]:
    """Candidate answers in ``text`` and how well the best one fits the question.

    A figure the question itself contains ("Quyết định 4864", "năm 2019") is no answer;
    a figure followed by what the question counts ("91 công chức" for "bao nhiêu
    công chức") or a percentage for a rate question fits best.
    """
    lead = set(prof.lead)
    if prof.kind == "number":
        found = [f for f in figures(text) if not (values_in(f.text) & asked)]
        if not found:
            return [], -1.0
        best = 0.0
        unit = set(prof.unit)
        for f in found:
            after = set(tokenize(text[f.end : f.end + 30]))
            before = set(tokenize(text[max(0, f.start - 40) : f.start]))
            if prof.wants_percent:
                fit = 0.3 if f.percent else 0.1
            elif f.percent:
                fit = 0.05  # a rate where a count was asked
            else:
                fit = 0.25 if unit & after else 0.15
            if lead & before:
                fit += 0.1  # "tiếp nhận 21.040" for "tiếp nhận bao nhiêu"
            if not prof.rough and _BOUND_BEFORE.search(fold_accents(text[max(0, f.start - 16) : f.start]).lower()):
                fit -= 0.1
            best = max(best, fit)
        return found, best
    if prof.kind == "document":
        refs = [Figure(m.group(0), m.start(), m.end(), False) for m in _DOC_REF.finditer(text)
                if fold_accents(m.group(0)) not in fold_accents(prof.question_text)]
        return (refs, 0.3) if refs else ([], 0.0)
    if prof.kind == "date":
        dates = [m for m in _DATE.finditer(text) if m.group(0) not in prof.question_text]
        if not dates:
            return [], -1.0
        framed = any(lead & set(tokenize(text[max(0, m.start() - 40) : m.start()])) for m in dates)
        return [], 0.3 if framed else 0.2
    return [], 0.0
