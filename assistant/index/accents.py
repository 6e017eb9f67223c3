"""Restoring diacritics of questions typed without them, from the corpus' own vocabulary.

"ty le thu tuc truc tuyen ha giang" embeds poorly: e5 saw little unaccented Vietnamese.
Ingest counts which accented syllable pairs each folded pair stands for in the indexed
text ("ha giang" -> "hà giang"); the question is restored pair by pair, most frequent
form first. Off-the-shelf restorers need a downloaded model; the corpus is at hand.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import cast

from assistant.index.textnorm import fold_accents, index_form

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def vocabulary(text: str) -> Counter[tuple[str, str]]:
    """(folded, accented) counts of lower-case syllables and adjacent syllable pairs."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in index_form(text).lower().split("\n"):
        words = _WORD.findall(line)
        if not words:
            continue
        # One fold per line: folding works character by character and a letter never folds to
        # a space, so the folded words are the folded line's, and a pair's fold is its words'.
        folded = fold_accents(" ".join(words)).split(" ")
        counts.update(zip(folded, words))
        counts.update(zip([f"{a} {b}" for a, b in zip(folded, folded[1:])], [f"{a} {b}" for a, b in zip(words, words[1:])]))
    return counts


Lookup = Callable[[list[str]], dict[str, tuple[str, int]]]


def restore(question: str, lookup: Lookup) -> str:
    """``question`` with diacritics restored where the corpus knows the words; words it
    does not know (names, English) stay as typed."""
    words = _WORD.findall(question)
    if not words:
        return question
    lower = [w.lower() for w in words]
    keys = lower + [f"{a} {b}" for a, b in zip(lower, lower[1:])]
    best = lookup(keys)
    restored: list[str | None] = [None] * len(words)
    # The most frequent pairs claim their words first ("bao nhieu" before "co bao").
    pairs = [(best[f"{a} {b}"][1], i) for i, (a, b) in enumerate(zip(lower, lower[1:])) if f"{a} {b}" in best]
    for _, i in sorted(pairs, reverse=True):
        if restored[i] is None and restored[i + 1] is None:
            a, b = best[f"{lower[i]} {lower[i + 1]}"][0].split(" ")
            restored[i], restored[i + 1] = a, b
    for i, w in enumerate(lower):
        if restored[i] is None:
            restored[i] = best[w][0] if w in best else words[i]
    out, pos = [], 0
    # Every slot is filled by now (a restored form or the word as typed).
    for m, new in zip(_WORD.finditer(question), cast(list[str], restored)):
        out.append(question[pos : m.start()])
        original = m.group(0)
        out.append(new.capitalize() if original[:1].isupper() else new)
        pos = m.end()
    out.append(question[pos:])
    return "".join(out)
