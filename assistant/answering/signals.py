"""The signals that weigh one candidate sentence against another in the extractive answerer,
each a named function that returns a ``Signal`` — its value and the reason it was applied — or
None where it does not apply.

A factor multiplies the sentence's coverage (a passage about another unit, year, level or
measure than the one asked is kept, but weaker); a bonus is added to its score (the shape a
composed question needs). The reasons travel with the candidate (``Evidence.why``) to
``cchc eval --misses``, so that a miss says which signal decided it ("other year ×0.6"). The
values are ``weights.WEIGHTS``, where each says what it does and what it was measured on.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from assistant.answering.weights import WEIGHTS as W


@dataclass(frozen=True)
class Signal:
    value: float
    reason: str


@dataclass
class Factors:
    """The product of the factors applied to one candidate, with their reasons in order."""

    value: float = 1.0
    reasons: list[str] = field(default_factory=list)

    def apply(self, signal: Signal | None) -> None:
        if signal is not None:
            self.value *= signal.value
            self.reasons.append(f"{signal.reason} ×{signal.value:.3g}")

    def copy(self) -> Factors:
        return Factors(self.value, list(self.reasons))


def other_place(asked: Set[str], named: Set[str]) -> Signal | None:
    """A passage naming provinces, none of them the one asked ("Bắc Kạn" asked, a Thái Nguyên
    report)."""
    if asked and named and not asked & named:
        return Signal(W.other_place, f"names {', '.join(sorted(named)[:3])}, not the province asked")
    return None


def other_document(cites: bool, holds_citation: bool) -> Signal | None:
    """The question cites a document ("Theo Công văn 415/…") this one is not."""
    return (
        Signal(W.other_document, "another document than the one cited")
        if cites and not holds_citation
        else None
    )


def local_for_national(applies: bool) -> Signal | None:
    """A named locality's figure for a question about the whole country."""
    return Signal(W.local_for_national, "a locality's figure, the country asked") if applies else None


def other_end(asked: str | None, said: str | None) -> Signal | None:
    """The top of a ranking, asked about its bottom (or the reverse)."""
    if said not in (None, asked):
        return Signal(W.other_end, f"the {said} end of a ranking, the {asked} asked")
    return None


def period(asked: Set[str], stated: Set[str], published: Set[str]) -> Signal | None:
    """Another year than the one asked, or a passage that pins none where the question does
    (and its publication date does not say it)."""
    if asked and stated and not asked & stated:
        return Signal(W.other_year, f"about {', '.join(sorted(stated)[:3])}, not {', '.join(sorted(asked))}")
    if asked and not stated and not asked & published:
        return Signal(W.year_unstated, "states no year")
    return None


def level(asked: tuple[str, ...], own: Set[str], passage: Set[str]) -> Signal | None:
    """The sentence names another level than the one asked ("khối các sở" for "cấp huyện"), or
    its passage names none."""
    if asked and own and not own & set(asked):
        return Signal(W.level_other, f"level {', '.join(sorted(own))}, not {', '.join(asked)}")
    if asked and not passage & set(asked):
        return Signal(W.level_unstated, "names no level")
    return None


def metric(asked: Set[str], stated: Set[str]) -> Signal | None:
    """A figure question's measure ("tỷ lệ hồ sơ trực tuyến") that the sentence never names: its
    figure may have the form asked, not the measure. Also weighs the figure's fit."""
    if asked and not stated & asked:
        return Signal(W.metric_unstated, "names not the measure asked")
    return None


def missing_names(missing: int) -> Signal | None:
    """Names of the question ("Hà Giang", "PAR INDEX") that neither the passage nor its document holds."""
    return Signal(W.missing_name**missing, f"{missing} name(s) asked missing") if missing else None


def focus(missing: int, asked: int) -> Signal | None:
    """What a follow-up itself asks about that the passage lacks: the share missing counts."""
    if asked and missing:
        return Signal(
            1 - W.focus_missing_cost * missing / asked, f"{missing}/{asked} follow-up phrase(s) missing"
        )
    return None


def no_figure(applies: bool) -> Signal | None:
    """A "which" question that asks its figure too, against a sentence stating none."""
    return Signal(W.no_figure, "states no figure") if applies else None


def disagreement(agree: float | None) -> Signal | None:
    """Every figure the sentence states is about something else (-1), or a target where a
    result was asked (between -1 and 0): ``lead.sentence_agreement``."""
    if agree is not None and agree <= -1:
        return Signal(W.disagree, "every figure about another unit, level or period")
    if agree is not None and agree < 0:
        return Signal(W.target, "a target, a result asked")
    return None


def bonus(applies: bool, value: float, reason: str) -> Signal | None:
    """A bonus for the shape a composed question needs (a list, a change, a ranking's end)."""
    return Signal(value, reason) if applies else None
