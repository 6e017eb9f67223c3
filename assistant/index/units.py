"""Units of government a text names, with their level and where they are named.

Provinces come from the gazetteer (old and new names); districts, towns, wards, communes and
ministries are read in the press's own forms ("Huyện Cờ Đỏ", "TX Kỳ Anh", "Bộ : Y tế",
"NHNN"): no NER model on the package registries knows them. Shared by ingest (facts) and
the answerer (which-unit checks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.index.gazetteer import all_provinces, name_patterns, slug
from assistant.index.textnorm import fold_accents, normalize_tone_marks

# A district, town, ward or commune by name ("Huyện Cờ Đỏ", "quận Ô Môn", "TX Kỳ Anh"): the
# gazetteer holds provinces only.
NAMED_UNIT = re.compile(
    r"\b(?:[Tt]ỉnh|[Tt]hành phố|TP\.?|TX|[Tt]hị xã|[Hh]uyện|[Qq]uận|[Xx]ã|[Pp]hường|[Tt]hị trấn)\s+"
    r"([A-ZĐ]\w*(?:\s+[A-ZĐ]\w*){0,2})"
)
# A ministry or ministry-level body as the press names it ("Bộ Tài chính", "các Bộ : Y tế",
# "NHNN"). Where a ministry's name ends is not marked, so its first word identifies it.
MINISTRY = re.compile(
    # The press writes "Ngân hàng nhà nước", "Văn phòng chính phủ" too.
    r"\bBộ\s*:?\s*([A-ZĐ]\w*)|\b(Ngân hàng (?i:nhà nước)|NHNN|Văn phòng (?i:chính phủ)|Thanh tra (?i:chính phủ)|[UỦ]y ban (?i:dân tộc))\b"
)
# Ministries' full names, for display and keys: after "Bộ" the words are lower-case
# ("Bộ Văn hóa, Thể thao và Du lịch"), so where the name ends is read from this list.
_MINISTRIES = (
    "Quốc phòng",
    "Công an",
    "Ngoại giao",
    "Nội vụ",
    "Tư pháp",
    "Tài chính",
    "Công Thương",
    "Xây dựng",
    "Y tế",
    "Nông nghiệp và Môi trường",
    "Văn hóa, Thể thao và Du lịch",
    "Khoa học và Công nghệ",
    "Dân tộc và Tôn giáo",
    "Giáo dục và Đào tạo",
    "Kế hoạch và Đầu tư",
    "Lao động - Thương binh và Xã hội",
    "Giao thông vận tải",
    "Tài nguyên và Môi trường",
    "Nông nghiệp và Phát triển nông thôn",
    "Thông tin và Truyền thông",
)
# The ministries' names as an unaccented question types them, first two words: "cong an", "y te".
MINISTRY_HEADS_FOLDED = tuple(
    dict.fromkeys(" ".join(fold_accents(m).lower().split()[:2]) for m in _MINISTRIES)
)
_MINISTRY_NAME = re.compile(
    r"Bộ\s*:?\s*("
    + "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in sorted(_MINISTRIES, key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)
_NATIONAL = re.compile(r"(?<!\w)(?:cả nước|toàn quốc|Cả nước|Toàn quốc)(?!\w)")

_PREFIX_LEVEL = {
    "tỉnh": "province",
    "thành phố": "district",
    "tp": "district",
    "tp.": "district",
    "tx": "district",
    "thị xã": "district",
    "huyện": "district",
    "quận": "district",
    "xã": "commune",
    "phường": "commune",
    "thị trấn": "commune",
}


@dataclass(frozen=True)
class UnitMention:
    name: str  # as a reader would write it: "Hà Giang", "huyện Cờ Đỏ", "Bộ Tài chính", "Cả nước"
    key: str  # ascii key: the gazetteer unit for provinces, else the slug of the name
    level: str  # national / ministry / province / district / commune
    start: int
    end: int
    province: str | None = None  # the post-2025 province, for gazetteer units


def ministry_spans(text: str) -> list[tuple[int, int]]:
    """Where a text names a ministry by its full name ("Bộ Nội vụ", "Bộ Văn hóa, Thể thao và Du lịch")."""
    return [m.span() for m in _MINISTRY_NAME.finditer(text)]


def ministry_keys(text: str) -> set[str]:
    """The ministries a text names, by their identifying first word ("bo tai")."""
    return {
        fold_accents(m.group(1) and f"bo {m.group(1)}" or m.group(2)).lower() for m in MINISTRY.finditer(text)
    }


@lru_cache
def _unit_names() -> dict[str, str]:
    return {slug(o.replace("TP. ", "")): o for p in all_provinces() for o in p.old_names}


def province_name(unit: str) -> str:
    """The display name of a gazetteer unit key ("ha_giang" -> "Hà Giang")."""
    return _unit_names().get(unit, unit)


_TYPE_WORD = re.compile(r"^(?:tinh|thanh pho|tp\.?|tx|thi xa|huyen|quan|xa|phuong|thi tran)\s+")
_COLON = re.compile(r"\s*:\s*")


def unit_key(name: str) -> str:
    """The key a name is matched by, accent- and case-insensitive; a gazetteer name gives
    its unit ("TP. Hà Nội" -> "ha_noi"), another name its slug without the type word."""
    bare = _TYPE_WORD.sub("", fold_accents(name.strip()))
    return slug(bare)


_RUN = re.compile(r"\w+")
# What each pattern needs, tested first (cheap; most statements name no unit): NAMED_UNIT's
# type words are whole words (a word boundary before, a space or dot after); MINISTRY's and
# _NATIONAL's literals are substrings of any match.
_NAMED_FIRST = frozenset(
    w for t in ("tỉnh", "thành", "thị", "huyện", "quận", "xã", "phường") for w in (t, t.capitalize())
) | {"TP", "TX"}
_MINISTRY_LITERALS = ("Bộ", "Ngân hàng", "NHNN", "Văn phòng", "Thanh tra", "Uy ban", "Ủy ban")


@lru_cache
def _names_by_first_word() -> dict[str, tuple[tuple[int, frozenset[str]], ...]]:
    """Each gazetteer name's words, by its first word, with its place in ``name_patterns()``.
    A name is matched case-exact between non-word characters and its words are separated by
    non-word ones ("TP. Hà Nội", "Thừa Thiên - Huế"), so each of its words is a whole word of
    a text that names it: a text lacking one cannot (units_at runs on every statement)."""
    out: dict[str, list[tuple[int, frozenset[str]]]] = {}
    for i, p in enumerate(name_patterns()):
        words = _RUN.findall(p.exact_text)
        assert _RUN.match(p.exact_text), p.exact_text  # a name starts with a word
        out.setdefault(words[0], []).append((i, frozenset(words)))
    return {w: tuple(v) for w, v in out.items()}


def units_at(text: str, tone_marked: str | None = None) -> list[UnitMention]:
    """Every unit a document text names, in text order; offsets are those of ``text``.
    Where a named form and a gazetteer name overlap ("tỉnh Hà Giang"), the gazetteer wins.
    ``tone_marked``: ``normalize_tone_marks(text)``, where the caller has it (ingest's facts
    read it off the whole document)."""
    form = normalize_tone_marks(text) if tone_marked is None else tone_marked
    if len(form) != len(text):
        form = text
    found: list[UnitMention] = []
    words = set(_RUN.findall(form))
    by_first = _names_by_first_word()
    # Only the names all of whose words the text has, in the gazetteer's order.
    wanted = sorted({i for w in words.intersection(by_first) for i, need in by_first[w] if need <= words})
    patterns = name_patterns()
    for i in wanted:
        p = patterns[i]
        for m in p.exact.finditer(form):
            found.append(UnitMention(province_name(p.unit), p.unit, "province", m.start(), m.end(), p.key))
    taken = [(u.start, u.end) for u in found]

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    text_words = words if form == text else set(_RUN.findall(text))
    named = NAMED_UNIT.finditer(text) if not text_words.isdisjoint(_NAMED_FIRST) else ()
    for m in named:
        if not free(m.start(1), m.end(1)):
            continue
        prefix = text[m.start() : m.start(1)].strip()
        level = _PREFIX_LEVEL.get(prefix.lower(), "district")
        found.append(
            UnitMention(
                f"{prefix if prefix.isupper() else prefix.lower()} {m.group(1)}",
                unit_key(m.group(1)),
                level,
                m.start(),
                m.end(),
            )
        )
        taken.append(m.span())
    for m in MINISTRY.finditer(text) if any(w in text for w in _MINISTRY_LITERALS) else ():
        if not free(*m.span()):
            continue
        full = _MINISTRY_NAME.match(text, m.start()) if m.group(1) else None
        name = f"Bộ {' '.join(full.group(1).split())}" if full else _COLON.sub(" ", m.group(0))
        found.append(
            UnitMention(name, unit_key(name), "ministry", m.start(), full.end() if full else m.end())
        )
        taken.append(m.span())
    for m in _NATIONAL.finditer(text) if "nước" in text or "quốc" in text else ():
        found.append(UnitMention("Cả nước", "ca_nuoc", "national", m.start(), m.end()))
    return sorted(found, key=lambda u: u.start)
