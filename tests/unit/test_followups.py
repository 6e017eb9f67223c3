"""Follow-ups rewritten from the conversation: a follow-up of a follow-up builds on the first
question as understood, the same phrase asked twice is not glued to itself, and a self-contained
question (a comparison naming both units) stands alone after an unrelated turn. Examples are
written from general reform phrasing."""

from __future__ import annotations

from assistant.conversation import standalone
from assistant.schemas import Turn

_FIRST = "Tỷ lệ hồ sơ trực tuyến của tỉnh Lào Cai năm 2024 là bao nhiêu?"


def _history(*questions: str) -> list[Turn]:
    out: list[Turn] = []
    for q in questions:
        out += [Turn(role="user", content=q), Turn(role="assistant", content="…")]
    return out


def test_a_followup_of_a_followup_builds_on_the_first_question():
    history = _history(_FIRST, "Còn cấp huyện thì sao?")
    assert (
        standalone("Còn năm 2023?", history)
        == "cấp huyện — Tỷ lệ hồ sơ trực tuyến của tỉnh Lào Cai năm 2023 là bao nhiêu?"
    )
    assert "Yên Bái" in standalone("Còn Yên Bái?", history) and "Lào Cai" not in standalone(
        "Còn Yên Bái?", history
    )


def test_the_same_followup_asked_twice_is_not_glued_to_itself():
    history = _history(_FIRST, "Còn cấp huyện thì sao?")
    assert standalone("Còn cấp huyện thì sao?", history) == "cấp huyện — " + _FIRST


def test_a_comparison_naming_its_units_stands_alone_after_a_figure_question():
    q = "So sánh tỷ lệ hồ sơ trực tuyến của Lào Cai và Yên Bái"
    assert standalone(q, _history(_FIRST)) == q


def test_a_part_of_the_previous_answer_keeps_the_previous_topic():
    history = _history("Tỉnh dự kiến cần bao nhiêu kinh phí để hỗ trợ cán bộ dôi dư khi sắp xếp bộ máy?")
    rewritten = standalone("Trong số đó, phần dành cho cấp xã là bao nhiêu?", history)
    assert rewritten.startswith("phần dành cho cấp xã là bao nhiêu")
    assert "kinh phí để hỗ trợ cán bộ dôi dư" in rewritten


def test_a_bare_measure_swaps_the_previous_questions_measure_for_the_nearest_term():
    prev = _history("Tỷ lệ thủ tục hành chính trực tuyến toàn trình của tỉnh Sơn La là bao nhiêu?")
    assert (
        standalone("Thế còn một phần thì sao?", prev)
        == "Tỷ lệ thủ tục hành chính trực tuyến một phần của tỉnh Sơn La là bao nhiêu?"
    )
    assert "trực tuyến một phần" in standalone("And partly online?", prev)
    late = _history("Tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Sơn La năm 2023 là bao nhiêu?")
    assert (
        standalone("Còn trễ hạn?", late)
        == "Tỷ lệ hồ sơ giải quyết trễ hạn của tỉnh Sơn La năm 2023 là bao nhiêu?"
    )
    # Unaccented questions stay unaccented; a follow-up saying more than the measure is not a swap.
    assert (
        standalone("con tre han?", _history("ty le ho so dung han cua son la"))
        == "ty le ho so tre han cua son la"
    )
    longer = standalone("Còn trễ hạn ở cấp xã thì tỷ lệ này thế nào?", late)
    assert "cấp xã" in longer  # the level it adds is not lost to a swap of the measure alone


def test_a_bare_year_after_a_question_without_one_asks_that_question_in_that_year():
    prev = _history("Tỷ lệ thủ tục hành chính trực tuyến toàn trình của tỉnh Sơn La là bao nhiêu?")
    assert (
        standalone("Còn năm 2024?", prev)
        == "Tỷ lệ thủ tục hành chính trực tuyến toàn trình của tỉnh Sơn La là bao nhiêu năm 2024?"
    )
    assert standalone("And in 2022?", _history("What share of dossiers was filed online in Son La?")) == (
        "What share of dossiers was filed online in Son La in 2022?"
    )


def test_the_year_before_or_after_is_told_from_the_previous_questions_year():
    prev = _history("Huyện Mường Tè đạt bao nhiêu điểm về cải cách hành chính trong năm 2021?")
    assert "năm 2020" in standalone("Còn năm trước đó thì sao?", prev)
    assert "năm 2022" in standalone("Năm sau thì sao?", prev)
    assert "2020" in standalone("And the year before?", prev)
    # No year asked before: "năm trước" is the calendar's, which no document date tells.
    assert not any(
        y in standalone("Còn năm trước?", _history(_FIRST.replace(" năm 2024", ""))) for y in ("2023", "2025")
    )


def test_a_query_typed_as_a_noun_phrase_asks_how_many():
    from assistant.answering.question import question_kind

    assert question_kind("so ho so tre han cua tinh son la nam 2023") == "number"
    assert question_kind("Số lượng thủ tục trực tuyến toàn trình ở Sơn La") == "number"
    assert question_kind("so sanh son la va lai chau") != "number"
    # A position asked in English is a figure too.
    assert question_kind("What rank did Son La reach in the 2023 satisfaction index?") == "number"


def test_a_follow_ups_own_phrases_that_no_passage_holds_are_not_required():
    # An English follow-up over Vietnamese reports: its phrases ("readiness_index") are in no
    # passage, so they cannot be what a passage must hold; the Vietnamese statement answers.
    from assistant.answering.analysis import analyse
    from assistant.answering.extractive import ExtractiveAnswerer

    from .passages import keyword_hits

    texts = {
        "rank": "Năm 2023, chỉ số chuyển đổi số (DTI) xếp Sơn La hạng 12, Lai Châu 27 và Điện Biên 40.",
        "other": "Tỉnh Sơn La tiếp nhận 1.200 hồ sơ trực tuyến trong quý.",
    }
    hits, index = keyword_hits(texts)
    asked = "And in the 2023 DTI ranking, where did Son La rank compared with Lai Chau and Dien Bien?"
    q = analyse(asked, "in the 2023 DTI ranking, where did Son La rank compared with Lai Chau and Dien Bien")
    assert q.rewritten and q.focus  # the follow-up's own phrases
    trace: list = []
    ExtractiveAnswerer().select(q, hits, index, trace=trace)
    plain = analyse(asked.removeprefix("And "))  # the same words asked on their own
    alone: list = []
    ExtractiveAnswerer().select(plain, hits, index, trace=alone)
    cov = {e.chunk.doc_id: e.coverage for e in trace}
    assert cov["rank"] == max(e.coverage for e in alone if e.chunk.doc_id == "rank")
