"""Whether a sentence names what a "which province / which ministry" question asks for.

Number and date questions need a figure or a date in the answering sentence (see
``figures.py``); these kinds need a name of the right sort. The press's own forms are
matched, not a general NER model: none on the package registries knows "Bộ : Y tế" or
"TX Kỳ Anh", and the gazetteer already knows every province.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.index.gazetteer import units_in, units_in_question
from assistant.index.textnorm import fold_accents
from assistant.index.units import MINISTRY as _MINISTRY  # the press's forms live in the index layer
from assistant.index.units import NAMED_UNIT as _NAMED_UNIT


def _ministries(text: str) -> set[str]:
    return {
        fold_accents(m.group(1) and f"bo {m.group(1)}" or m.group(2)).lower()
        for m in _MINISTRY.finditer(text)
    }


def names_the_slot(kind: str, text: str, question: str) -> bool:
    """``kind``: 'place' or 'ministry' (see ``question.question_kind``).

    Persons ("ai …") are not checked: translated text writes foreign names with
    Vietnamese-looking syllables ("Bồ Đào Nha", "Thái Bình Dương"), and a surname list
    that knows them cost xquad_vi 2 points of answer accuracy (measured)."""
    asked, units, ministries = _asked(question)
    if kind == "place":
        if units_in(text) - units:
            return True
        return any(fold_accents(m.group(1)).lower() not in asked for m in _NAMED_UNIT.finditer(text))
    return bool(_ministries(text) - ministries)


@lru_cache(maxsize=256)
def _asked(question: str) -> tuple[str, frozenset[str], frozenset[str]]:
    # The answerer checks up to 20 sentences against the same question.
    return (
        fold_accents(question).lower(),
        frozenset(units_in_question(question)),
        frozenset(_ministries(question)),
    )
