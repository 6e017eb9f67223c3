"""Which figure of a quoted sentence leads the answer, and how well a sentence's figures agree
with the question: the headline rules of the extractive answerer (slots in ``agreement.py``)."""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.answering.agreement import (
    POSITION_WORD,
    agreement,
    names_unit_asked,
    same_unit,
    slots_of,
    specific_metrics,
)
from assistant.answering.analysis import QuestionAnalysis
from assistant.answering.figures import (
    BOUND_WINDOW,
    MARKER_WINDOW,
    NOUN_WINDOW,
    SHARE_WINDOW,
    TIME_AFTER,
    TIME_WORDS,
    answer_fit,
    changes,
    figure_fits,
    ranked,
)
from assistant.answering.weights import WEIGHTS as W
from assistant.answering.years import year_answer
from assistant.index.facets import metrics_in
from assistant.index.figures import DATE, Figure, figures
from assistant.index.glossary import tokens_with_equivalents
from assistant.index.keywords import tokenize
from assistant.index.textnorm import fold_accents

# Among figures that agree equally with the question's slots, the lead's form fit (counted
# noun, the question's verb) must beat the runner-up's by this much.

_PERCENT_WORDS = set(tokenize("tỷ lệ phần trăm percentage share proportion percent rate"))


def expanded_tokens(text: str) -> set[str]:
    tokens = tokens_with_equivalents(text)
    if "%" in tokens:
        tokens |= _PERCENT_WORDS  # "35,48%" is a rate even where the words are missing
    return tokens


_SHARE_OF = re.compile(
    r"\b(?:chiếm|bằng|tương đương|accounting for|or)\s+(?:khoảng|gần|hơn|trên|about|nearly)?\s*$",
    re.IGNORECASE,
)
_WHICH = re.compile(r"\b(?:nào|nao|which|who|what)\b", re.IGNORECASE)


# A duration's unit after its figure: "05 ngày làm việc", "30 phút", "3 tháng".
_DURATION_AFTER = re.compile(
    r"\s*(?:ngày làm việc|ngày|giờ làm việc|giờ|phút|tháng|tuần|working days?|days?|hours?|minutes?|months?|weeks?)\b",
    re.IGNORECASE,
)


# A range written with a dash ("30 - 35%", "70–80 hồ sơ"): its two ends are one figure, and a
# headline of one end ("35%") states more than the document. Not "từ X đến Y", which as often
# says a change ("tăng từ 11% đến 55%") as a range.
_RANGE_BEFORE = re.compile(r"(?<![\d.,/])(\d+(?:[.,]\d+)?)\s*%?\s*[-–—]\s*$")
_RANGE_AFTER = re.compile(r"\s*[-–—]\s*(\d+(?:[.,]\d+)?)(?![\d/])\s*%?")


_OUT_OF = re.compile(r"/\d+(?:[.,]\d+)*(?![\d/])")


def _whole_range(sentence: str, f: Figure) -> str:
    """The figure with the other end of the dash range it ends or starts, else the figure."""
    before = _RANGE_BEFORE.search(sentence, max(0, f.start - BOUND_WINDOW), f.start)
    if before and not re.fullmatch(r"(?:19|20)\d{2}", before.group(1)):  # "2021 - 35%": a year
        return sentence[before.start() : f.end]
    after = _RANGE_AFTER.match(sentence, f.end)
    if after and not re.fullmatch(r"(?:19|20)\d{2}", after.group(1)):
        return sentence[f.start : after.end()].rstrip()
    out_of = _OUT_OF.match(sentence, f.end)
    if out_of and not re.match(r"\s*(?:điểm|diem|points?)\b", sentence[out_of.end() :], re.IGNORECASE):
        return sentence[f.start : out_of.end()]  # "10/21 bộ": a count is read with its total; a score is not
    return f.text


# The levels inside a province: its districts and communes. Not "province": the lexicon's
# provincial level also holds "địa phương", which names the province itself as often as its
# provincial agencies ("cấp tỉnh").
_PART_LEVELS = {"district", "commune"}
_SCORE_WORDS = {"diem", "point", "points", "score"}
_MONEY_WORDS = {"tien", "kinh", "money"}
_CURRENCY_AFTER = re.compile(r"\s*(?:đồng|VNĐ|VND|USD|đ\b|dong\b)", re.IGNORECASE)


def _bare_score(sentence: str, f: Figure) -> bool:
    """A figure written as a score without its unit: not a position ("thứ 3", "2/13"), and
    followed by punctuation or a verb phrase rather than a counted noun."""
    if ranked(sentence, f):
        return False
    after = sentence[f.end : f.end + SHARE_WINDOW]
    if re.match(r"\s*/", after):
        return False  # "2/13": a position out of a total
    nxt = re.match(r"\s*([^\W\d_]+)", after)
    return nxt is None or fold_accents(nxt.group(1)).lower() in _SCORE_FOLLOWERS


# What follows a score written without "điểm": a verb or connective, never a counted noun.
_SCORE_FOLLOWERS = {
    "dung",
    "xep",
    "tang",
    "giam",
    "va",
    "cao",
    "thap",
    "trong",
    "so",
    "nam",
    "and",
    "ranked",
    "ranking",
    "up",
    "down",
}


def lead_figure(
    sentence: str,
    a: int,
    b: int,
    q: QuestionAnalysis,
    asked: set[Decimal],
    lead_in: str = "",
    context: str = "",
) -> str | None:
    """The figure of ``sentence[a:b]`` that answers: the one whose unit, level, period,
    metric and kind agree with the question, when exactly one does best and none of its
    slots contradicts the question's (``agreement.py``). Picking among equals is a guess.
    ``context``: the document's title and the passage before, which may name the measure
    the sentence leaves implicit ("Chỉ số CCHC 2015" over "… đạt chỉ số 81,5%")."""
    prof = q.profile
    if q.intent == "trend" and len(q.years) < 2:
        return told_change(sentence, a, b, q)
    if q.intent in ("comparison", "trend", "list") or (q.intent == "ranking" and _WHICH.search(q.text)):
        # Several figures, or a name and its figure, answer it together: none of them
        # alone is the headline.
        return None
    specific = specific_metrics(q)
    implicit = False  # the measure is named only before the sentence
    if specific and not {m.key for m in metrics_in(sentence)} & set(specific):
        if not q.units or not {m.key for m in metrics_in(context)} & set(specific):
            return None  # the sentence never names what the question measures
        # Named before it, the measure leads only with a figure stated of the unit asked.
        implicit = True
    if prof.kind == "date" and prof.wants_year:
        return year_answer(prof, sentence, a, b)
    if prof.kind == "date":
        # "có hiệu lực từ ngày nào": the one date the sentence states that the question does not.
        dates = list(
            dict.fromkeys(m.group(0) for m in DATE.finditer(sentence, a, b) if m.group(0) not in q.text)
        )
        full = [d for d in dates if re.fullmatch(r"\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{2,4}", d)]
        return full[0] if len(full) == 1 and len(dates) == 1 else None
    if prof.kind != "number":
        found, fit = answer_fit(prof, sentence[a:b], asked)
        uniq = list(dict.fromkeys(f.text for f in found))
        if len(uniq) != 1 or fit <= 0:
            return None
        # A document or part stated of another unit ("Kế hoạch 222 của tỉnh X" where a ministry's
        # decision was asked) is no answer, as another unit's figure is none; nor is one whose
        # sentence and document never name the unit asked.
        if any(agreement(slots_of(sentence[a:b], f, lead_in), q).hard for f in found):
            return None
        if prof.kind in ("document", "part") and q.units and not names_unit_asked(f"{context} {sentence}", q):
            return None
        return uniq[0]
    fits = [(f, fit) for f, fit in figure_fits(prof, sentence, asked) if a <= f.start and f.end <= b]
    if prof.wants_percent:
        fits = [(f, fit) for f, fit in fits if f.percent]
    elif prof.unit:
        # "bao nhiêu hồ sơ": a figure that counts something else is not the answer. A score
        # is often written without its "điểm" ("chỉ số CCHC đạt 88,4, xếp thứ 5"): for a
        # score, a bare figure that is no position and no percentage still fits.
        if prof.unit[0] in _MONEY_WORDS:
            # "bao nhiêu tiền": an amount of money, whatever noun the question counts it in.
            fits = [(f, fit) for f, fit in fits if not f.percent and _CURRENCY_AFTER.match(sentence, f.end)]
        elif prof.unit[0] in _SCORE_WORDS:
            fits = [
                (f, fit)
                for f, fit in fits
                if not f.percent
                and (_SCORE_WORDS & expanded_tokens(sentence[f.end : f.end + MARKER_WINDOW]) or _bare_score(sentence, f))
            ]
        else:
            # "6 tháng đầu năm, các bộ, ngành …" counts months, whatever noun follows later.
            counts_time = bool(set(prof.counted or prof.unit) & TIME_WORDS)
            fits = [
                (f, fit)
                for f, fit in fits
                if set(prof.counted or prof.unit) & expanded_tokens(sentence[f.end : f.end + NOUN_WINDOW])
                and (counts_time or not TIME_AFTER.match(sentence, f.end))
            ]
    folded_q = fold_accents(q.text).lower()
    if _GROWTH_Q.search(folded_q) and not _SHARE_Q.search(folded_q):
        # "kinh tế số tăng trưởng bao nhiêu", "how fast did … grow": a share of a whole stated
        # in the clause ("tỷ trọng … trong GDP đạt 16,5%") is no growth rate, however it fits.
        fits = [(f, fit) for f, fit in fits if not _SHARE_BEFORE.search(sentence[: f.start])]
    if not fits or max(fit for _, fit in fits) <= 0:
        return None
    # A figure of the wrong form (a score where a rank was asked) never leads, however
    # well its slots agree.
    fits = [(f, fit) for f, fit in fits if fit > 0]
    whole_province = (
        not q.levels
        and any(u.level == "province" for u in q.units)
        and not any(u.level in ("district", "commune") for u in q.units)
    )
    agreed: dict[str, float] = {}
    form: dict[str, float] = {}
    names_unit: set[str] = set()  # figures whose own clause names the unit asked
    for f, fit in fits:
        slots = slots_of(sentence, f, lead_in)
        verdict = agreement(slots, q)
        if verdict.contradictions:
            continue
        if whole_province and slots.level in _PART_LEVELS:
            # A province asked with no level: "cấp huyện … 90,86%" is one level's figure, not the
            # province's; bolded, it would be copied as the province's rate. Quoted, not led.
            continue
        agreed[f.text] = max(agreed.get(f.text, -99.0), verdict.score)
        form[f.text] = max(form.get(f.text, -99.0), fit)
        if (
            slots.unit
            and q.units
            and any(u.level == slots.unit[0] and same_unit(u.name, slots.unit[1]) for u in q.units)
        ):
            names_unit.add(f.text)
    if implicit:
        agreed = {t: v for t, v in agreed.items() if t in names_unit}
    if not agreed:
        return None
    best = max(agreed.values())
    top = [t for t, a in agreed.items() if a == best]
    if len(top) > 1 and not prof.wants_percent:
        # "… 4,79 tỷ USD, chiếm 28,6% tổng vốn": a share of the figure before it; where no
        # share was asked, the figure itself answers.
        shares = {
            f.text
            for f, _ in fits
            if f.percent and _SHARE_OF.search(sentence[max(0, f.start - SHARE_WINDOW) : f.start])
        }
        if shares and set(top) - shares:
            top = [t for t in top if t not in shares]
    if len(top) > 1 and len(names_unit & set(top)) == 1:
        # Equal otherwise, the figure stated of the unit asked ("tiếp theo là Bộ X đạt 89,2")
        # answers, not one of a unit the reader cannot tell ("NHNN đạt 89,4").
        top = list(names_unit & set(top))
    if len(top) > 1:
        # Equal on every slot the question names: the form decides only when some slot
        # did agree and the form clearly differs ("tiếp nhận 21.040 hồ sơ" for "tiếp nhận
        # bao nhiêu hồ sơ"). Otherwise several figures fit alike, and bolding one is a guess
        # (a list "a) 05 năm …; b) 10 năm …" for a question the slots cannot tell apart).
        top.sort(key=lambda t: -form[t])
        if best <= 0 or form[top[0]] - form[top[1]] < W.form_margin - 1e-9:
            return None
    f = next(f for f, _ in fits if f.text == top[0])
    duration = _DURATION_AFTER.match(sentence, f.end)
    if duration and not f.percent:
        # "07 ngày làm việc", not a bare "07": a time limit is read with its unit.
        return sentence[f.start : duration.end()]
    if prof.wants_rank:
        # "thứ 3", not a bare "3": the headline says it is a position.
        f = next(f for f, _ in fits if f.text == top[0])
        word = POSITION_WORD.search(sentence[max(0, f.start - MARKER_WINDOW) : f.start])
        if word:
            return sentence[f.start - len(word.group(0)) : f.end]
    return _whole_range(sentence, f)


_FROM_WORD = re.compile(r"\b(?:từ|tu)\s+\S*\s*$", re.IGNORECASE)


_GROWTH_Q = re.compile(r"\b(?:tang truong|growth|grow|grew|grown)\b")
_SHARE_Q = re.compile(r"\b(?:ty trong|ti trong|chiem|share|proportion|percent of)\b")
_SHARE_BEFORE = re.compile(r"\b(?:tỷ trọng|tỉ trọng|chiếm|share of|proportion of)\b[^.;]*$", re.IGNORECASE)


def told_change(sentence: str, a: int, b: int, q: QuestionAnalysis) -> str | None:
    """"từ 18% lên 42%": the one change of the form asked that ``sentence[a:b]`` tells in a
    clause, verbatim, as the headline of a trend asked without two periods ("tỷ lệ đã tăng
    từ mức nào lên mức nào?"); None when it tells none or several (which one is a guess), or
    when the value reached is about another unit, level or period than the one asked."""
    found = figures(sentence)
    told = [
        (found[i], found[j])
        for i, j in changes(sentence, found).items()
        if a <= found[i].start and found[j].end <= b
        and (not q.profile.wants_percent or (found[i].percent and found[j].percent))
    ]
    if len(told) != 1:
        return None
    before, after = told[0]
    if agreement(slots_of(sentence, after), q).contradictions:
        return None
    word = _FROM_WORD.search(sentence, max(0, before.start - BOUND_WINDOW), before.start)
    return sentence[word.start() if word else before.start : after.end]


def sentence_agreement(
    sentence: str, found: list[Figure], q: QuestionAnalysis, lead_in: str = ""
) -> float | None:
    """The best agreement of the sentence's candidate figures with the question's slots;
    negative when every one contradicts it, None when there is nothing to check."""
    if not found:
        return None
    best: float | None = None
    for f in found:
        v = agreement(slots_of(sentence, f, lead_in), q)
        # -1: about another unit, level or period; -0.5: a target where a result was asked.
        # 0: nothing stated otherwise (a weak score is not a contradiction).
        value = max(v.score, 0.0) if not v.contradictions else (-1.0 if v.hard else -0.5)
        best = value if best is None else max(best, value)
    return best
