"""Provinces: the 63 pre-2025 units, the 34 units from 1 July 2025, and the merger map.

Chunks are tagged with the *post-2025* unit of every province they name, so a filter on
either the old name ("Hà Giang") or the new one ("Tuyên Quang") finds articles written
before and after the merger.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.index.textnorm import fold_accents, has_vietnamese_diacritics, index_form, strip_tone_marks


@dataclass(frozen=True)
class Province:
    key: str  # stable ascii key of the post-2025 unit, e.g. "tuyen_quang"
    name: str  # post-2025 name
    old_names: tuple[str, ...]  # pre-2025 units now inside it (its own old name included)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold_accents(name)).strip("_")


@dataclass(frozen=True)
class NamePattern:
    exact: re.Pattern[str]  # case- and accent-exact, for documents
    folded: re.Pattern[str]  # lower-case, unaccented, for questions
    key: str  # post-2025 unit
    unit: str  # the unit this name denotes (a pre-2025 province or the new unit itself)
    exact_text: str = ""  # the literal each pattern needs: a cheap substring test first
    folded_text: str = ""

    def in_document(self, text: str) -> bool:
        return self.exact_text in text and self.exact.search(text) is not None

    def in_question(self, folded: str) -> bool:
        return self.folded_text in folded and self.folded.search(folded) is not None


@lru_cache
def _load() -> tuple[list[Province], list[NamePattern]]:
    data = json.loads(resources.files("assistant.resources").joinpath("provinces.json").read_text("utf-8"))
    provinces: list[Province] = []
    patterns: list[NamePattern] = []
    for p in data["provinces"]:
        key = slug(p["name"].replace("TP. ", ""))
        olds = [p["name"]] + [m["name"] for m in p["merged"]]
        provinces.append(Province(key, p["name"], tuple(olds)))
        names = [(n, key) for n in [p["name"], *p["aliases"]]]
        for m in p["merged"]:
            names += [(n, slug(m["name"])) for n in [m["name"], *m["aliases"]]]
        for name, unit in names:
            exact_text, folded_text = index_form(name), fold_accents(name)
            exact = re.compile(rf"(?<!\w){re.escape(exact_text)}(?!\w)")
            folded = re.compile(rf"(?<!\w){re.escape(folded_text)}(?!\w)")
            patterns.append(NamePattern(exact, folded, key, unit, exact_text, folded_text))
    return provinces, patterns


def name_patterns() -> list[NamePattern]:
    return _load()[1]


def all_provinces() -> list[Province]:
    return _load()[0]


def provinces_in(text: str) -> list[str]:
    """Keys of the (post-2025) provinces a document text names, case- and accent-exact.

    Exact matching matters: "hòa bình" (peace) is not "Hòa Bình" (the province).
    """
    return provinces_in_index_form(index_form(text))


def provinces_in_index_form(text: str) -> list[str]:
    """:func:`provinces_in` of a text already in its index form (``index_form`` is
    idempotent): ingest's chunk texts are, and normalising each again cost half the search."""
    return sorted({p.key for p in _load()[1] if p.in_document(text)})


def _in_question(question: str) -> list[NamePattern]:
    """The names a question holds, matched unaccented, a name inside a longer one's span left
    out: "lang son la bao nhieu" ("Lạng Sơn là …") holds "son la" (Sơn La) across its words."""
    typed = index_form(question)
    folded = fold_accents(typed)
    found = [
        (m.start(), m.end(), p)
        for p in _load()[1]
        if p.folded_text in folded
        for m in p.folded.finditer(folded)
        if _as_typed(typed, folded, m.start(), m.end(), p)
    ]
    return [p for a, b, p in found if not any(d - c > b - a and c < b and a < d for c, d, _ in found)]


def _as_typed(typed: str, folded: str, a: int, b: int, p: NamePattern) -> bool:
    """Whether the words a name matched unaccented are the name as typed: written with
    diacritics, their letters must be the name's own ("diễn biến" is no "Điện Biên"), tone
    marks aside ("Đăk Nông" is "Đắk Nông"); written without any (an unaccented question, or
    a name typed plain), they may be it."""
    if len(typed) != len(folded):  # offsets do not carry over: trust the unaccented match
        return True
    span = typed[a:b]
    return not has_vietnamese_diacritics(span) or strip_tone_marks(span) == strip_tone_marks(p.exact_text)


def provinces_in_question(question: str) -> list[str]:
    """Provinces a question names; questions are often lower-case or unaccented."""
    return sorted({p.key for p in _in_question(question)})


@lru_cache(maxsize=4096)
def units_in(text: str) -> frozenset[str]:
    """The exact units a document names: "Bắc Kạn" is not "Thái Nguyên" when quoting.
    Cached: the place ranking and the answerer read the same candidate chunks."""
    text = index_form(text)
    return frozenset(p.unit for p in _load()[1] if p.in_document(text))


def units_in_question(question: str) -> set[str]:
    return {p.unit for p in _in_question(question)}


def merged_into(unit: str) -> str | None:
    """The name of the post-2025 province a pre-2025 unit is now part of ("ha_giang" →
    "Tuyên Quang"), or None when the unit kept its own name or is unknown."""
    for pat in _load()[1]:
        if pat.unit == unit:
            if pat.key == unit:
                return None
            return next(p.name for p in _load()[0] if p.key == pat.key)
    return None


def predecessors(key: str) -> list[tuple[str, str]]:
    """The pre-2025 provinces merged into the post-2025 one ``key`` names, as (unit key, name),
    itself left out ("tuyen_quang" → [("ha_giang", "Hà Giang")]); [] for an old or unknown unit."""
    for p in _load()[0]:
        if p.key == key:
            named = [(slug(o.replace("TP. ", "")), o) for o in p.old_names]
            return [(unit, name) for unit, name in named if unit != key]
    return []


def resolve(name: str) -> Province:
    """The post-2025 unit for an old or new name or key; ValueError lists the valid ones."""
    wanted = slug(name.replace("TP. ", "").replace("TP.", ""))
    for p in all_provinces():
        if wanted == p.key or wanted in {slug(o.replace("TP. ", "")) for o in p.old_names}:
            return p
    keys = provinces_in_question(name)
    if len(keys) == 1:
        return next(p for p in all_provinces() if p.key == keys[0])
    valid = ", ".join(sorted({o for p in all_provinces() for o in p.old_names}))
    raise ValueError(f"unknown province {name!r}; known names: {valid}")
