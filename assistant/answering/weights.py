"""Every number that weighs one candidate statement or figure against another in the extractive
answerer, in one frozen, documented structure (retrieval's are in ``assistant/retrieval/weights.py``).

The answerer's score of a sentence is ``coverage × factors + fit × metric factor + bonuses +
rank_order / rank``: coverage is the share of the question's term weight the sentence (and
its context) holds (0–1), fit how well its best figure has the form asked (0–0.4,
``figures.figure_fits``), the factors discount a sentence whose slots disagree with the
question, the bonuses favour the shape a composed intent needs. A figure's agreement with the
question (``agreement.agreement``) adds ``agree`` per slot stated as asked and ``contradict``
per slot stated otherwise; a figure with a contradiction never leads.

Measured on the development sets only (reform_dev, reform_compose_dev: rules and weights were
set while reading their misses) and checked on the out-of-domain xquad_vi and alqac2022, whose
answer accuracy must not fall; docs/measured.md has the figures and commands. Change one only
with ``cchc eval`` on all four, before and after.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnsweringWeights:
    # --- what a sentence's coverage keeps (factors, multiplied) ------------------------------
    context: float = 0.8
    """Weight of a question term found only in the passage's context (the sentences before,
    the title, the document naming its province once) instead of the sentence itself."""
    source_elsewhere: float = 0.4
    """Weight of a term of the source the question cites ("Theo khảo sát của …, …") found only
    elsewhere in the document: the article names its source once, but a sentence near where it
    does is likelier to be the one that quotes it (at ``context`` weight), so less."""
    level_unstated: float = 0.8
    """A question naming a level ("cấp xã") against a passage that names none: weaker, not wrong
    (as an unstated year)."""
    level_other: float = 0.6
    """The sentence names a level, not the one asked (as another year's figure)."""
    other_place: float = 0.5
    """A passage that names provinces, none of them the one asked ("Bắc Kạn" asked, a Thái
    Nguyên report)."""
    local_for_national: float = 0.5
    """A sentence about a named locality, for a question about the whole country."""
    other_end: float = 0.5
    """A sentence naming the other end of a ranking than the one asked (top for bottom)."""
    other_year: float = 0.6
    """The sentence (or its title and the passage before) speaks of other years than the one asked."""
    year_unstated: float = 0.8
    """The question pins a year this passage (and its document's date) never states."""
    missing_name: float = 0.6
    """Per name the question holds (a person, a body) that the whole document never states."""
    metric_unstated: float = 0.8
    """A figure question about one measure against a sentence naming none of the measures it
    asks (also applied to its fit): a paragraph opening on the measure and going on to another
    rate. reform_dev answer accuracy 0.912 → 0.947, reform_compose_dev unchanged."""
    disagree: float = 0.5
    """A sentence whose every figure contradicts the question (another level, unit or period).
    Agreement is a filter, not a bonus: a bonus per agreeing slot (0.05, 0.1) cost reform_dev
    three English questions and gained nothing on reform_compose_dev."""
    target: float = 0.85
    """A sentence whose figures are targets where a result was asked."""
    no_figure: float = 0.6
    """A name-and-figure question ("bộ nào xếp cuối, với bao nhiêu?") against a sentence that
    names without a figure: half an answer."""
    focus_missing_cost: float = 0.7
    """A follow-up's passage loses this share of its coverage per share of the phrases the user
    just typed that it lacks (all missing: 0.3 left)."""
    other_document: float = 0.5
    """The question cites a document ("Công văn 415/UBND-KSTT") and the passage's document never
    names it."""

    # --- what a sentence gains (added) -------------------------------------------------------
    list_bonus: float = 0.1
    """A sentence that enumerates, for a list question."""
    rank_bonus: float = 0.1
    """A sentence that names the end of a ranking asked, or lists items that can be ranked."""
    trend_bonus: float = 0.1
    """A sentence that states a change (two figures and two years, or a change phrase), for a
    trend or comparison question."""
    cell_bonus: float = 0.3
    """A table cell read from a table the question names: the garbled "sentences" of the same
    flattened table never beat it."""
    rank_order: float = 0.05
    """Retrieval's order as the last tie-breaker: rank_order / rank."""
    semantic: float = 3.0
    """Weight of the embedding similarity of question and sentence, where it is used."""

    # --- the support floor -------------------------------------------------------------------
    cross_lingual_support: float = 0.6
    """An English question against Vietnamese text needs this share of the Vietnamese support
    floor: the glossary carries only part of its words across."""

    # --- a figure's agreement with the question (``agreement.agreement``) ---------------------
    agree: float = 1.0
    """A slot (level, unit, year, metric, target) the figure states as asked."""
    contradict: float = -2.0
    """A slot the figure states otherwise: another level, unit, year, kind."""
    metric_contradict: float = -1.0
    """Another metric: the lexicon is coarser than the other slots, so half a contradiction."""
    unsaid_target: float = -0.5
    """A target was asked; the figure's clause does not say it is one."""
    unasked_target: float = -0.5
    """A result (or nothing) was asked; the figure is a target."""
    form_margin: float = 0.1
    """Among figures that agree equally, the lead's form fit must beat the runner-up's by this
    much, or no figure is bolded (bolding one of equals is a guess)."""
    out_of_total: float = 0.15
    """Form fit taken from the figure after a slash ("70,61/100 điểm", "5/63 tỉnh"): the
    maximum or the count of all, not what was scored or counted. Above ``form_margin``, so
    the figure before it leads when the two agree alike; set on the bundled sample's scores
    and positions, not tuned on an evaluation set."""


WEIGHTS = AnsweringWeights()
