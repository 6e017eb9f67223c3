"""The answerer's signals: each a named function returning its value and the reason it applied,
carried on the candidate (``Evidence.why``) to ``cchc eval --misses``."""

from __future__ import annotations

from assistant.answering import signals
from assistant.answering.analysis import analyse
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.weights import WEIGHTS as W
from tests.unit.passages import keyword_hits


def test_a_signal_that_does_not_apply_changes_nothing_and_says_nothing():
    f = signals.Factors()
    for s in (
        signals.other_place({"ha_giang"}, {"ha_giang"}),
        signals.period({"2023"}, {"2023"}, set()),
        signals.level(("district",), {"district"}, {"district"}),
        signals.missing_names(0),
        signals.disagreement(0.0),
    ):
        f.apply(s)
    assert f.value == 1.0 and f.reasons == []


def test_factors_multiply_in_order_and_name_each_reason():
    f = signals.Factors()
    f.apply(signals.period({"2023"}, {"2021"}, set()))
    f.apply(signals.disagreement(-0.5))
    assert f.value == W.other_year * W.target
    assert f.reasons[0].startswith("about 2021, not 2023") and "target" in f.reasons[1]
    copied = f.copy()
    copied.apply(signals.missing_names(2))
    assert len(f.reasons) == 2 and copied.value == f.value * W.missing_name**2


def test_each_candidate_carries_the_reasons_it_was_weighed_by():
    hits, index = keyword_hits(
        {
            "old": "Năm 2021, tỷ lệ hồ sơ trực tuyến của tỉnh Yên Bái đạt 41%.",
            "new": "Năm 2023, tỷ lệ hồ sơ trực tuyến của tỉnh Yên Bái đạt 58%.",
        }
    )
    trace: list = []
    chosen = ExtractiveAnswerer(min_support=0.2).select(
        analyse("Năm 2023 tỷ lệ hồ sơ trực tuyến của tỉnh Yên Bái là bao nhiêu?"), hits, index, trace=trace
    )
    assert chosen[0].chunk.doc_id == "new" and not any("not 2023" in r for r in chosen[0].why)
    old = next(e for e in trace if e.chunk.doc_id == "old")
    assert any(r.startswith("about 2021, not 2023") for r in old.why)
