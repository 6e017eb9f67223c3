"""Checks that an answer is grounded before anyone sees it.

* every ``[n]`` in the answer names a citation, and every citation is referred to;
* every citation's quote is the verbatim span ``text[start:end]`` of its stored document;
* every figure in the answer's own words (outside quotes) appears in a cited quote.

A failed check is never papered over: the caller drops the answer (see ``service.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant.answering.compose import unshown
from assistant.index.numbers import find_numbers
from assistant.index.store import IndexStore
from assistant.schemas import Citation

REF = re.compile(r"\[(\d+)\]")  # a citation marker in an answer
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|«[^»]*»")


@dataclass
class GroundingReport:
    ok: bool
    problems: list[str]


def _vn_date(iso: str | None) -> str:
    if not iso or len(iso) < 10:
        return ""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def check(
    answer: str, citations: list[Citation], store: IndexStore, figures: bool = True, asked: Sequence[str] = ()
) -> GroundingReport:
    """``asked``: the answer's labels that the question wrote (a trend's years, a comparison's
    units): the asker's words, not figures the answer claims a document states."""
    problems: list[str] = []
    # The answer's own words: quoted document text (which may hold "[54]" footnotes or
    # any figure) and citation metadata (titles, publishers, ids) are not claims of ours.
    # Quotes inside an answer carry their own asterisks escaped (``compose.shown``).
    own_words = unshown(answer)
    for c in citations:
        for own in (c.quote, c.title, c.source, c.url, c.doc_id):
            if own:
                own_words = own_words.replace(own, " ")
    numbers = {c.n for c in citations}
    refs = {int(n) for n in REF.findall(own_words)}
    for n in sorted(refs - numbers):
        problems.append(f"[{n}] refers to no citation")
    for n in sorted(numbers - refs):
        problems.append(f"citation {n} is never referred to")
    for c in citations:
        doc = store.document(c.doc_id)
        if doc is None:
            problems.append(f"citation {c.n}: document {c.doc_id!r} is not in the index")
        elif doc.text[c.start : c.end] != c.quote:
            problems.append(f"citation {c.n}: quote is not the span {c.start}:{c.end} of {c.doc_id!r}")
    if not figures:
        return GroundingReport(not problems, problems)
    quoted_values: set[Decimal] = set()
    for c in citations:
        # A figure may come from the quote; the date and title are the citation's own.
        for m in find_numbers(f"{c.quote} {c.title} {c.published or ''} {_vn_date(c.published)}"):
            quoted_values.update(m.values)
    for label in asked:
        for m in find_numbers(label):
            quoted_values.update(m.values)
    for m in find_numbers(_QUOTED.sub(" ", REF.sub(" ", own_words))):
        if m.values and not quoted_values.intersection(m.values):
            problems.append(f"figure {m.text!r} appears in no cited quote")
    return GroundingReport(not problems, problems)
