"""How one answer is scored against one eval record (DESIGN.md, "cchc eval").

Two views of the same answer:

* ``correct`` — the answer text holds a gold string (``answers``: any; ``answers_all``: every
  one). Quotes count, so an answer whose bold figure is wrong but whose quote holds the right
  one still scores: this is the old ``answer_accuracy``.
* ``lead`` — what a reader copies into a report: the answer's first bold span (its headline
  figure), or, when there is none, the quote of its first citation. ``lead_correct`` asks
  whether the gold is *there*; ``wrong_lead`` whether a figure was put in bold that is not the
  gold's (another unit's, level's, period's, a ``forbid`` figure, or any figure for a question
  the corpus cannot answer).

Figures are compared by value ("35,48%" and "35,48 %" are one figure; "1.894" is 1894), so a
gold "10/21 bộ, ngành" is led by a bold "10/21"; a gold without a number ("Lai Châu") is
compared as text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.index.numbers import values_in

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@dataclass
class Scored:
    answerable_gold: bool
    declined: bool
    correct: bool | None  # None for a question the corpus cannot answer
    lead: str  # the headline: bold span, else first cited quote, else ""
    bold: str | None
    lead_correct: bool | None
    wrong_lead: bool
    missing: list[str] = field(default_factory=list)  # gold strings absent from the answer

    def reason(self) -> str | None:
        """Why this is a miss, in a few words (``cchc eval --misses``); None when it is not."""
        if not self.answerable_gold:
            if not self.declined:
                return f"answered an unanswerable question (lead: {self.lead[:80]!r})"
            return None
        if self.declined:
            return "declined"
        if self.wrong_lead:
            return f"wrong bold figure {self.bold!r}"
        if not self.correct:
            return f"missing {self.missing}"
        if not self.lead_correct:
            return f"gold not in the headline {self.lead[:80]!r}"
        return None


def _values(text: str) -> set[Decimal]:
    return set(values_in(text))


def _same_figure(lead: str, gold: str) -> bool:
    """The lead states the gold: same value for a numeric gold, the text itself otherwise."""
    lead_f, gold_f = fold(lead), fold(gold)
    if gold_f in lead_f:
        return True
    gold_values = _values(gold_f)
    return bool(gold_values) and bool(gold_values & _values(lead_f))


def score(record: dict[str, Any], answer: str, answerable: bool, first_quote: str | None) -> Scored:
    answers = [fold(a) for a in record.get("answers") or []]
    answers_all = [fold(a) for a in record.get("answers_all") or []]
    forbid = [fold(f) for f in record.get("forbid") or []]
    text = fold(answer)
    m = _BOLD.search(answer)
    bold = fold(m.group(1)) if m and answerable else None
    lead = bold if bold is not None else fold(first_quote or "") if answerable else ""
    gold = answers or answers_all
    if not gold:
        return Scored(False, not answerable, None, lead, bold, None, bool(answerable and bold))
    if answers_all:
        missing = [a for a in answers_all if a not in text]
        correct = answerable and not missing
        # A composed answer (comparison, trend, list) has no single headline: it leads with
        # every gold item, or with none of the wrong ones.
        lead_correct = correct
        wrong = bold is not None and (
            any(_same_figure(bold, f) for f in forbid)
            or (bool(_values(bold)) and not any(_same_figure(bold, a) for a in answers_all))
        )
    else:
        missing = [] if any(a in text for a in answers) else answers
        correct = answerable and not missing
        lead_correct = answerable and any(_same_figure(lead, a) for a in answers)
        wrong = bold is not None and (
            not any(_same_figure(bold, a) for a in answers) or any(_same_figure(bold, f) for f in forbid)
        )
        if wrong:
            lead_correct = False
    return Scored(True, not answerable, correct, lead, bold, lead_correct, wrong, missing)
