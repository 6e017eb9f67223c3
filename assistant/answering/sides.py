"""The sides of a comparison or a trend: one sub-question per unit or period compared.

"So sánh tỷ lệ … của tỉnh A và tỉnh B" has two sides, each asked on its own: the question
without the other unit's name, analysed as a single-figure question. A trend's sides are
its periods. A question that compares two kinds of figure for one unit ("bao nhiêu hồ sơ X
và bao nhiêu hồ sơ Y") has no sides here: one statement usually gives both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import replace as dc_replace

from assistant.answering.analysis import QuestionAnalysis, UnitRef, analyse
from assistant.answering.question import COUNT_OPENING, PERCENT_Q, fold_question
from assistant.index.facets import Period, levels_in
from assistant.index.figures import figures
from assistant.index.gazetteer import name_patterns, predecessors
from assistant.index.textnorm import fold_accents

MAX_SIDES = 6


@dataclass(frozen=True)
class Side:
    label: str
    analysis: QuestionAnalysis
    by: str = "unit"  # "unit", "period", "level" or "item": what the rows of the table differ by


def _unit_spans(text: str, u: UnitRef) -> list[tuple[int, int]]:
    folded = fold_accents(text)
    if len(folded) != len(text):
        return []
    if u.level == "province":
        return [m.span() for p in name_patterns() if p.unit == u.name for m in p.folded.finditer(folded)]
    needle = fold_accents(u.surface or u.name)
    return [m.span() for m in re.finditer(rf"(?<!\w){re.escape(needle)}(?!\w)", folded)]


# What joined a removed name to the rest goes with it: "A và B lần lượt có …" asked of B alone
# is "B có …", not "và B lần lượt có …".
_CONJ = r"(?:và|với|hoặc|hay là|hay|cùng|so với|and|or|with|versus|vs\.?)"
_JOIN_AFTER = re.compile(rf"^\s*,?\s*{_CONJ}\b", re.IGNORECASE)
_JOIN_BEFORE = re.compile(rf"(?:,\s*)?\b{_CONJ}\s*(?:the\s+)?$|,\s*$", re.IGNORECASE)
# An article before a removed name goes with it: "the district level or the commune level".
_ARTICLE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
_RESPECTIVELY = re.compile(r"\s*\b(?:lần lượt|respectively)\b", re.IGNORECASE)


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    for a, b in sorted(spans, reverse=True):
        after = _JOIN_AFTER.match(text[b:])
        before = None if after else _JOIN_BEFORE.search(text[:a])
        if after:
            b += after.end()
            article = _ARTICLE_BEFORE.search(text[:a])
            a = article.start() if article else a
        elif before:
            a = before.start()
        text = text[:a] + " " + text[b:]
    if spans:
        text = _RESPECTIVELY.sub("", text)
        text = re.sub(r"\s+([,?.;])", r"\1", text)
    return " ".join(text.split())


def _year_spans(text: str, years: set[int]) -> list[tuple[int, int]]:
    # "từ năm 2014" goes whole: "sang năm 2015" asked alone is about 2015.
    pattern = r"(?:\b(?:từ|sang|đến|tới|from|to|in)\s+)?(?:\bnăm\s+)?(?<!\d)((?:19|20)\d{2})(?!\d)"
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE) if int(m.group(1)) in years]


_ASKS_COUNT = re.compile(r"\b(?:bao nhieu|may|how many|how much)\b")
_NUMBER_OF = re.compile(r"^\s*(?:[Tt]ổng )?[Ss]ố(?: lượng)? (?=\w)")


def _single(text: str, q: QuestionAnalysis) -> QuestionAnalysis:
    """One side as a single-figure question: a comparison or trend asks for figures even
    when it says "so sánh" or "thay đổi thế nào" instead of "bao nhiêu"."""
    text = _without_comparison_words(text) or text
    folded = fold_accents(text).lower()
    if not _ASKS_COUNT.search(folded) and COUNT_OPENING.match(folded):
        # "số hồ sơ tiếp nhận cấp huyện" is "bao nhiêu hồ sơ tiếp nhận cấp huyện": what is
        # counted opens the side ("kinh tế số" is no count).
        text = _NUMBER_OF.sub("bao nhiêu ", text, count=1)
    sub = analyse(text, language=q.language)
    prof = sub.profile
    if prof.kind not in ("number", "date"):
        prof = dc_replace(prof, kind="number", wants_percent=bool(PERCENT_Q.search(fold_question(text))))
    return dc_replace(sub, intent="single", profile=prof)


# The words that ask for a share, cut from a side asked for its count instead.
_SHARE_WORDS = re.compile(
    r"\b(?:bao nhieu phan tram|phan tram|ty le|(?:the )?(?:percentage|share|proportion|rate)(?: of)?)\b|%"
)


def as_count(side: Side) -> Side:
    """The side asked for its count instead of its share ("tỷ lệ TTHC toàn trình" of a unit
    whose documents state only how many): the question without its share words."""
    cut = _cut_folded(side.analysis.text, _SHARE_WORDS)
    sub = _single(" ".join((side.analysis.text if cut is None else cut).split()), side.analysis)
    return dc_replace(side, analysis=dc_replace(sub, profile=dc_replace(sub.profile, wants_percent=False)))


def sides(q: QuestionAnalysis) -> list[Side]:
    """The sub-questions to answer one by one, or [] when the question has no sides."""
    if q.intent == "comparison":
        levels = [u.level for u in q.units]
        level = next((lv for lv in dict.fromkeys(levels) if levels.count(lv) >= 2), None)
        if level is None:
            # One unit in two years ("năm 2015 so với năm 2014") is compared period by period;
            # two groups or fields named by the same word ("ở nhóm A và ở lĩnh vực B"), item by item.
            return _period_sides(q) or _level_sides(q) or _item_sides(q)
        compared = [u for u in q.units if u.level == level][:MAX_SIDES]
        out = []
        for u in compared:
            others = [s for o in compared if o != u for s in _unit_spans(q.text, o)]
            out.append(Side(u.surface or u.name, _single(_without(q.text, others), q)))
        return out
    if q.intent == "trend":
        return _period_sides(q)
    if q.intent == "ranking":
        return _ranked_level_sides(q)
    return []


# "Cấp nào tiếp nhận nhiều hồ sơ nhất?": a ranking of the levels of one unit, asked of each
# level that a province's reports state figures for.
_WHICH_LEVEL = re.compile(r"\b(?:cấp|cap|level)\s+(?:nào|nao)\b|\bwhich level\b", re.IGNORECASE)
_RANKED_LEVELS = {
    "vi": ("cấp tỉnh", "cấp huyện", "cấp xã"),
    "en": ("provincial level", "district level", "commune level"),
}
# "nhiều hồ sơ nhất" asked of one level is "bao nhiêu hồ sơ"; "cao nhất", "thấp nhất" go.
_MOST_OF = re.compile(r"\b(?:nhiều|ít|nhieu|it)\s+((?:\w+\s+){0,5}?)(?:nhất|nhat)\b", re.IGNORECASE)
_SUPERLATIVE = re.compile(
    r"\s*\b(?:(?:cao|thấp|lớn|nhỏ|tốt|kém|thap|lon|nho|tot|kem)\s+(?:nhất|nhat)|"
    r"(?:the )?(?:most|fewest|least|highest|lowest|largest|smallest)\b)",
    re.IGNORECASE,
)


def _ranked_level_sides(q: QuestionAnalysis) -> list[Side]:
    """ "Ở X, cấp nào … nhiều … nhất?": one side per level (province, district, commune), each
    the question asked of that level; the verdict ranks them (``combine.verdict``)."""
    m = _WHICH_LEVEL.search(q.text)
    if m is None or q.levels:
        return []
    out = []
    for label in _RANKED_LEVELS["en" if q.language == "en" else "vi"]:
        text = q.text[: m.start()] + label + q.text[m.end() :]
        text = _MOST_OF.sub(
            lambda g: ("how many " if q.language == "en" else "bao nhiêu ") + g.group(1), text
        )
        text = " ".join(_SUPERLATIVE.sub("", text).split())
        out.append(Side(label, _single(text, q), by="level"))
    return out


def predecessor_sides(q: QuestionAnalysis) -> list[tuple[str, Side]]:
    """The question asked of each pre-2025 province merged into a province it names by its
    post-2025 name ("… của Đà Nẵng" → "… của Quảng Nam"): what the documents state of the
    old units, which are not the new one's figures and are said to be of the old units.
    Each with the new province's name as the question wrote it."""
    out = []
    for u in q.units:
        spans = _unit_spans(q.text, u) if u.level == "province" else []
        for _, old in predecessors(u.name) if spans else []:
            text = q.text
            for a, b in sorted(spans, reverse=True):
                text = text[:a] + old + text[b:]
            out.append((u.surface or u.name, Side(old, analyse(text, language=q.language))))
    return out[:MAX_SIDES]


# "từ năm 2021 đến năm 2023": the years between are asked too.
_RANGE = re.compile(
    r"\b(?:từ|from)\s+(?:năm\s+)?((?:19|20)\d{2})\s+(?:đến|tới|sang|to|until)\s+(?:năm\s+)?((?:19|20)\d{2})\b",
    re.IGNORECASE,
)


def _period_sides(q: QuestionAnalysis) -> list[Side]:
    named = set(q.years)
    between: set[int] = set()
    m = _RANGE.search(q.text)
    if m and 0 < int(m.group(2)) - int(m.group(1)) < MAX_SIDES:
        between = set(range(int(m.group(1)) + 1, int(m.group(2)))) - named
    years = sorted(named | between, reverse=True)[:MAX_SIDES]
    if len(years) < 2:
        return []
    out = []
    for y in years:
        if y in between:
            assert m is not None  # ``between`` is only filled from a range
            # Asked of a year the question does not write: its range goes, the year comes in.
            text = _without(q.text, [m.span()]).rstrip(" ?") + (
                f" in {y}?" if q.language == "en" else f" năm {y}?"
            )
        else:
            text = _without(q.text, _year_spans(q.text, named - {y}))
            # The range's own end stays as the year asked: "từ 2020" asked alone is "năm 2020".
            text = re.sub(
                rf"\b(?:từ|đến|tới|sang|from|to|until)\s+(?:năm\s+)?({y})\b",
                ("in " if q.language == "en" else "năm ") + r"\1",
                text,
                flags=re.IGNORECASE,
            )
        if q.intent == "trend":
            text = _without_trend_words(text)
        out.append(Side(Period(y).label(q.language), _single(text, q), by="period"))
    return out


def _level_sides(q: QuestionAnalysis) -> list[Side]:
    """ "Cấp tỉnh hay cấp huyện ở X …": one side per level named, each asked without the others;
    a level's own statements are told apart by the level slot (``agreement.py``)."""
    found = [m for m in levels_in(q.text) if m.key not in ("all", "national")]
    keys = list(dict.fromkeys(m.key for m in found))
    if len(keys) < 2:
        return []
    out = []
    for key in keys[:MAX_SIDES]:
        own = next(m for m in found if m.key == key)
        others = [(m.start, m.end) for m in found if m.key != key]
        label = q.text[own.start : own.end]
        out.append(Side(label[:1].lower() + label[1:], _single(_without(q.text, others), q), by="level"))
    return out


# Two phrases that repeat their preposition are two things compared: "ở nhóm thủ tục đất đai
# và ở lĩnh vực xây dựng", "for online payment and for digitised records".
_REPEATED = re.compile(
    r"\b(ở|của|đối với|tại|in|for)\s+([^,?;]+?)\s+(?:và|hoặc|so với|and|or|versus)\s+\1\s+([^,?;]+?)\s*(?=[?,.;]|$)",
    re.IGNORECASE,
)


def _item_sides(q: QuestionAnalysis) -> list[Side]:
    m = _REPEATED.search(q.text)
    if m is None:
        return []
    first = q.text[: m.start(2)] + m.group(2) + q.text[m.end() :]
    second = q.text[: m.start()] + m.group(1) + " " + m.group(3) + q.text[m.end() :]
    return [
        Side(m.group(2), _single(" ".join(first.split()), q), by="item"),
        Side(m.group(3), _single(" ".join(second.split()), q), by="item"),
    ]


# The words that say what kind of thing an item is, not which one ("nhóm", "lĩnh vực").
_ITEM_HEADS = frozenset(
    [
        "nhom",
        "linh",
        "vuc",
        "thu",
        "tuc",
        "nganh",
        "khoi",
        "cap",
        "loai",
        "hanh",
        "chinh",
        "group",
        "groups",
        "sector",
        "sectors",
        "field",
        "fields",
        "procedure",
        "procedures",
        "the",
    ]
)


def _item_words(side: Side) -> list[str]:
    """The folded words that say which item a side is ("moi truong" of "lĩnh vực môi trường")."""
    return [w for w in re.findall(r"\w+", fold_accents(side.label).lower()) if w not in _ITEM_HEADS]


def names_side(side: Side, statement: str) -> bool:
    """Whether ``statement`` is about the item of an item side ("lĩnh vực môi trường" needs
    "môi trường"); unit and period sides are checked by the declines."""
    if side.by != "item":
        return True
    said = set(re.findall(r"\w+", fold_accents(statement).lower()))
    return all(w in said for w in _item_words(side))


# How far after an item's name its figure may sit: "lĩnh vực môi trường 59 %" (a list of
# item-figure pairs in one statement), not the next clause's figure.
ITEM_FIGURE_CHARS = 40


def item_figure(side: Side, quote: str) -> str | None:
    """The figure an item side's statement gives for its item: the first after the item's
    own words ("…, tương tự lĩnh vực môi trường 59 %, …"); None when none follows closely."""
    if side.by != "item":
        return None
    folded = fold_accents(quote).lower()
    words = _item_words(side)
    if not words or len(folded) != len(quote):
        return None
    # The last mention: a list names the item where its figure is.
    mentions = list(re.finditer(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", folded))
    if not mentions:
        return None
    m = mentions[-1]
    after = [f for f in figures(quote) if m.end() <= f.start <= m.end() + ITEM_FIGURE_CHARS]
    return after[0].text if after else None


_TREND_WORDS = re.compile(
    # A list of years after "qua các năm" goes with the years: "qua các" is left behind.
    r"\b(?:qua (?:cac|tung) nam|qua (?:cac|tung)(?= *(?:,|\?|$|(?:19|20)\d\d))|nhung nam (?:qua|gan day)|cac nam (?:qua|gan day)|"
    r"(?:da |duoc )?(?:thay doi|bien dong|tang giam|dien bien) (?:the nao|ra sao|nhu the nao)|xu huong|"
    r"over the years|year by year|how did|how has|changed?)\b"
)


# The words that ask which side wins are no words of one side's figure: "Giữa A và B, tỉnh nào
# cao hơn?" asked of A alone is "A …?", and "giữa", "tỉnh nào", "cao hơn" left in would be
# question terms no statement of A's figure holds (its coverage falls below the support floor).
_COMPARISON_WORDS = re.compile(
    r"\b(?:so sanh|giua|(?:tinh|thanh pho|huyen|quan|xa|phuong|bo|nganh|dia phuong|don vi|noi|ben|ai)"
    r" nao|(?:cao|nhieu|thap|it|lon|nho|tot|kem|nhanh|cham|som|muon) hon|compare[ds]?|comparison|"
    r"between|which (?:province|city|district|ministry|one|of them)|(?:higher|lower|more|fewer|less|"
    r"better|worse|larger|smaller|faster|slower)(?: than)?|hon(?=\W*$))\b"
)


def _cut_folded(text: str, pattern: re.Pattern[str]) -> str | None:
    """``text`` with the matches of ``pattern`` (written for folded, lower-case text) cut out:
    matched on the folded text, cut from the typed one at the same offsets; None where folding
    changes the length, so that offsets would not carry over."""
    folded = fold_accents(text).lower()
    if len(folded) != len(text):
        return None
    for m in reversed(list(pattern.finditer(folded))):
        text = text[: m.start()] + " " + text[m.end() :]
    return text


def _without_comparison_words(text: str) -> str:
    cut = _cut_folded(text, _COMPARISON_WORDS)
    if cut is None:
        return text
    cut = re.sub(r"^[\s,:;]+|[\s,:;]+(?=\?|$)", "", cut)
    return " ".join(re.sub(r"\s+([,?.;:])", r"\1", cut).split())


def _without_trend_words(text: str) -> str:
    """The words that ask for a change are no words of one year's figure ("thay đổi thế nào",
    "qua các năm")."""
    cut = _cut_folded(text, _TREND_WORDS)
    return text if cut is None else " ".join(cut.split())


def held_period_sides(q: QuestionAnalysis, years: list[int]) -> list[Side]:
    """A trend that names no years ("qua các năm thay đổi thế nào?") asked year by year over
    the years the facts hold for its unit and metric (latest first): each side is still
    answered from a retrieved, quoted statement, not from the fact."""
    if q.intent != "trend" or len(q.years) >= 2 or len(years) < 2:
        return []
    base = _without_trend_words(q.text).rstrip(" ?")
    out = []
    for y in sorted(set(years), reverse=True)[:MAX_SIDES]:
        text = base + (f" in {y}?" if q.language == "en" else f" năm {y}?")
        out.append(Side(Period(y).label(q.language), _single(text, q), by="period"))
    return out
