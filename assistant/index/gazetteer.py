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

from assistant.index.textnorm import fold_accents, index_form


@dataclass(frozen=True)
class Province:
    key: str  # stable ascii key of the post-2025 unit, e.g. "tuyen_quang"
    name: str  # post-2025 name
    old_names: tuple[str, ...]  # pre-2025 units now inside it (its own old name included)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold_accents(name)).strip("_")


@lru_cache
def _load() -> tuple[list[Province], list[tuple[re.Pattern[str], re.Pattern[str], str]]]:
    data = json.loads(
        resources.files("assistant.resources").joinpath("provinces.json").read_text("utf-8")
    )
    provinces: list[Province] = []
    patterns: list[tuple[re.Pattern[str], re.Pattern[str], str]] = []
    for p in data["provinces"]:
        key = slug(p["name"].replace("TP. ", ""))
        olds = [p["name"]] + [m["name"] for m in p["merged"]]
        provinces.append(Province(key, p["name"], tuple(olds)))
        names = [p["name"], *p["aliases"]]
        for m in p["merged"]:
            names += [m["name"], *m["aliases"]]
        for name in names:
            exact = re.compile(rf"(?<!\w){re.escape(index_form(name))}(?!\w)")
            folded = re.compile(rf"(?<!\w){re.escape(fold_accents(name))}(?!\w)")
            patterns.append((exact, folded, key))
    return provinces, patterns


def all_provinces() -> list[Province]:
    return _load()[0]


def provinces_in(text: str) -> list[str]:
    """Keys of the (post-2025) provinces a document text names, case- and accent-exact.

    Exact matching matters: "hòa bình" (peace) is not "Hòa Bình" (the province).
    """
    text = index_form(text)
    return sorted({key for exact, _, key in _load()[1] if exact.search(text)})


def provinces_in_question(question: str) -> list[str]:
    """Provinces a question names; questions are often lower-case or unaccented."""
    folded = fold_accents(index_form(question))
    return sorted({key for _, pat, key in _load()[1] if pat.search(folded)})


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
