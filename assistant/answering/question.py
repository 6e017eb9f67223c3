"""What a question asks for: its language, the kind of answer, and its informative terms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index.keywords import tokenize
from assistant.index.textnorm import fold_accents, has_vietnamese_diacritics

# Folded function words and question words; they carry no topic.
_STOP_VI = set(
    [
        "la",
        "cua",
        "va",
        "co",
        "duoc",
        "cac",
        "nhung",
        "mot",
        "trong",
        "theo",
        "voi",
        "cho",
        "den",
        "tai",
        "o",
        "thi",
        "nay",
        "do",
        "nao",
        "gi",
        "ai",
        "bao",
        "nhieu",
        "may",
        "khong",
        "da",
        "se",
        "dang",
        "nhu",
        "the",
        "sao",
        "con",
        "ve",
        "tu",
        "khi",
        "nen",
        "len",
        "ra",
        "vao",
        "bi",
        "hay",
        "hoac",
        "toi",
        "vay",
        "a",
        "u",
        "nhe",
        "di",
        "roi",
        "cung",
        "chi",
        "moi",
        "rat",
        "lai",
        "dau",
        "ma",
    ]
)
_STOP_EN = set(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "did",
        "does",
        "do",
        "and",
        "or",
        "as",
        "that",
        "this",
        "these",
        "those",
        "with",
        "from",
        "get",
        "got",
        "according",
        "it",
        "its",
        "there",
        "their",
        "they",
        "has",
        "have",
        "had",
        "than",
        "into",
        "about",
        "per",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "s",
    ]
)
STOPWORDS = _STOP_VI | _STOP_EN

_EN_HINTS = _STOP_EN - {"a", "an", "to", "do", "as", "can", "had", "has"}
_NUMBER_Q = re.compile(
    r"\b(bao nhieu|may|bao lau|ty le|phan tram|muc|how many|how much|what percentage|what share|"
    r"what proportion|what score|how fast|how long|what rate|what level|what amount|number of)\b"
)
# A query typed as a noun phrase, no question word: "số TTHC trực tuyến một phần ở …",
# "so luong ho so tre han …" asks how many. Folded, "so" opens a count only before what is
# counted ("so sanh", "so voi" open no count).
COUNT_OPENING = re.compile(
    r"\s*(?:tong so|so luong|so)\s+(?:tthc|thu tuc|ho so|dvc|dvctt|dich vu|van ban|can bo|cong chuc|"
    r"vien chuc|doanh nghiep|nguoi|don vi|xa|huyen|tinh|bo|co quan|phan anh|kien nghi)\b"
)
# English puts the quantity after the question word: "What score did the province get on the index?"
_NUMBER_EN = re.compile(
    r"\bwhat\b.*\b(score|percentage|share|proportion|rate|figure|amount|total|cost|costs|fee|fees|budget|"
    r"average|number|count|price|spending|capital|investment)\b"
    # "What is the monthly support …": an amount paid; "what support did … give" is not.
    r"|\bwhat (?:is|was|are|were) the (?:\w+ ){0,3}(?:support|allowance|subsidy|salary|wage)s?\b"
)
# Rankings are the reform press's favourite figure (PAR INDEX, SIPAS): a question about the
# lowest-ranked shares every other word with the sentence about the highest-ranked.
_LOW = re.compile(
    r"\b(thap nhat|xep cuoi|dung cuoi|cuoi bang|vi tri cuoi|kem nhat|xep chot|dung chot|bet bang|"
    r"nho nhat|it (?:\w+ ){0,5}nhat|lowest|bottom|worst|ranked last|last place)\b"
)
_HIGH = re.compile(
    r"\b(cao nhat|dan dau|dung dau|xep dau|xep thu nhat|vi tri thu nhat|vi tri so 1|lon nhat|"
    r"nhieu (?:\w+ ){0,6}nhat|highest|top|best|largest|ranked first|came first|first place|number one|topped)\b"
)
_RANK_Q = re.compile(
    r"\b(?:thu may|hang may|thu hang|(?:xep|dung) thu (?:may|bao nhieu)|hang bao nhieu|xep hang (?:thu )?(?:may|bao nhieu)|vi tri (?:thu )?(?:may|bao nhieu)|"
    r"what rank|which rank|what position|which place|ranked where|where did .* rank)\b"
)
_MULTIPLE_Q = re.compile(r"\b(?:gap (?:bao nhieu|may) lan|bao nhieu lan|may lan|how many times)\b")
PERCENT_Q = re.compile(r"\b(phan tram|ty le|percentage|share|proportion|percent|rate)\b|%")
_DATE_Q = re.compile(
    r"\b(khi nao|bao gio|ngay nao|thoi diem nao|thoi gian nao|thang nao|nam nao|tu ngay|hieu luc tu|"
    r"ky ngay|ban hanh ngay|when|what date|which date|since when)\b"
)
# "từ năm nào", "in what year": a date question answered by a year, not a day.
_YEAR_Q = re.compile(r"\b(?:nam nao|which year|what year)\b")
_DOCUMENT_Q = re.compile(
    r"\b(?:van ban|nghi quyet|nghi dinh|quyet dinh|ket luan|chi thi|thong tu|luat|cong van|ke hoach|de an)\s+nao\b|"
    r"\bwhich\s+(?:document|decree|decision|resolution|law|circular|directive|conclusion)\b"
)
# The slot is a province or a ministry ("tỉnh nào", "which ministry"): the answer is a
# sentence that names one, whatever figure it also holds (``slots.py``).
_PLACE_Q = re.compile(
    r"\b(?:tinh nao|tinh, thanh(?: pho)? nao|tinh thanh(?: pho)? nao|dia phuong nao|thanh pho nao|"
    r"which (?:province|provinces|city|locality))\b"
)
_MINISTRY_Q = re.compile(
    r"\b(?:bo nao|bo, nganh nao|bo nganh nao|co quan nao|which (?:ministry|ministries))\b"
)
# Matched on the question as typed: "AI" (trí tuệ nhân tạo) is not "ai" (who), and "Doctor
# Who" in a Vietnamese question is a name.
_PERSON_VI = re.compile(r"(?:^|\s)[Aa]i(?=\s|\?|$)")
_PERSON_EN = re.compile(r"(?:^|\s)(?:who|whom)(?=\s|\?|$)", re.IGNORECASE)
_LEAD_Q = re.compile(r"((?:[a-z]+\s){1,3})(?:bao nhieu|may|khi nao|ngay nao|bao gio|thoi diem nao)\b")
_ROUGH_Q = re.compile(r"\b(?:khoang|xap xi|uoc tinh|about|around|approximately|roughly)\b")
# "bao nhiêu hồ sơ/đơn thư": either noun counts.
_WORD_AFTER = re.compile(r"\s*([a-z]+)(?:\s+([a-z]+))?")
_UNIT_Q = re.compile(
    r"\b(?:bao nhieu|may|how many|how much)\s+((?:[a-z]+\s?){1,2}(?:\s?/\s?(?:[a-z]+\s?){1,2})?)"
)


_ONLINE_Q = re.compile(r"\b(?:truc tuyen|dich vu cong|dvc|dvctt|online)\b")


@dataclass(frozen=True)
class QuestionProfile:
    language: str  # "vi" | "en"
    kind: str  # "number" | "date" | "document" | "place" | "ministry" | "person" | "fact"
    wants_percent: bool
    terms: tuple[str, ...]  # informative keyword tokens (folded), bigrams included
    question_text: str = ""
    unit: tuple[str, ...] = ()  # what is counted: "hồ sơ" in "bao nhiêu hồ sơ" (folded)
    counted: tuple[str, ...] = ()  # ``unit`` with its alternatives: "thủ tục/dịch vụ công"
    lead: tuple[str, ...] = ()  # the verb before the slot: "tiếp nhận" in "tiếp nhận bao nhiêu"
    rough: bool = False  # asks for an approximate figure ("khoảng bao nhiêu", "about how many")
    direction: str | None = None  # a ranking's "high" or "low" end ("cao nhất", "bottom")
    wants_rank: bool = False  # "đứng thứ mấy", "what rank": a position, not a score
    asks_multiple: bool = False  # "gấp bao nhiêu lần", "how many times": a multiple
    ranked_count: tuple[str, ...] = ()  # what a ranking counts: "văn bản" in "nhiều văn bản nhất" (folded)
    also_number: bool = False  # a "which" question that asks its figure too ("…, với kết quả bao nhiêu?")
    wants_year: bool = False  # a date question asking only the year ("từ năm nào")


def detect_language(text: str) -> str:
    """'en' or 'vi'. English questions name Vietnamese places ("in Hà Giang"), and
    Vietnamese is often typed without diacritics, so both signals are counted per word."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        return "vi"
    accented = sum(has_vietnamese_diacritics(w) for w in words)
    en_hits = sum(w in _EN_HINTS for w in words)
    vi_hits = sum(fold_accents(w) in _STOP_VI for w in words if not has_vietnamese_diacritics(w))
    if en_hits >= 2 and accented <= len(words) * 0.3:
        return "en"
    if accented:
        return "vi"
    return "en" if en_hits >= max(1, vi_hits) else "vi"


# A date's day and month ("từ 15/12/2024"): the period is checked as such, and "15" or "12"
# alone matches any number.
_DAY_MONTH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?=/\d{2,4}\b)")
# A name of two capitalised words or more, and the lower-case word after it ("Quảng Nam tiếp
# nhận"): their syllable pair ("nam_tiep") is no word, and a rare pair weighs like a rare name.


def _noise_terms(question: str) -> set[str]:
    """Tokens of ``question`` that carry no information as terms (see the two patterns above)."""
    out: set[str] = set()
    for m in _DAY_MONTH.finditer(question):
        out.update(tokenize(f"{m.group(1)} {m.group(2)}"))
        out.discard("_".join(tokenize(m.group(1)) + tokenize(m.group(2))))
    words = question.split()
    for i in range(2, len(words)):
        a, b, c = words[i - 2], words[i - 1], words[i]
        if a[:1].isupper() and b[:1].isupper() and c[:1].islower() and b.isalpha():
            out.update(t for t in tokenize(f"{b} {c}") if "_" in t)
    return out


def informative(tokens: list[str]) -> list[str]:
    out = []
    for t in tokens:
        parts = t.split("_")
        if any(p in STOPWORDS for p in parts):
            continue
        out.append(t)
    return list(dict.fromkeys(out))


# Folded, these question words collide with ordinary words: "mấy" (how many) with "máy"
# (machine), "bao" with "báo" (newspaper). With diacritics typed, only the real one counts.
_AMBIGUOUS_FOLDS = {"may": "mấy", "nao": "nào", "gi": "gì", "ai": "ai"}


def fold_question(question: str) -> str:
    """The question folded for the question-word rules; accents count when it has them."""
    if not has_vietnamese_diacritics(question):
        return fold_accents(question)

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        f = fold_accents(w)
        real = _AMBIGUOUS_FOLDS.get(f)
        return f if real is None or w.lower() == real else "_" * len(f)

    return re.sub(r"[^\W\d_]+", word, question)


# A part of a legal text asked by its number ("điều mấy", "khoản nào", "which article").
_PART_Q = re.compile(
    r"\b(?:dieu|khoan|diem|chuong) (?:may|nao|bao nhieu|thu may|so may)\b|\bwhich (?:article|clause|chapter)\b"
)


def question_kind(question: str) -> str:
    """What the answer is: 'date', 'document', 'part', 'place', 'ministry', 'number', 'person' or 'fact'."""
    folded = fold_question(question)
    if _DATE_Q.search(folded):
        return "date"
    if _DOCUMENT_Q.search(folded):
        return "document"
    lowered = folded.lower()
    if _PART_Q.search(lowered):
        return "part"  # "quy định tại điều mấy": the article, not a number in it
    if _PLACE_Q.search(lowered):
        return "place"  # before "number": "tỉnh nào có tỷ lệ … cao nhất" asks for a province
    if _MINISTRY_Q.search(lowered):
        return "ministry"
    if _NUMBER_Q.search(folded) or _NUMBER_EN.search(lowered) or COUNT_OPENING.match(lowered):
        return "number"
    if _RANK_Q.search(lowered):
        return "number"  # "what rank did …": a position is a figure ("thứ 5/63")
    if _PERSON_VI.search(question) or (_PERSON_EN.search(question) and detect_language(question) == "en"):
        return "person"
    return "fact"


# The words that ask a quantity outright ("tỷ lệ" alone names the measure ranked by).
_HOW_MUCH = re.compile(r"\b(?:bao nhieu|how many|how much|what percentage|what score)\b")
# "nhiều hồ sơ nhất", "ít thủ tục nhất": the words between name what the ranking counts.
_RANKED_COUNT = re.compile(r"\b(?:nhieu|it) ((?:\w+ ){1,6}?)nhat\b")


def ranked_count(folded: str) -> tuple[str, ...]:
    m = _RANKED_COUNT.search(folded.lower())
    return tuple(w for w in m.group(1).split() if w not in STOPWORDS) if m else ()


def profile(question: str) -> QuestionProfile:
    folded = fold_question(question)
    kind = question_kind(question)
    unit: tuple[str, ...] = ()
    counted: tuple[str, ...] = ()
    m = _UNIT_Q.search(folded)
    # "đứng thứ mấy ASEAN": a position is asked; the word after "mấy" is where, not what is counted.
    if m and not _RANK_Q.search(folded.lower()):
        counted = tuple(w for w in m.group(1).replace("/", " ").split() if w not in STOPWORDS)
        unit = tuple(w for w in m.group(1).split("/")[0].split() if w not in STOPWORDS)
    if {"tthc", "thu"} & set(counted) and _ONLINE_Q.search(folded.lower()):
        # Procedures offered online are counted as services too ("932 DVCTT toàn trình" answers
        # "bao nhiêu TTHC … trực tuyến toàn trình").
        counted += ("dvctt", "dvc")
    lead: tuple[str, ...] = ()
    m = _LEAD_Q.search(folded)
    if m:
        lead = tuple(w for w in m.group(1).split() if w not in STOPWORDS)
    unit_m = _UNIT_Q.search(folded)
    if not lead and unit and unit_m:
        # "bao nhiêu hồ sơ tiếp nhận …": the verb follows the counted noun when nothing precedes
        # the question word; it is still the verb a figure's own clause says before it.
        after = _WORD_AFTER.match(folded, unit_m.end())
        if after:
            lead = tuple(w for w in after.groups() if w and w not in STOPWORDS)
    return QuestionProfile(
        language=detect_language(question),
        kind=kind,
        wants_percent=kind == "number" and bool(PERCENT_Q.search(folded)),
        terms=tuple(t for t in informative(tokenize(question)) if t not in _noise_terms(question)),
        question_text=question,
        unit=unit,
        counted=counted,
        lead=lead,
        rough=bool(_ROUGH_Q.search(folded.lower())),
        direction=ranking_direction(question),
        wants_rank=bool(_RANK_Q.search(folded.lower())),
        asks_multiple=bool(_MULTIPLE_Q.search(folded.lower())),
        ranked_count=ranked_count(folded),
        also_number=kind in ("place", "ministry") and bool(_HOW_MUCH.search(folded.lower())),
        wants_year=kind == "date" and bool(_YEAR_Q.search(folded.lower())),
    )


def names_rank_end(text: str) -> bool:
    """Whether the text says which end of a ranking something is at (either end)."""
    folded = fold_accents(text).lower()
    return bool(_LOW.search(folded) or _HIGH.search(folded))


def names_end(text: str, direction: str) -> bool:
    """Whether ``text`` names the ``direction`` end of a ranking, alone or with the other
    ("cao nhất là 95%, thấp nhất là 67%" names both)."""
    folded = fold_accents(text).lower()
    return bool((_HIGH if direction == "high" else _LOW).search(folded))


def ranking_direction(text: str) -> str | None:
    """'high', 'low', or None when the text names neither end of a ranking (or both)."""
    folded = fold_accents(text).lower()
    low, high = bool(_LOW.search(folded)), bool(_HIGH.search(folded))
    return "low" if low and not high else "high" if high and not low else None
