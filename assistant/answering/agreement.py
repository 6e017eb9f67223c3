"""Whether a figure in a sentence is about what the question asks: its unit, level, period,
metric and kind (target or achieved).

Reports put several figures in one sentence ("cấp tỉnh đạt 99,99%; cấp huyện đạt 90,86%",
"năm 2013 xếp thứ 5 … nay thứ 3", "phấn đấu đạt 80%, đến nay đạt 62%"). A figure's slots are
read from the sentence around it: the last level, unit, period and metric named before it
(a list "cấp tỉnh 5.120, cấp huyện 18.300" names each just before its figure), a period in
brackets right after it ("16,5% (2023)"), and the target words of its own clause. A slot the
sentence does not state is unknown, never a contradiction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from assistant.answering.analysis import (
    _LOCAL_EXACT,
    _LOCAL_FOLDED,
    _LOCAL_LEVEL,
    _MINISTRY_EXACT,
    _NOT_NAMES,
    QuestionAnalysis,
)
from assistant.answering.figures import MARKER_WINDOW
from assistant.answering.weights import WEIGHTS as W
from assistant.index.dates import YEAR
from assistant.index.facets import kind_of, levels_in, metrics, metrics_in
from assistant.index.figures import Figure, figures
from assistant.index.gazetteer import name_patterns
from assistant.index.numbers import readings
from assistant.index.textnorm import fold_accents, has_vietnamese_diacritics, normalize_tone_marks
from assistant.index.units import MINISTRY

# The agreement score's weights are in ``weights.py`` (``W.agree``, ``W.contradict``, …).
# Metrics too generic to contradict anything ("hồ sơ", "thủ tục" are in most sentences).
_TOP = {"province", "ministry"}
GENERIC_METRICS = {"dossiers", "procedures", "staff"}


def specific_metrics(q: QuestionAnalysis) -> list[str]:
    """The measures a question names that can tell one figure from another, in its order."""
    return [m for m in q.metrics if m not in GENERIC_METRICS]


# How far after a figure its own period can sit: "16,5% (2023)", "18,5% năm 2024".
_PERIOD_AFTER = 14
# What may sit between a figure and its own period: "16,5% (2023)", "18,5% năm 2024". Not a
# comma: in "tăng 28%, 2023 đạt 19%" the year opens the next figure's clause.
_OWN_PERIOD = re.compile(
    r"\s*(?:\(\s*)?(?:(?:vào |trong )?(?:năm|tháng|quý|nam|thang|quy|in)\s*)?$", re.IGNORECASE
)
_MONTH = re.compile(
    r"\b(?:thang|month)\s+(\d{1,2})\s*(?:/|nam|,)?\s*((?:19|20)\d{2})\b|(?<![\d/])(\d{1,2})/((?:19|20)\d{2})\b"
)
# A sentence's "now", after a year it named: "năm 2019 đạt 11%, đến nay đạt 55%". Not a bare
# "nay", which as often says what a unit is part of now ("Hà Giang (nay thuộc Tuyên Quang)").
_NOW = re.compile(
    r"\b(?:(?:cho |tinh )?den (?:nay|thoi diem nay|hien nay)|hien nay|hien tai|thoi diem hien tai|nam nay|"
    r"nay (?:da|dat|la|con|len|tang|giam)|to date|now|currently|at present|so far)\b",
    re.IGNORECASE,
)
# "theo Quyết định 422, ngày 4.4.2022 của Thủ tướng": the date of an act, not a figure's period.
_ACT_DATE = re.compile(
    r"\b(?:quyet dinh|nghi dinh|nghi quyet|thong tu|chi thi|cong van|ke hoach)\s+(?:so\s+)?[\w/.-]*\d[\w/.-]*,?\s*"
    r"(?:ngay\s+)?(?:\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*|thang\s+\d{1,2}\s+nam\s+)?$"
)
# "so với năm 2022", "so cùng kỳ 2023": a year of comparison, not the figure's own.
_COMPARED = re.compile(
    r"\b(?:so voi|so cung ky|cung ky|compared (?:with|to)|than in|tang so voi|giam so voi)\s+(?:nam\s+)?"
)
# "đạt 7,5/12 điểm, tỷ lệ: 62,5%": the rate is the score over its maximum.
_SCORE = re.compile(r"(\d+(?:,\d+)?)\s*/\s*(\d+(?:,\d+)?)\s*điểm")
SCORE_RATIO = "score_ratio"
_COUNTS_LEVEL = re.compile(r"\s*(?:/\s*[\d.,]+)?\s*")
# A unit named this many words after a figure, in its clause, is the figure's own.
_OWN_UNIT_WORDS = 4
_SET_AGAINST = re.compile(
    r"\b(?:sau|trước|hơn|so với|kém|bằng|sau khi|than|after|behind|ahead of|below|above)\b", re.IGNORECASE
)
# "… hồ sơ tại cấp tỉnh": a level after a figure is its own only behind a locative.
_AT = re.compile(r"(?:tại|ở|của|thuộc|cho|at|in|of|for)\s+(?:các\s+|the\s+)?$", re.IGNORECASE)
_CLAUSE_START = re.compile(r"[;]|(?<=\S)\s[-–]\s|\b(?:nhung|trong khi|con|while|but)\b")


@dataclass(frozen=True)
class Slots:
    level: str | None = None
    unit: tuple[str, str] | None = None  # (level of the unit, folded name or gazetteer key)
    year: int | None = None
    month: int | None = None
    metric: str | None = None
    kind: str | None = None
    # "hai năm 2022, 2023 đứng thứ 1": every year of a list the figure is stated for (year is its last).
    years: tuple[int, ...] = ()
    # "năm 2019 mới đạt 11%, đến nay đạt 55%": a figure said to be of now, after this year.
    later_than: int | None = None
    # "năm 2019 chỉ khoảng 5%, thời điểm hiện tại 43%": a year's figure the sentence says was overtaken.
    superseded: bool = False


@dataclass(frozen=True)
class _Mentions:
    levels: tuple[tuple[int, str], ...]
    units: tuple[tuple[int, str, str], ...]  # (position, level, name)
    periods: tuple[tuple[int, int, int | None], ...]  # (position, year, month)
    metrics: tuple[tuple[int, str], ...]
    figure_starts: tuple[int, ...]
    figure_spans: tuple[tuple[int, int], ...]
    score_ratios: tuple[Decimal, ...]  # "đạt 7,5/12 điểm" → 62.5: a score's ratio, not a share
    nows: tuple[tuple[int], ...] = ()  # where the sentence says "now" ("đến nay", "hiện tại")
    percent_starts: frozenset[int] = frozenset()  # the figures that are rates


@lru_cache(maxsize=2048)
def _mentions(sentence: str) -> _Mentions:
    folded = fold_accents(sentence)
    if len(folded) != len(sentence):
        folded = sentence.lower()  # offsets must stay those of the sentence
    levels = tuple((m.start, m.key) for m in levels_in(sentence))
    units: list[tuple[int, str, str]] = []
    toned = normalize_tone_marks(sentence)
    for p in name_patterns():
        if p.exact_text in toned:
            units += [(m.start(), "province", p.unit) for m in p.exact.finditer(toned)]
    accented = has_vietnamese_diacritics(sentence)
    for m in (_LOCAL_EXACT if accented else _LOCAL_FOLDED).finditer(sentence if accented else folded):
        word, name = fold_accents(m.group(1)).rstrip("."), fold_accents(m.group(2))
        if word in ("tp", "thanh pho") or name.split()[0] in _NOT_NAMES:
            continue
        units.append((m.start(), _LOCAL_LEVEL.get(word, "district"), name))
    if accented:
        for m in _MINISTRY_EXACT.finditer(sentence):
            units.append((m.start(), "ministry", " ".join(fold_accents(m.group(1)).split()[:2])))
        # Ministry-level bodies not called "Bộ" ("Ngân hàng nhà nước", "NHNN"): another unit
        # than the ministry named before them.
        for m in MINISTRY.finditer(sentence):
            if m.group(2):
                units.append((m.start(), "ministry", " ".join(fold_accents(m.group(2)).lower().split()[:2])))
    compared = [m.end() for m in _COMPARED.finditer(folded)]
    periods: list[tuple[int, int, int | None]] = []
    months_at: set[int] = set()
    for m in _MONTH.finditer(folded):
        month, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if 1 <= int(month) <= 12 and m.start() not in compared:
            periods.append((m.start(), int(year), int(month)))
            months_at.update(range(m.start(), m.end()))
    for m in YEAR.finditer(folded):
        if (
            m.start() not in months_at
            and m.start() not in compared
            and not _ACT_DATE.search(folded, 0, m.start())
        ):
            periods.append((m.start(), int(m.group(1)), None))
    metrics = tuple((m.start, m.key) for m in metrics_in(sentence))
    found = figures(sentence)
    spans = tuple((f.start, f.end) for f in found)
    starts = tuple(a for a, _ in spans)
    ratios = []
    for m in _SCORE.finditer(sentence):
        a, b = Decimal(m.group(1).replace(",", ".")), Decimal(m.group(2).replace(",", "."))
        if b:
            ratios.append(a / b * 100)
    nows = tuple((m.start(),) for m in _NOW.finditer(folded))
    return _Mentions(
        levels,
        tuple(sorted(units)),
        tuple(sorted(periods)),
        metrics,
        starts,
        spans,
        tuple(ratios),
        nows,
        frozenset(f.start for f in found if f.percent),
    )


def _last_before(items, pos: int):
    best = None
    for item in items:
        if item[0] < pos:
            best = item
        else:
            break
    return best


_BULLET = re.compile(r"^\s*(?:[-+•*–]|[a-zđ]\)|\d{1,2}[.)])\s")
_LIST_OPEN = re.compile(r":\s*(?:\n|[-+•*–]\s)")


def list_lead_in(text: str, start: int) -> str:
    """The words that open the list a bulleted statement at ``start`` belongs to ("Mục tiêu
    đến hết năm 2025: - 100% … - 80% …"), or "" when it is not a list item."""
    if not _BULLET.match(text[start : start + 6]):
        return ""
    para = text.rfind("\n\n", 0, start) + 1
    head = text[para:start]
    m = _LIST_OPEN.search(head)
    return head[: m.start()] if m else head[-200:]


# A legal document that adopts a plan ("Quyết định … về Kế hoạch cải cách hành chính năm
# 2025"): what its items state are targets unless they say otherwise ("đã đạt").
_PLAN_TITLE = re.compile(
    r"^\s*(?:Quyết định|Nghị quyết|Chỉ thị|Kế hoạch|Chương trình|Đề án)\b.*?\b(?:[Kk]ế hoạch|[Cc]hương trình|[Đđ]ề án)\b"
)


def plan_lead_in(title: str | None) -> str:
    """The lead-in a plan document gives every statement ("kế hoạch"), or ""."""
    return "kế hoạch" if title and _PLAN_TITLE.search(title) else ""


_RESPECTIVELY = re.compile(r"\b(?:lần lượt|lan luot|respectively)\b", re.IGNORECASE)


def _respective_unit(sentence: str, m: _Mentions, fig: Figure) -> tuple[int, str, str] | None:
    """ "Sơn La và Lai Châu … lần lượt thứ 4 (năm trước thứ 7) và thứ 9": the units named before
    "lần lượt" go, in order, with the figures after it (those in brackets left out), so the
    second figure is the second unit's, not the last one named before it."""
    r = _RESPECTIVELY.search(sentence, 0, fig.start)
    if r is None:
        return None
    opening = max(sentence.rfind(";", 0, r.start()), sentence.rfind(".", 0, r.start()))
    units = list({u[2]: u for u in m.units if opening < u[0] < r.start()}.values())
    if len(units) < 2:
        return None
    main: list[int] = []
    depth = 0
    cursor = r.end()
    for start, _end in m.figure_spans:
        if start < r.end():
            continue
        depth += sentence.count("(", cursor, start) - sentence.count(")", cursor, start)
        cursor = start
        if depth <= 0:
            main.append(start)
    if fig.start in main[: len(units)]:
        return units[main.index(fig.start)]
    return None


def _bracket_figure(sentence: str, m: _Mentions, start: int, at: int) -> bool:
    """Whether ``at`` lies in a bracket opened after ``start`` that also holds a figure."""
    opening = sentence.find("(", start, at)
    if opening < 0:
        return False
    closing = sentence.find(")", at)
    closing = len(sentence) if closing < 0 else closing
    return any(opening < s < closing for s, _ in m.figure_spans)


# Years listed together share what follows them: "2022, 2023 đứng thứ 1", "năm 2021 và 2022 đạt".
_YEAR_JOIN = re.compile(r"\s*(?:,|và|va|and|&)\s*(?:năm\s+|nam\s+)?", re.IGNORECASE)


# The word that makes a figure a position: "thứ 3", "hạng 55".
POSITION_WORD = re.compile(r"(?:thứ|hạng)\s*$", re.IGNORECASE)


def _year_list(sentence: str, periods, period) -> tuple[int, ...]:
    """The years listed with ``period`` (a year, no month), itself included; () when alone."""
    if not period or period[2] is not None:
        return ()
    years = [p for p in periods if p[2] is None]
    if period not in years:
        return ()
    i = years.index(period)
    out = [period[1]]
    while i > 0 and _YEAR_JOIN.fullmatch(sentence, years[i - 1][0] + 4, years[i][0]):
        i -= 1
        out.append(years[i][1])
    return tuple(sorted(out)) if len(out) > 1 else ()


def slots_of(sentence: str, fig: Figure, lead_in: str = "") -> Slots:
    """What the sentence says ``fig`` is about; ``lead_in``: the opening words of the list
    the sentence is an item of (``list_lead_in``)."""
    m = _mentions(sentence)
    # "trên 90% hồ sơ tại cấp tỉnh, trên 80% … tại cấp huyện": a level named in the figure's own
    # clause after it is its level; else the last one named before it ("cấp tỉnh 5.120 hồ sơ").
    # The total a figure is out of ("10/21 bộ, ngành") belongs to its clause; the next one ends it.
    after_fig = [n for n in m.figure_starts if n > fig.start]
    if after_fig and sentence[fig.end : after_fig[0]].strip() == "/":
        after_fig = after_fig[1:]
    stop = min(after_fig + [len(sentence)])
    cut = re.search(r"[;,]", sentence[fig.end : stop])
    stop = fig.end + cut.start() if cut else stop
    # "10/21 bộ, ngành", "62/63 địa phương": a level the figure counts, right after it, is its own too.
    own_level = [
        x
        for x in m.levels
        if fig.end <= x[0] < stop
        and (_AT.search(sentence, fig.end, x[0]) or _COUNTS_LEVEL.fullmatch(sentence, fig.end, x[0]))
    ]
    level = own_level[0] if own_level else _last_before(m.levels, fig.start)
    # "tăng 2 Thứ trưởng Bộ Nội vụ, …": a unit a few words after the figure, in its own clause,
    # is its own; not one it is set against ("đứng thứ 2 sau Quảng Ninh", "cao hơn Bộ X").
    own_unit = [
        x
        for x in m.units
        if fig.end <= x[0] < stop
        and len(sentence[fig.end : x[0]].split()) <= _OWN_UNIT_WORDS
        and not _SET_AGAINST.search(sentence, fig.end, x[0])
    ]
    unit = own_unit[0] if own_unit else _respective_unit(sentence, m, fig) or _last_before(m.units, fig.start)
    # A period in a bracket after the figure qualifies it ("14,1% (2023)") unless the bracket
    # holds a figure of its own: then it is that figure's ("thứ 4 (năm 2021 xếp thứ 9)").
    after = [
        p
        for p in m.periods
        if fig.end <= p[0] <= fig.end + _PERIOD_AFTER
        and _OWN_PERIOD.match(sentence, fig.end, p[0])
        and not _bracket_figure(sentence, m, fig.end, p[0])
    ]
    # …and a bracket's period does not carry past its end to the figures after it.
    outside = [
        p for p in m.periods if sentence.count(")", p[0], fig.start) <= sentence.count("(", p[0], fig.start)
    ]
    period = after[0] if after else _last_before(outside, fig.start)
    later_than, superseded = None, False
    now = _last_before(m.nows, fig.start)
    if (
        not after
        and period
        and now
        and now[0] > period[0]
        and any(period[0] < s < now[0] and (s in m.percent_starts) == fig.percent for s in m.figure_starts)
    ):
        # "năm 2019 đạt 11%, đến nay đạt 55%": the year named before "now", with a figure of its
        # own of this one's form, is not this figure's. Without one ("6 tháng năm 2023, … 6 nội
        # dung. Đến nay, cả nước có 67%"), "now" is the time of that year's report.
        later_than, period = period[1], None
    elif period and any(_restated_now(sentence, m, n[0], fig) for n in m.nows if fig.end <= n[0]):
        superseded = True
    # "640 thủ tục được đưa lên mạng toàn trình": what a count is of follows it, up
    # to the next figure or clause; a rate's metric ("tỷ lệ hồ sơ trực tuyến đạt 45%") precedes it.
    following = [x for x in m.metrics if fig.end <= x[0] < stop and x[1] not in GENERIC_METRICS]
    # A metric named after the previous figure, in its clause, belongs to that one ("14 TTHC … một phần và
    # 875 TTHC thực hiện theo hình thức khác"): the previous figure's own clause runs from
    # it to the first comma, semicolon or "và" ("… 5.120 hồ sơ và tỷ lệ đúng hạn 98%": after "và",
    # the next figure's).
    prev_end = max([f_end for f_start, f_end in m.figure_spans if f_end <= fig.start], default=-1)
    prev_cut = re.search(r"[;,]|\s(?:và|and)\s", sentence[prev_end : fig.start]) if prev_end >= 0 else None
    prev_stop = prev_end + prev_cut.start() if prev_cut else (fig.start if prev_end >= 0 else -1)
    if (
        prev_end >= 0
        and "(" in sentence[prev_end : fig.start]
        and ")" not in sentence[sentence.rfind("(", 0, fig.start) : fig.start]
    ):
        # "0,48 % hồ sơ trễ hạn (hơn 68.000 hồ sơ)": a bracket restates the previous figure
        # in another unit, and shares its metric.
        prev_stop = prev_end
    before = _last_before(m.metrics, fig.start)
    metric = following[0] if following else (before if before and before[0] > prev_stop else None)
    if (
        metric is None
        and before
        and POSITION_WORD.search(sentence, max(0, fig.start - MARKER_WINDOW), fig.start)
        and ";" not in sentence[before[0] : fig.start]
    ):
        # "chỉ số CCHC đạt 86,1 đứng thứ 6", "SIPAS đạt 97%, xếp thứ 3": a position ranks by the
        # measure its clause opened with, whatever figure stands between.
        metric = before
    if metric is None and later_than is not None and before and now and before[0] < now[0]:
        # "tỉ lệ hồ sơ trực tuyến năm 2019 chỉ 5%, hiện tại là 43%": the same measure, now.
        metric = before
    if fig.percent and any(
        abs(v - r) < Decimal("0.06") for v in readings(fig.text.rstrip("% ")) for r in m.score_ratios
    ):
        metric = (fig.start, SCORE_RATIO)
    clause_start = max((c.end() for c in _CLAUSE_START.finditer(sentence, 0, fig.start)), default=0)
    kind = kind_of(sentence[clause_start : fig.start])
    if kind is None:
        # A list of figures shares the words that open the sentence ("phấn đấu đến năm 2025:
        # cấp tỉnh trên 90%, cấp huyện trên 80%").
        first = m.figure_starts[0] if m.figure_starts else fig.start
        opening = sentence[: min(first, fig.start)]
        kind = "target" if ";" not in sentence[first : fig.start] and kind_of(opening) == "target" else None
    if kind is None and lead_in and kind_of(lead_in) == "target":
        kind = "target"
    return Slots(
        level=level[1] if level else None,
        unit=(unit[1], unit[2]) if unit else None,
        year=period[1] if period else None,
        years=_year_list(sentence, m.periods, period),
        month=period[2] if period else None,
        metric=metric[1] if metric else None,
        kind=kind,
        later_than=later_than,
        superseded=superseded,
    )


def _restated_now(sentence: str, m: _Mentions, now: int, fig: Figure) -> bool:
    """Whether the "now" at ``now`` gives ``fig``'s measure again: a figure of its form follows
    in that clause and names no measure of its own ("…, thời điểm hiện tại là 43%"; not "hiện
    nay có 30% TTHC toàn trình", another measure)."""
    for s in m.figure_starts:
        if s > now and (s in m.percent_starts) == fig.percent:
            cut = re.search(r"[;.]\s", sentence[s:])
            end = s + cut.start() if cut else len(sentence)
            return not any(now <= x[0] < end for x in m.metrics)
    return False


@dataclass(frozen=True)
class Verdict:
    score: float
    contradictions: int  # slots stated otherwise than asked: such a figure is never the headline
    hard: int  # of those, another unit, level or period (not merely a target where none was asked)


def agreement(slots: Slots, q: QuestionAnalysis) -> Verdict:
    """(score, contradictions) of a figure's slots against the question's. A target where
    none was asked counts as a contradiction (never the headline) with a mild score."""
    score, contradictions = 0.0, 0
    if q.levels and slots.level:
        if slots.level in q.levels:
            score += W.agree
        else:
            score += W.contradict
            contradictions += 1
    if slots.unit and q.units:
        # Another unit's figure: another province or ministry (a province's figure does not
        # answer about a ministry). A district named where a province was asked may lie inside
        # it, and a "which district" question is answered by one: neither is a contradiction.
        level = slots.unit[0]
        if any(u.level == level and same_unit(u.name, slots.unit[1]) for u in q.units):
            score += W.agree
        elif any(u.level == level or (u.level in _TOP and level in _TOP) for u in q.units):
            score += W.contradict
            contradictions += 1
    if q.years and slots.year:
        if slots.year in q.years or set(slots.years) & set(q.years):
            score += W.agree
            if q.months and slots.month and (slots.year, slots.month) not in q.months:
                score += W.contradict
                contradictions += 1
        else:
            score += W.contradict
            contradictions += 1
    if q.years and slots.later_than is not None and max(q.years) <= slots.later_than:
        # Said to be of now, after the year asked: not that year's figure.
        score += W.contradict
        contradictions += 1
    elif not q.years and slots.superseded:
        # No year asked: the figure the sentence says was overtaken is not the current one.
        score += W.contradict
        contradictions += 1
    specific = specific_metrics(q)
    if slots.metric == SCORE_RATIO and specific and not any(metrics()[m].unit == "điểm" for m in specific):
        # A share of procedures or dossiers was asked; this rate is an index score's ratio.
        score += W.contradict
        contradictions += 1
    elif specific and slots.metric and slots.metric not in GENERIC_METRICS:
        score += W.agree if slots.metric in specific else W.metric_contradict
    hard = contradictions
    if q.wants == "target":
        score += W.agree if slots.kind == "target" else W.unsaid_target
    elif slots.kind == "target":
        # Not asked for a target: a plan or requirement is not what was achieved. Never the
        # headline, but the sentence is only mildly discounted (a result asked "đã đạt" where
        # only a target is stated is declined: ``decline.py``).
        score += W.unasked_target
        contradictions += 1
    return Verdict(score, contradictions, hard)


def names_unit_asked(text: str, q: QuestionAnalysis) -> bool:
    """Whether ``text`` names one of the units the question asks about (by the same forms
    ``slots_of`` reads a figure's unit with)."""
    return any(
        u.level == level and same_unit(u.name, name)
        for _, level, name in _mentions(text).units
        for u in q.units
    )


def same_unit(asked: str, stated: str) -> bool:
    """A folded name as typed against a stated one ("cong an" vs "cong an", "12" vs "12")."""
    return stated == asked or stated.startswith(asked + " ") or asked.startswith(stated + " ")
