"""Figures, dates and document references in a sentence, and how well they answer a question.

A number question is answered by a figure — not a year, not a date's day, not the number of a
decree or of a list item — best one followed by what the question counts ("91 công chức" for
"bao nhiêu công chức"); a date question by a date; a "which document" question by a
document's type and number. ``answer_fit`` scores that; the answerer adds it to coverage.
"""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.answering.question import QuestionProfile
from assistant.answering.weights import WEIGHTS as W
from assistant.answering.years import YEAR_STATED, year_answer
from assistant.index.facets import metrics_in
from assistant.index.figures import BOUND_BEFORE, DATE, DOC_TYPES, Figure, figures
from assistant.index.keywords import tokenize
from assistant.index.numbers import values_in
from assistant.index.textnorm import fold_accents

# A legal document by its type and number: "Kết luận số 126-KL/TW", "Nghị định 179/2025/NĐ-CP".
# Capitalised, as documents are named in text ("… theo Kết luận 126", not "quyết định 2 việc").
PART_REF = re.compile(r"\b(?:Điều|Khoản|Điểm|Chương|Article|Clause)\s+(?:\d+[a-zđ]?|[IVXLC]+)\b")
_DOC_REF = re.compile(
    rf"(?:{'|'.join(t[:1].upper() + t[1:] for t in DOC_TYPES if t not in ('quy định', 'văn bản'))})"
    r"\s+(?:số\s+)?\d+(?:[/–-][\w/Đđ–-]*\w)?"
)


# How far around a figure its markers are read, in characters: the reach of each rule, a word
# or a few of Vietnamese (set by reading the development sets' sentences, not fitted; widening
# one lets a neighbouring figure's words in, narrowing it loses a marker).
MARKER_WINDOW = 12  # a one-word marker before a figure ("gấp", "thứ") or a unit after it ("điểm")
BOUND_WINDOW = 16  # a bound or a range's other end before it ("dưới", "gần", "5 -"), or "từ"
SHARE_WINDOW = 20  # "chiếm", "bằng" before a share; the words after a bare score
CHANGE_WINDOW = 24  # "tăng từ", "từ thứ" before the value a change starts from
NOUN_WINDOW = 30  # the noun a figure counts after it ("21.040 hồ sơ trực tuyến")
VERB_WINDOW = 40  # the verb that states it before it ("tiếp nhận 21.040"), or a date's

# A position's marker before its figure ("xếp thứ 3", "hạng 5", "top 10", "ranked 4"), looked for in
# the few words before it: the one form the figure rules, the headline and the rankings share.
_RANK_BEFORE = re.compile(r"(?:thứ|hạng|vị trí|xếp|top|rank(?:ed)?|No\.?|place)\s*(?:thứ\s*)?$", re.IGNORECASE)
RANK_WINDOW = 16


# "gấp 3,5 lần", "3 times higher": a multiple of another figure.
_TIMES_BEFORE = re.compile(r"\b(?:gấp|gap)\s*(?:khoảng|hơn|gần)?\s*$", re.IGNORECASE)
_TIMES_AFTER = re.compile(r"\s*(?:lần\b|times\b|-fold\b)", re.IGNORECASE)


# "từ thứ 3 xuống 15", "tăng từ 37 % lên 61 %", "giảm từ 12 ngày xuống còn 5 ngày": a change
# told in one clause. Its first figure is the value before; the period, unit and metric the
# clause states are those of the value it reached, which also keeps the first one's form.
_CHANGE_FROM = re.compile(r"\b(?:từ|tu)\s+(?:(?:mức|muc|vị trí|vi tri|thứ|thu|hạng|hang)\s+)?$", re.IGNORECASE)
_CHANGE_TO = re.compile(
    r"(?:[^\d.;]|(?:19|20)\d{2}){0,40}?\b(?:lên|len|xuống|xuong)\s+"
    r"(?:(?:còn|con|mức|muc|vị trí|vi tri|thứ|thu|hạng|hang)\s+)?",
    re.IGNORECASE,
)


# A figure that counts time: "6 tháng", "3 năm", "2 quý".
TIME_AFTER = re.compile(r"\s*(?:tháng|năm|quý|tuần|ngày|giờ|phút|months?|years?|quarters?|weeks?|days?)\b", re.IGNORECASE)
TIME_WORDS = {"thang", "nam", "quy", "tuan", "ngay", "gio", "phut", "month", "months", "year", "years", "day", "days"}


def changes(text: str, found: list[Figure]) -> dict[int, int]:
    """For each figure of ``found`` (``figures(text)``) that a change starts from, the index of
    the figure it changed to."""
    return {
        i: i + 1
        for i in range(len(found) - 1)
        if _CHANGE_FROM.search(text, max(0, found[i].start - CHANGE_WINDOW), found[i].start)
        and _CHANGE_TO.fullmatch(text, found[i].end, found[i + 1].start)
    }


def ranked(text: str, f: Figure) -> bool:
    """Whether ``f`` is a position ("thứ 3"), by the marker before it."""
    return bool(_RANK_BEFORE.search(text[max(0, f.start - RANK_WINDOW) : f.start]))


def figure_fits(prof: QuestionProfile, text: str, asked: set[Decimal]) -> list[tuple[Figure, float]]:
    """Each candidate figure of a number question with how well its form fits: a rate for a
    rate question, the counted noun after it, the question's verb before it, exact over bounds;
    never the value a change started from."""
    lead, unit = set(prof.lead), set(prof.unit)
    out = []
    found = figures(text)
    change = changes(text, found)
    reached = {j: i for i, j in change.items()}
    # "Bộ chỉ số 766", "Đề án 06": a number in a measure's own name is no figure of it.
    named = [(m.start, m.end) for m in metrics_in(text)]
    for i, f in enumerate(found):
        if values_in(f.text) & asked or any(a <= f.start and f.end <= b for a, b in named):
            continue
        if i in change:
            out.append((f, 0.0))  # the value before the change, not the one its clause states
            continue
        after = set(tokenize(text[f.end : f.end + NOUN_WINDOW]))
        # The question's verb before a figure is its own only up to the previous figure:
        # "tiếp nhận 21.040 hồ sơ, (có 9.250 hồ sơ giải quyết …": 9.250 was not "tiếp nhận".
        since = max(f.start - VERB_WINDOW, found[i - 1].end if i else 0, 0)
        before = set(tokenize(text[since : f.start]))
        if prof.wants_rank:
            # "đứng thứ 3", "xếp hạng 5/63": a position; a score beside it is not the answer.
            # "từ thứ 3 xuống 15": the position it fell to is one too.
            position = ranked(text, f) or (i in reached and ranked(text, found[reached[i]]))
            fit = 0.3 if position else -0.2
        elif ranked(text, f) and not f.percent:
            fit = 0.0  # a position ("đứng thứ 1") where a quantity was asked: the wrong form
        elif not prof.asks_multiple and (
            _TIMES_BEFORE.search(text[max(0, f.start - MARKER_WINDOW) : f.start]) or _TIMES_AFTER.match(text, f.end)
        ):
            fit = 0.0  # a multiple ("cao gấp 3,5 lần") is no quantity of what was asked
        elif prof.wants_percent:
            fit = 0.3 if f.percent else 0.1
        elif f.percent:
            fit = 0.05  # a rate where a count was asked
        elif unit and not unit & TIME_WORDS and TIME_AFTER.match(text, f.end):
            fit = 0.0  # "6 tháng đầu năm, các bộ …": it counts months, not what was asked
        else:
            fit = 0.25 if unit & after else 0.15
        if lead & before:
            fit += 0.1  # "tiếp nhận 21.040" for "tiếp nhận bao nhiêu"
        if not prof.rough and BOUND_BEFORE.search(fold_accents(text[max(0, f.start - BOUND_WINDOW) : f.start]).lower()):
            fit -= 0.1
        if i and found[i - 1].end == f.start - 1 and text[f.start - 1] == "/":
            fit -= W.out_of_total  # "70,61/100 điểm", "5/63 tỉnh": the total it is out of
        out.append((f, fit))
    return out


def asked_values(question: str) -> set[Decimal]:
    """The figures a question states itself, which no answer is ("Quyết định 4864", "50%"),
    its dates aside: "(2/2025)" says when, and "tăng 2 Thứ trưởng" may still answer it."""
    return values_in(DATE.sub(" ", question))


def answer_fit(prof: QuestionProfile, text: str, asked: set[Decimal]) -> tuple[list[Figure], float]:
    """Candidate answers in ``text`` and how well the best one fits the question.

    A figure the question itself contains ("Quyết định 4864", "năm 2019") is no answer;
    a figure followed by what the question counts ("91 công chức" for "bao nhiêu
    công chức") or a percentage for a rate question fits best.
    """
    lead = set(prof.lead)
    if prof.kind == "number":
        fits = figure_fits(prof, text, asked)
        if not fits:
            return [], -1.0
        return [f for f, _ in fits], max(0.0, max(fit for _, fit in fits))
    if prof.kind == "document":
        refs = [
            Figure(m.group(0), m.start(), m.end(), False)
            for m in _DOC_REF.finditer(text)
            if fold_accents(m.group(0)) not in fold_accents(prof.question_text)
        ]
        return (refs, 0.3) if refs else ([], 0.0)
    if prof.kind == "part":
        # "Điều 3", "Khoản 2 Điều 5": the part named, not one the question names itself.
        asked_parts = {fold_accents(m.group(0)).lower() for m in PART_REF.finditer(prof.question_text)}
        parts = [
            Figure(m.group(0), m.start(), m.end(), False)
            for m in PART_REF.finditer(text)
            if fold_accents(m.group(0)).lower() not in asked_parts
        ]
        return (parts, 0.3) if parts else ([], 0.0)
    if prof.kind == "date" and prof.wants_year:
        # "từ năm nào": the year of the stage that tells what was asked answers, as a full date
        # does; a sentence whose years date something else is kept, as context, behind it.
        if not YEAR_STATED.search(text):
            return [], -1.0
        return [], 0.3 if year_answer(prof, text, 0, len(text)) else 0.0
    if prof.kind == "date":
        dates = [m for m in DATE.finditer(text) if m.group(0) not in prof.question_text]
        if not dates:
            return [], -1.0
        framed = any(lead & set(tokenize(text[max(0, m.start() - VERB_WINDOW) : m.start()])) for m in dates)
        return [], 0.3 if framed else 0.2
    return [], 0.0
