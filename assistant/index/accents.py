"""Restoring diacritics of questions typed without them, from the corpus' own vocabulary.

"ty le thu tuc truc tuyen ha giang" embeds poorly: e5 saw little unaccented Vietnamese.
Ingest counts which accented syllable pairs each folded pair stands for in the indexed
text ("ha giang" -> "hà giang"); the question is restored pair by pair, most frequent
form first. Off-the-shelf restorers need a downloaded model; the corpus is at hand.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import cast

from assistant.index.textnorm import fold_accents, index_form

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def vocabulary(text: str) -> Counter[str]:
    """Counts of the lower-case accented syllables and adjacent syllable pairs ("hà giang")
    of ``text``; each key's folded form is ``fold_accents`` of it (:func:`vocabulary_rows`).

    Keyed by the accented form alone: ingest counts every document in an analyser process
    and ships the counts to the writer, and the folded half of a (folded, accented) key was
    as big again to build, pickle and merge, for a value the accented one determines."""
    return vocabulary_of_index_form(index_form(text))


def vocabulary_of_index_form(form: str) -> Counter[str]:
    """:func:`vocabulary` of a text already in its index form (ingest has the document's)."""
    counts: Counter[str] = Counter()
    for line in form.lower().split("\n"):
        words = _WORD.findall(line)
        if not words:
            continue
        counts.update(words)
        counts.update([f"{a} {b}" for a, b in zip(words, words[1:])])
    return counts


def vocabulary_rows(counts: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """(folded, accented, count) rows, as the accent vocabulary stores them. One fold of all
    the keys joined: folding works character by character and no letter folds to a newline,
    so the folded keys are the folded text's lines (a pair's fold is its words' folds)."""
    keys = list(counts)
    folded = fold_accents("\n".join(keys)).split("\n")
    if len(folded) != len(keys):  # a key holding a newline: fold one by one
        folded = [fold_accents(k) for k in keys]
    return list(zip(folded, keys, counts.values()))


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
