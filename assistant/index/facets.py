"""What a figure, or a question, is about besides its topic words: the metric, the level of
government, the period, and whether it states a target or an achieved value.

One vocabulary for both sides of the index: ingest reads the facets of every figure a document
states (``facts``), the answerer reads those of the question and checks that the figure it
leads with agrees. Matching is accent-exact where the text has diacritics ("máy" is not
"mấy") and accent-folded where it has none (questions typed without accents); offsets are
those of the text given. Hand-written, not a library's NER: none on the package registries
knows "cấp huyện", "Bộ chỉ số 766" or that "đảm bảo 100%" is a requirement, not a result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from assistant.index.dates import YEAR
from assistant.index.textnorm import fold_accents, has_vietnamese_diacritics, normalize_tone_marks

LEVELS = ("all", "national", "ministry", "province", "district", "commune")


@dataclass(frozen=True)
class Metric:
    key: str
    vi: str
    en: str
    unit: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    key: str  # a metric key, a level, or "target"/"achieved"
    start: int
    end: int


def _flexible(term: str) -> str:
    """A term's pattern that also matches it as tokenised news text writes it ("quận , huyện")."""
    return re.escape(term).replace(",\\ ", r"\s*,\s*").replace("\\ ", r"\s+")


def _pattern(terms: list[str]) -> re.Pattern[str]:
    alts = sorted({_flexible(t) for t in terms}, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alts)})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class _Vocabulary:
    """Each key's terms compiled twice: accented (tone marks normalised) and folded. Most
    calls at ingest find nothing (98.5%), so a key's pattern is scanned only where the text
    has every word of one of its terms (below); where that cannot be read (a case-folding
    oddity), every key's terms in one pattern of each form say whether any key can match (an
    alternation tries each alternative at each position)."""

    entries: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...]
    any_exact: re.Pattern[str]
    any_folded: re.Pattern[str]
    # Per form, each term's words (lower-cased), by its first word, with the entry it belongs
    # to (None: a term that does not start with a word). A match starts after a non-word
    # character, and the term's words are separated by non-word ones (spaces, commas,
    # hyphens) and end before one, so every word of a matched term is a whole word of the
    # text: only the entries with a term all of whose words the text has are scanned.
    needs_exact: dict[str, tuple[tuple[int, frozenset[str]], ...]] | None
    needs_folded: dict[str, tuple[tuple[int, frozenset[str]], ...]] | None

    def find(self, text: str) -> list[Match]:
        """Non-overlapping matches, longest first where two overlap, in text order."""
        accented, form, words = _forms(text)
        needs = self.needs_exact if accented else self.needs_folded
        if needs is not None and words is not None:
            wanted = sorted({i for w in words.intersection(needs) for i, need in needs[w] if need <= words})
            if not wanted:
                return []
            entries = [self.entries[i] for i in wanted]
        elif (self.any_exact if accented else self.any_folded).search(form) is None:
            return []
        else:
            entries = list(self.entries)
        found: list[Match] = []
        for key, exact, folded in entries:
            for hit in (exact if accented else folded).finditer(form):
                found.append(Match(key, hit.start(), hit.end()))
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        kept: list[Match] = []
        for m in found:
            if all(m.end <= k.start or m.start >= k.end for k in kept):
                kept.append(m)
        return sorted(kept, key=lambda m: m.start)


# Characters re.IGNORECASE matches otherwise than ``str.lower`` reads them ("ı" matches "i",
# "ſ" matches "s", "İ" lowers to two characters, final sigma): a text holding one is not
# prefiltered by its words.
try:  # the case pairs re adds to simple lower-casing (Python's own table, private to re)
    from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]

    _CASE_EXOTIC: frozenset[str] | None = frozenset(
        {chr(c) for k, v in _EXTRA_CASES.items() for c in (k, *v) if c > 127} | {"\u0130"}
    )
except ImportError:  # a Python without that table: no word prefilter (the one-pattern check stays)
    _CASE_EXOTIC = None
_RUN = re.compile(r"\w+")


def _words(form: str) -> set[str]:
    """The lower-cased maximal word runs of a text."""
    return {w.lower() for w in _RUN.findall(form)}


def _needs(terms: list[tuple[int, str]]) -> dict[str, tuple[tuple[int, frozenset[str]], ...]] | None:
    """(entry, term) pairs → each term's words by its first word (None: one cannot be read so)."""
    out: dict[str, list[tuple[int, frozenset[str]]]] = {}
    for i, t in terms:
        words = [w.lower() for w in _RUN.findall(t)]
        if _CASE_EXOTIC is None or _RUN.match(t) is None or not _CASE_EXOTIC.isdisjoint(t):
            return None
        out.setdefault(words[0], []).append((i, frozenset(words)))
    return {w: tuple(v) for w, v in out.items()}


@lru_cache(maxsize=4096)
def _forms(text: str) -> tuple[bool, str, set[str] | None]:
    """(whether the text has diacritics, its matching form, that form's words, None where
    they cannot prefilter: no case table, or a character it lists). Cached: a fact's clause is
    read by the metric, level and kind vocabularies in turn."""
    accented = has_vietnamese_diacritics(text)
    form = _matching_form(text, accented)
    exotic = _CASE_EXOTIC is None or not _CASE_EXOTIC.isdisjoint(form)
    return accented, form, None if exotic else _words(form)


def _matching_form(text: str, accented: bool) -> str:
    """Tone marks normalised (length-preserving) for accented text, folded for the rest."""
    if accented:
        return normalize_tone_marks(text)
    folded = fold_accents(text)
    return folded if len(folded) == len(text) else text.lower()


def _vocabulary(groups: dict[str, list[str]]) -> _Vocabulary:
    entries = []
    all_accented: list[tuple[int, str]] = []
    all_folded: list[tuple[int, str]] = []
    for i, (key, terms) in enumerate(groups.items()):
        accented = [normalize_tone_marks(t) for t in terms]
        folded = [fold_accents(t) for t in terms]
        entries.append((key, _pattern(accented), _pattern(folded)))
        all_accented += [(i, t) for t in accented]
        all_folded += [(i, t) for t in folded]
    return _Vocabulary(
        tuple(entries),
        _pattern([t for _, t in all_accented]),
        _pattern([t for _, t in all_folded]),
        _needs(all_accented),
        _needs(all_folded),
    )


@lru_cache
def metrics() -> dict[str, Metric]:
    raw = yaml.safe_load(resources.files("assistant.resources").joinpath("metrics.yaml").read_text("utf-8"))
    return {
        m["key"]: Metric(
            m["key"], m["vi"], m["en"], str(m.get("unit") or ""), tuple(str(t) for t in m["terms"])
        )
        for m in raw
    }


@lru_cache
def _metric_vocabulary() -> _Vocabulary:
    return _vocabulary({k: list(m.terms) for k, m in metrics().items()})


def metrics_in(text: str) -> list[Match]:
    return _metric_vocabulary().find(text)


# Levels as reports name them. A bare "xã" or "huyện" before a name is a unit, not a level
# ("huyện Cờ Đỏ"): the level words here are the generic ones ("cấp xã", "các huyện").
_LEVEL_TERMS: dict[str, list[str]] = {
    # A total over every level ("tại Bộ phận một cửa các cấp", "toàn tỉnh"): not one level's figure.
    "all": ["các cấp", "toàn tỉnh", "toàn thành phố", "tổng cộng", "all levels"],
    # Not "quốc gia": "Cổng Dịch vụ công quốc gia" is a portal, not a level.
    "national": ["cả nước", "toàn quốc", "nationwide", "nationally", "whole country"],
    "ministry": [
        "cấp bộ",
        "bộ, ngành",
        "bộ ngành",
        "bộ, cơ quan ngang bộ",
        "các bộ",
        "khối bộ",
        "ministries",
        "ministry level",
        "ministry-level",
        "ministries and sectors",
    ],
    "province": [
        "cấp tỉnh",
        "các tỉnh",
        "tỉnh, thành phố",
        "tỉnh, thành",
        "địa phương",
        "các địa phương",
        "khối địa phương",
        "provincial level",
        "provincial",
        "provinces",
        "localities",
        "province level",
        # A province's departments are its bodies: "khối các sở", "sở, ban, ngành".
        "khối sở",
        "khối các sở",
        "các sở",
        "sở, ngành",
        "sở, ban, ngành",
        "sở ban ngành",
        "provincial departments",
    ],
    "district": [
        "cấp huyện",
        "các huyện",
        "quận, huyện",
        "quận huyện",
        "huyện, thị xã",
        "khối quận, huyện",
        "district level",
        "district-level",
        "districts",
    ],
    "commune": [
        "cấp xã",
        "các xã",
        "xã, phường",
        "xã, phường, thị trấn",
        "phường, xã",
        "phường xã",
        "cấp cơ sở",
        "commune level",
        "commune-level",
        "communes",
        "wards",
    ],
}


@lru_cache
def _level_vocabulary() -> _Vocabulary:
    return _vocabulary(_LEVEL_TERMS)


def levels_in(text: str) -> list[Match]:
    return _level_vocabulary().find(text)


# A target, plan or requirement, not a result: "mục tiêu", "phấn đấu", "đảm bảo 100%",
# "đến năm 2025", "tối thiểu". An achieved value: "đạt", "đã", "đến nay". A clause that has
# a target word is a target even when it also says "đạt" ("phấn đấu đạt 80%").
_KIND_TERMS: dict[str, list[str]] = {
    "target": [
        "mục tiêu",
        "phấn đấu",
        "đảm bảo",
        "bảo đảm",
        "kế hoạch",
        "chỉ tiêu",
        "dự kiến",
        "yêu cầu",
        "tối thiểu",
        "ít nhất",
        "đề ra",
        "đặt ra",
        "hướng tới",
        "cần đạt",
        "phải đạt",
        "sẽ",
        "dự kiến sẽ",
        "tập trung triển khai",
        "nhiệm vụ",
        "hoàn thành",
        "target",
        "targets",
        "aim",
        "aims",
        "aimed",
        "goal",
        "plan",
        "plans",
        "planned",
        "expected",
        "require",
        "required",
        "requires",
        "at least",
        "minimum",
        "by the end of",
        "will",
    ],
    "achieved": [
        "đã đạt",
        "đạt được",
        "đến nay",
        "đã hoàn thành",
        "hoàn thành được",
        "hiện nay",
        "hiện đã",
        "thực tế",
        "kết quả",
        "đã có",
        "achieved",
        "reached",
        "actually",
        "so far",
        "currently",
    ],
}
_OUTPUT_NOUN = re.compile(r"\bkết quả giải quyết\b|\bket qua giai quyet\b", re.IGNORECASE)
# A target named as what an action serves or what was issued is no target stated: "Nhằm cụ thể
# hóa mục tiêu này, tỉnh đã công bố 932 DVC", "UBND tỉnh đã ban hành nhiều kế hoạch; …".
_TARGET_MENTIONED = re.compile(
    r"\b(?:nhằm|để)\s+(?:cụ thể hóa|cụ thể hoá|thực hiện|triển khai|hiện thực hóa|hiện thực hoá)\s+"
    r"(?:các\s+|những\s+)?(?:mục tiêu|kế hoạch|nhiệm vụ|chỉ tiêu)(?:\s+(?:này|trên|nêu trên|đó))?"
    r"|\bđã\s+ban hành\s+(?:\w+\s+){0,2}?(?:kế hoạch|chỉ tiêu)\b",
    re.IGNORECASE,
)
# "đến nay, hoàn thành tích hợp …", "đã hoàn thành", "hoàn thành được": done, not to be done
# ("hoàn thành" alone is a task: "hoàn thành trước 30/6").
_DONE = re.compile(
    r"\b(?:(?:đã|đến nay,?|hiện nay,?|hiện đã)\s+hoàn thành|hoàn thành được)\b|"
    r"\b(?:(?:da|den nay,?|hien nay,?|hien da)\s+hoan thanh|hoan thanh duoc)\b",
    re.IGNORECASE,
)
_TARGET_HORIZON = re.compile(
    r"(?:đến|tới|by)\s+(?:hết\s+|cuối\s+|the end of\s+)?(?:năm\s+)?20\d{2}", re.IGNORECASE
)


@lru_cache
def _kind_vocabulary() -> _Vocabulary:
    return _vocabulary(_KIND_TERMS)


def kind_of(clause: str) -> str | None:
    """'target', 'achieved', or None when the clause says neither."""
    # "kết quả giải quyết TTHC" names the document a procedure issues, not a result achieved.
    clause = _TARGET_MENTIONED.sub(" ", _OUTPUT_NOUN.sub(" ", clause))
    clause = _DONE.sub(" đã đạt ", clause)
    found = {m.key for m in _kind_vocabulary().find(clause)}
    if "target" in found or _TARGET_HORIZON.search(
        fold_accents(clause) if not has_vietnamese_diacritics(clause) else clause
    ):
        return "target"
    return "achieved" if "achieved" in found else None


@dataclass(frozen=True)
class Period:
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    latest: bool = False  # "hiện nay", "mới nhất": the newest the documents hold

    def label(self, language: str = "vi") -> str:
        if self.year is None:
            return ("mới nhất" if language == "vi" else "latest") if self.latest else ""
        if self.month:
            return f"{'tháng' if language == 'vi' else 'month'} {self.month}/{self.year}"
        if self.quarter:
            return f"{'quý' if language == 'vi' else 'Q'}{' ' if language == 'vi' else ''}{self.quarter}/{self.year}"
        return f"{'năm ' if language == 'vi' else ''}{self.year}"


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MONTH = re.compile(
    r"\b(?:thang|month)\s+(\d{1,2})\s*(?:/|nam|năm|,)?\s*((?:19|20)\d{2})\b|(?<![\d/])(\d{1,2})/((?:19|20)\d{2})\b"
)
_QUARTER = re.compile(r"\b(?:quy|quarter|q)\s*(i{1,3}|iv|[1-4])\b(?:\s*(?:/|nam|,)?\s*((?:19|20)\d{2}))?")
_LATEST = re.compile(r"\b(?:hien nay|moi nhat|gan day nhat|hien tai|latest|most recent|currently|now)\b")
_EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_EN_MONTH = re.compile(rf"\b({'|'.join(_EN_MONTHS)})\s+((?:19|20)\d{{2}})\b")


def periods_in(text: str) -> list[Period]:
    """The periods a text names, most specific first: months, quarters, then bare years.
    A year that belongs to a month or quarter is not repeated as a bare year."""
    folded = fold_accents(text)
    out: list[Period] = []
    used: set[int] = set()
    for m in _MONTH.finditer(folded):
        month, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if 1 <= int(month) <= 12:
            out.append(Period(int(year), None, int(month)))
            used.add(int(year))
    for m in _EN_MONTH.finditer(folded):
        out.append(Period(int(m.group(2)), None, _EN_MONTHS.index(m.group(1)) + 1))
        used.add(int(m.group(2)))
    for m in _QUARTER.finditer(folded):
        if m.group(2):
            q = m.group(1)
            out.append(Period(int(m.group(2)), _ROMAN.get(q) or int(q), None))
            used.add(int(m.group(2)))
    for m in YEAR.finditer(folded):
        if int(m.group(1)) not in used:
            out.append(Period(int(m.group(1))))
            used.add(int(m.group(1)))
    if not out and _LATEST.search(folded):
        out.append(Period(latest=True))
    return out
