"""One analysed question: computed once by the service, read by retrieval, reranking and
answering (they used to re-read the question text each in its own way).

Besides the answer kind and the topic terms of ``question.profile``, it names the slots an
answer's figure must agree with: the units (provinces through the gazetteer, old and new
names; districts, towns, communes and ministries by the press's own forms), the level of
government, the metric (``resources/metrics.yaml``), the period, and whether the question
asks for a target or for what was achieved. And the intent: one figure, or a comparison,
ranking, trend or list, which the composer answers from several statements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.question import QuestionProfile, informative, profile, ranking_direction
from assistant.index.facets import Period, levels_in, metrics_in, periods_in
from assistant.index.gazetteer import name_patterns, units_in_question
from assistant.index.keywords import tokenize
from assistant.index.textnorm import fold_accents, has_vietnamese_diacritics
from assistant.index.units import MINISTRY_HEADS_FOLDED, province_name

# Intents, matched on the folded question. Comparison and trend need two things to set side by
# side (two units, two periods) or say so outright ("so sánh", "thay đổi thế nào").
_COMPARISON = re.compile(
    r"\b(?:so sanh|lan luot|compare|compared|comparison|versus|vs|difference between|"
    r"nhieu hon|cao hon|thap hon|it hon|more than|higher than|lower than)\b"
)
# Two levels set side by side: "cấp tỉnh hay cấp huyện", "cấp huyện so với cấp xã".
_TWO_LEVELS = re.compile(
    r"\bcap (?:tinh|huyen|xa|bo|trung uong)\b[^?]{0,40}?\b(?:so voi|hay|hoac|va|voi)\s+(?:o\s+)?"
    r"cap (?:tinh|huyen|xa|bo|trung uong)\b"
    r"|\b(?:provincial|province|district|commune|ministry) level\b[^?]{0,40}?\b(?:or|and|versus|vs\.?|than)\s+"
    r"(?:at\s+)?(?:the\s+)?(?:provincial|province|district|commune|ministry) level\b"
)
# Two kinds of one thing set side by side: "nhóm A và nhóm B", "mỗi hồ sơ X và mỗi hồ sơ Y".
_TWO_KINDS = re.compile(
    r"\b(nhom|linh vuc|ho so|thu tuc|cap|khoi|loai|nganh|group|sector)\b[^?]{1,80}?\b(?:va|and)\s+"
    r"(?:moi\s+|cac\s+|o\s+|the\s+)?\1\b"
)
# Two things named behind the same word: "ở nhóm thủ tục A và ở lĩnh vực B" (``sides._item_sides``).
_TWO_PHRASES = re.compile(r"\b(o|cua|doi voi|tai|in|for)\s+[^?,;]{2,60}?\s+(?:va|hoac|and|or)\s+\1\s")
_TREND = re.compile(
    r"\b(?:thay doi (?:the nao|ra sao|nhu the nao)|bien dong|xu huong|tang (?:the nao|ra sao)|"
    r"giam (?:the nao|ra sao)|tang tu|giam tu|qua cac nam|qua tung nam|how did .* change|changed?|trend|"
    r"over the years|evolve[ds]?)\b"
)
# "at most", "at least" bound a figure (tối đa, tối thiểu): no ranking.
_RANKING = re.compile(
    r"\b(?:cao nhat|thap nhat|nhieu nhat|it nhat|dung dau|dan dau|xep dau|xep cuoi|dung cuoi|xep chot|"
    r"dung chot|cuoi bang|bet bang|lon nhat|nho nhat|"
    r"top \d+|highest|lowest|(?<!at )most|(?<!at )least|best|worst|ranked first|ranked last|"
    r"first place|last place)\b"
)
_LIST = re.compile(
    r"\bnhung\s+(?:\w+\s+){0,8}(?<!the )nao\b|\bcac\s+(?:\w+\s+){0,4}(?<!the )nao\b|\bnhung gi\b|\bgom nhung\b|\bke ten\b|\bliet ke\b|"
    # "những mục tiêu gì", "các nhiệm vụ gì": what a plan sets out, item by item. Not "những
    # loại … gì" (what kind of …), answered by the phrase that names the kind.
    r"\b(?:nhung|cac)\s+(?!loai\b)(?:\w+\s+){1,3}gi\b|"
    r"\bwhich (?:\w+ ){0,2}(?:are|were)\b|\bwhat are the\b|\blist\b"
)
# What a list question asks to enumerate: the first words between "những/các" and "nào"
# ("những doanh nghiệp nào" → "doanh nghiep", "các mô hình cải cách nào" → "mo hinh").
_LIST_ITEM = re.compile(
    r"\bnhung\s+((?:\w+\s+){1,8}?)(?<!the )nao\b|\bcac\s+((?:\w+\s+){1,4}?)(?<!the )nao\b|"
    r"\b(?:nhung|cac)\s+(?!loai\b)((?:\w+\s+){1,3}?)gi\b"
)
LIST_ITEM_WORDS = 2


def list_item(text: str) -> str | None:
    """The folded head of what a list question asks to enumerate, or None."""
    m = _LIST_ITEM.search(fold_accents(text).lower())
    if not m:
        return None
    return " ".join((m.group(1) or m.group(2) or m.group(3)).split()[:LIST_ITEM_WORDS])


# A ranking of units ("tỉnh nào", "tỉnh có … cao nhất", "which ministry"), not a maximum a text
# states ("hình phạt cao nhất là gì").
_UNITS_RANKED = re.compile(
    r"\b(?:nào|nao|which|tỉnh|thành phố|địa phương|đơn vị|quận|huyện|xã(?!\s+hội)|phường|"
    r"provinces?|ministry|ministries|district|city|locality)\b",
    re.IGNORECASE,
)
# Explicit asks for a target or for the result: "đặt mục tiêu", "phấn đấu", "yêu cầu"; "đã
# đạt", "thực tế", "actually".
_WANTS_TARGET = re.compile(
    r"\b(?:muc tieu|phan dau|chi tieu|ke hoach|du kien|yeu cau|de ra|dat ra|aim|aims|target|targets|goal|plan|"
    r"planned|require|required|must|at least|at most|minimum|maximum|"
    # What a rule prescribes is a requirement: "ít nhất", "tối đa", "được quy định", "được phép".
    r"it nhat|toi thieu|toi da|khong qua|quy dinh|duoc phep)\b"
)
_WANTS_ACHIEVED = re.compile(
    r"\b(?:da dat|dat duoc|thuc te|thuc hien duoc|actually|achieved|reached|so far|"
    # "hiện đã cung cấp được", "đã hoàn thành": what has been done, not what is planned.
    r"hien da|da (?:\w+ ){1,2}duoc|da hoan thanh|has (?:\w+ )?(?:provided|completed|delivered))\b"
)
# The source a question names before it asks ("Theo báo cáo của Bộ Nội vụ, …", "According to
# the 2023 survey, …"): where the figure was published, which an article says once, not in the
# sentence that states it. Its terms are read on the whole document (``source_terms``).
_SOURCE_CLAUSE = re.compile(
    r"^\s*(?:theo|căn cứ|according to|as reported (?:by|in)|in (?:its|the|a)\b[^,?]{0,60}?\breport)\s+([^,?]{3,160}?),",
    re.IGNORECASE,
)


def source_terms(text: str) -> frozenset[str]:
    """The keyword tokens of the source the question attributes its figure to, or none."""
    m = _SOURCE_CLAUSE.match(text)
    return frozenset(informative(tokenize(m.group(1)))) if m else frozenset()


# "đến năm 2025", "by 2030": a horizon, unless the question runs from one year to another.
_HORIZON = re.compile(r"\b(?:den|toi|by)\s+(?:het\s+|cuoi\s+|the end of\s+)?(?:nam\s+)?20\d{2}\b")
_FROM_TO = re.compile(r"\b(?:tu|from)\s+(?:nam\s+)?(?:19|20)\d{2}\b")
# Districts, towns, communes and wards by name ("thị xã Kỳ Anh", "quận 12", "huyện Cờ Đỏ");
# ministries ("Bộ Tài chính"). The gazetteer holds provinces only. With diacritics a name is
# capitalised or a number ("xã hội" is society, not a commune); without them, a stop list.
_LOCAL_EXACT = re.compile(
    r"(?<![\w])(?<![Cc]ấp )(?<![Cc]ác )(thị xã|thị trấn|huyện|quận|xã|phường|TX\.?|TP\.?|[Tt]hành phố)\s+(\d{1,2}\b|[A-ZĐ][\w]*(?:\s+[A-ZĐ][\w]*){0,2})"
)
_LOCAL_FOLDED = re.compile(
    r"(?<!cap )(?<!cac )\b(thi xa|thi tran|huyen|quan|xa|phuong|tx|town|district|ward|commune)\s+(\d{1,2}\b|[a-z]+(?:\s+[a-z]+)?)"
)
_MINISTRY_EXACT = re.compile(r"\bBộ\s*:?\s*([A-ZĐ]\w*(?:\s+(?:và\s+)?[A-ZĐ]?\w+)?)")
# Unaccented, "bo" is also "bố", "bổ" ("cong bo bao nhieu" asks what was announced): only a
# ministry's own name after it makes a ministry.
_MINISTRY_FOLDED = re.compile(
    r"\bbo\s+(" + "|".join(sorted(map(re.escape, MINISTRY_HEADS_FOLDED), key=len, reverse=True)) + r")\b"
)
_ENGLISH = re.compile(r"\b(?:what|which|how|who|when|the|of|in|did|does|is|are)\b")
_LOCAL_LEVEL = {
    "thi xa": "district",
    "huyen": "district",
    "quan": "district",
    "tx": "district",
    "tx.": "district",
    "town": "district",
    "district": "district",
    "xa": "commune",
    "phuong": "commune",
    "thi tran": "commune",
    "ward": "commune",
    "commune": "commune",
}
_NOT_NAMES = {
    "huyen",
    "quan",
    "xa",
    "phuong",
    "thi",
    "nao",
    "gi",
    "cap",
    "va",
    "co",
    "tren",
    "nay",
    "do",
    "o",
    "la",
    "dat",
    "duoc",
    "hoi",
    "truong",
    "nganh",
    "chi",
    "phan",
    "may",
    "tieu",
    "thuoc",
    "tinh",
    "trong",
    # English level words: "the commune level", "district-level offices" name a level, no unit.
    "level",
    "levels",
    "authorities",
    "offices",
}


@dataclass(frozen=True)
class UnitRef:
    """A unit the question names: its name as typed (folded) and its level."""

    name: str
    level: str  # "province" | "district" | "commune" | "ministry"
    surface: str = field(default="", compare=False)  # as the question writes it, for messages


@dataclass(frozen=True)
class QuestionAnalysis:
    asked: str  # the question as the user typed it
    text: str  # what is answered: the standalone rewrite of a follow-up, else ``asked``
    language: str
    profile: QuestionProfile  # answer kind, informative terms, counted unit, ranking end
    intent: str  # "single" | "comparison" | "trend" | "ranking" | "list"
    units: tuple[UnitRef, ...] = ()
    provinces: frozenset[str] = frozenset()  # gazetteer units named (pre-2025 names kept)
    levels: tuple[str, ...] = ()  # levels of government named as levels ("cấp xã")
    metrics: tuple[str, ...] = ()
    periods: tuple[Period, ...] = ()
    wants: str | None = None  # "target" | "achieved" | None (not said)
    rewritten: bool = False
    # A rewritten follow-up: the phrases the user just typed, which the passage must hold.
    focus: frozenset[str] = field(default_factory=frozenset)
    item: str | None = None  # what a list question enumerates, folded ("doanh nghiep"): ``list_item``
    ranks_units: bool = False  # a ranking of units or items ("tỉnh nào cao nhất"), not a stated maximum
    # The terms of the source it cites ("Theo khảo sát của …, …"): ``source_terms``.
    source: frozenset[str] = field(default_factory=frozenset)

    @property
    def years(self) -> set[int]:
        return {p.year for p in self.periods if p.year}

    @property
    def months(self) -> set[tuple[int, int]]:
        return {(p.year, p.month) for p in self.periods if p.year and p.month}


def _units(text: str, provinces: set[str]) -> tuple[UnitRef, ...]:
    folded_text = fold_accents(text)

    def asked_at(key: str) -> int:
        # Where the question first names the province (old or new name): a comparison's rows
        # come in the order the asker named them.
        found = [m.start() for p in name_patterns() if p.unit == key for m in p.folded.finditer(folded_text)]
        return min(found, default=len(folded_text))

    out = [
        UnitRef(fold_accents(p), "province", province_name(p))
        for p in sorted(provinces, key=lambda key: (asked_at(key), key))
    ]
    accented = has_vietnamese_diacritics(text)
    folded = fold_accents(text)
    for m in (_LOCAL_EXACT if accented else _LOCAL_FOLDED).finditer(text if accented else folded):
        word, name = fold_accents(m.group(1)).rstrip("."), fold_accents(m.group(2))
        if word in ("tp", "thanh pho"):
            continue  # a city: the gazetteer's when it is a province, else not a level we check
        if name.split()[0] in _NOT_NAMES:
            continue
        before = fold_accents(text[: m.start()]).lower().split()[-1:]
        if not accented and before and before[0] in _LOCAL_LEVEL:
            continue  # "quan huyen, phuong xa nhan ve": levels listed, then a verb, no name
        out.append(UnitRef(name, _LOCAL_LEVEL.get(word, "district"), m.group(0)))
    # An English ministry name ("Ministry of Home Affairs") has no form in Vietnamese text to
    # check against; only "Bộ …" is read.
    ministries = _MINISTRY_EXACT if accented else _MINISTRY_FOLDED
    for m in (
        ministries.finditer(text if accented else folded) if accented or not _ENGLISH.search(folded) else ()
    ):
        name = fold_accents(m.group(1))
        if name.split()[0] in _NOT_NAMES:
            continue
        out.append(UnitRef(" ".join(name.split()[:2]), "ministry", m.group(0)))
    return tuple(dict.fromkeys(out))


def intent_of(text: str, units: tuple[UnitRef, ...], n_periods: int) -> str:
    folded = fold_accents(text).lower()  # "Những … nào" opens most questions
    if _TREND.search(folded):
        return "trend"
    # Two units of one level are compared; a district and its province are one place.
    levels = [u.level for u in units]
    if (
        _COMPARISON.search(folded)
        or _TWO_KINDS.search(folded)
        or _TWO_LEVELS.search(folded)
        or _TWO_PHRASES.search(folded)
        or any(levels.count(level) >= 2 for level in set(levels))
    ):
        return "comparison"
    # The ends a ranking is asked by with words between ("nhiều văn bản … nhất") are the
    # profile's (``question.ranking_direction``): one pattern, not two that drift apart.
    if _RANKING.search(folded) or ranking_direction(text) is not None:
        return "ranking"
    if _LIST.search(folded):
        return "list"
    # "từ năm 2016 đến năm 2018" is a trend; "từ 15/12 đến 14/1" only bounds one period.
    if n_periods >= 2 and re.search(
        r"\b(?:tu|from)\s+(?:nam\s+)?(?:19|20)\d{2}\b.*\b(?:den|sang|len|to)\s+(?:(?:thang\s+\d{1,2}\s+)?nam\s+)?(?:19|20)\d{2}\b",
        folded,
    ):
        return "trend"
    # "các năm 2021, 2022 và 2023", "in 2021, 2022 and 2023": one measure over the years listed.
    if n_periods >= 2 and re.search(
        r"\b(?:cac nam|qua cac nam|nhung nam|in)\s+(?:19|20)\d{2}\s*(?:,|va|and)\s*(?:nam\s+)?(?:19|20)\d{2}\b",
        folded,
    ):
        return "trend"
    # "năm 2015 so với năm 2014": one measure in two periods.
    if n_periods >= 2 and re.search(
        r"(?:19|20)\d{2}\b.*\b(?:so voi|compared (?:with|to)|than)\s+(?:nam\s+|in\s+)?(?:19|20)\d{2}\b",
        folded,
    ):
        return "trend"
    return "single"


def analyse(asked: str, text: str | None = None, language: str | None = None) -> QuestionAnalysis:
    """``text``: the standalone form of a follow-up (``conversation.standalone``)."""
    text = text or asked
    prof = profile(text)
    if language:
        prof = QuestionProfile(**{**prof.__dict__, "language": language})
    folded = fold_accents(text).lower()
    rewritten = fold_accents(" ".join(text.split())) != fold_accents(" ".join(asked.split()))

    def slot(read):
        # A follow-up's own slots win over those carried from the previous turn ("Còn cấp
        # huyện thì sao?" asks about cấp huyện, whatever level the rewrite still names).
        own = read(asked) if rewritten else ()
        return own or read(text)

    provinces = slot(lambda t: frozenset(units_in_question(t)))
    units = slot(lambda t: _units(t, units_in_question(t)))
    periods = slot(lambda t: tuple(periods_in(t)))
    levels = slot(lambda t: tuple(dict.fromkeys(m.key for m in levels_in(t))))
    metrics = slot(lambda t: tuple(dict.fromkeys(m.key for m in metrics_in(t))))
    wants: str | None = None
    if _WANTS_ACHIEVED.search(folded):
        wants = "achieved"
    elif _WANTS_TARGET.search(folded) or (_HORIZON.search(folded) and not _FROM_TO.search(folded)):
        wants = "target"
    focus = (
        frozenset(t for t in informative(tokenize(asked)) if "_" in t and not any(c.isdigit() for c in t))
        if rewritten
        else frozenset()
    )
    intent = intent_of(asked if rewritten else text, units, len(periods))
    return QuestionAnalysis(
        asked=asked,
        text=text,
        language=prof.language,
        profile=prof,
        intent=intent,
        units=units,
        provinces=frozenset(provinces),
        levels=levels,
        metrics=metrics,
        periods=periods,
        wants=wants,
        rewritten=rewritten,
        focus=focus,
        item=list_item(text) if intent == "list" else None,
        ranks_units=intent == "ranking" and bool(prof.direction) and bool(_UNITS_RANKED.search(text)),
        source=source_terms(text),
    )
