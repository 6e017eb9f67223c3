"""Answers that agree with the question: the analysed question, the figure-slot rules, the
declines, the composed tables and the eval's headline scoring. Examples are written from
general reform phrasing with made-up figures; none comes from an evaluation set."""

from __future__ import annotations

import pytest

from assistant.answering.agreement import agreement, list_lead_in, slots_of
from assistant.answering.analysis import analyse
from assistant.answering.decline import check as decline_check
from assistant.answering.sides import sides
from assistant.conversation import is_followup, standalone
from assistant.evaluation.scoring import score
from assistant.index.figures import figures
from assistant.schemas import Turn


def _lead(question: str, sentence: str, lead_in: str = "") -> str | None:
    """The figure the answerer would bold for ``question`` in ``sentence``."""
    from assistant.answering.lead import lead_figure
    from assistant.index.numbers import values_in

    return lead_figure(sentence, 0, len(sentence), analyse(question), values_in(question), lead_in)


# --- the analysed question -------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("Tỷ lệ hồ sơ trực tuyến của tỉnh Lào Cai năm 2023 là bao nhiêu?", "single"),
        ("So sánh tỷ lệ hồ sơ trực tuyến của Lào Cai và Yên Bái", "comparison"),
        ("Tỷ lệ hồ sơ đúng hạn của quận 3 và quận 5 lần lượt là bao nhiêu?", "comparison"),
        ("Chỉ số hài lòng của tỉnh Nghệ An thay đổi thế nào từ năm 2019 đến năm 2021?", "trend"),
        ("Bộ nào có điểm PAR INDEX thấp nhất năm 2018?", "ranking"),
        ("Những xã nào của huyện Mường Tè đạt chuẩn nông thôn mới?", "list"),
        ("How did the share of online dossiers in Lào Cai change from 2020 to 2022?", "trend"),
        ("Which district received the most online applications in 2023?", "ranking"),
        # A bound, not a ranking: "tối đa", "tối thiểu".
        ("At most how many deputy directors may a department have?", "single"),
        ("Under the plan, at least how many services must be fully online?", "single"),
        # A list of levels is no named commune ("phường xã" then a verb).
        ("nam 2022 cac so nganh quan huyen phuong xa nhan ve bao nhieu ho so", "single"),
    ],
)
def test_intent(question: str, intent: str):
    q = analyse(question)
    assert q.intent == intent
    assert not [u for u in q.units if u.level == "commune"]


def test_a_district_inside_its_province_is_one_place_not_a_comparison():
    q = analyse("Năm 2022, thị xã Cam Lộ xếp thứ mấy toàn tỉnh Quảng Trị về chỉ số cải cách hành chính?")
    assert q.intent == "single"
    assert {u.level for u in q.units} == {"district", "province"}
    assert q.metrics == ("par_index",)
    assert q.years == {2022}


def test_slots_levels_metrics_periods_and_kind():
    q = analyse("Đến năm 2025, tỉnh Sơn La phấn đấu bao nhiêu phần trăm hồ sơ cấp xã được số hóa?")
    assert q.levels == ("commune",)
    assert "digitised" in q.metrics
    assert q.wants == "target"
    assert analyse("Thực tế Sơn La đã đạt bao nhiêu phần trăm hồ sơ số hóa?").wants == "achieved"
    assert analyse("Trong quý II/2024 Sơn La tiếp nhận bao nhiêu hồ sơ?").periods[0].quarter == 2
    assert analyse("Tháng 3/2024 Sơn La tiếp nhận bao nhiêu hồ sơ?").months == {(2024, 3)}


def test_accents_count_when_the_question_has_them():
    # "máy" (machine) is not "mấy" (how many); an unaccented question is folded.
    assert analyse("Tỷ lệ thủ tục trực tuyến toàn trình là bao nhiêu?").metrics[-1] == "online_full"
    assert "online_full" in analyse("ty le thu tuc truc tuyen toan trinh la bao nhieu").metrics
    assert analyse("Mấy thủ tục được cung cấp trực tuyến?").profile.kind == "number"
    assert analyse("Bộ phận một cửa được trang bị máy tính nào?").profile.kind != "number"
    assert analyse("bo phan mot cua co may may tinh").profile.kind == "number"


# --- figure agreement -------------------------------------------------------------------


def test_the_figure_of_the_level_asked_leads():
    sentence = "Trong tháng 4, cấp tỉnh tiếp nhận 5.120 hồ sơ, cấp huyện tiếp nhận 18.300 hồ sơ và cấp xã tiếp nhận 9.410 hồ sơ."
    assert _lead("Cấp huyện tiếp nhận bao nhiêu hồ sơ trong tháng 4?", sentence) == "18.300"
    assert _lead("Cấp xã tiếp nhận bao nhiêu hồ sơ trong tháng 4?", sentence) == "9.410"
    # Without a level the question is ambiguous: nothing is bolded.
    assert _lead("Tiếp nhận bao nhiêu hồ sơ trong tháng 4?", sentence) is None


def test_the_figure_of_the_period_asked_leads():
    sentence = "Tỷ trọng kinh tế số trong GRDP của tỉnh là 12,4% (2022) và 14,1% (2023)."
    assert _lead("Tỷ trọng kinh tế số trong GRDP năm 2023 là bao nhiêu phần trăm?", sentence) == "14,1%"
    assert _lead("Tỷ trọng kinh tế số trong GRDP năm 2022 là bao nhiêu phần trăm?", sentence) == "12,4%"


def test_a_year_of_comparison_is_not_the_figures_own():
    sentence = "Năm 2023, huyện đạt 91,2 điểm, tăng 3 bậc so với năm 2022."
    slots = slots_of(sentence, figures(sentence)[0])
    assert slots.year == 2023


def test_a_target_is_not_shown_as_an_achievement():
    sentence = "Đến nay tỉnh đã đạt 62% hồ sơ trực tuyến, phấn đấu đến năm 2025 đạt 80%."
    assert _lead("Tỷ lệ hồ sơ trực tuyến của tỉnh hiện đạt bao nhiêu phần trăm?", sentence) == "62%"
    assert _lead("Tỉnh đặt mục tiêu tỷ lệ hồ sơ trực tuyến đến năm 2025 là bao nhiêu?", sentence) == "80%"
    # A bullet under "Mục tiêu …:" is a target even though it has no target word itself.
    text = "Mục tiêu đến hết năm 2026: - 100% hồ sơ được số hóa. - 90% hồ sơ trực tuyến."
    start = text.index("- 90%")
    bullet = text[start:]
    assert list_lead_in(text, start).startswith("Mục tiêu")
    assert _lead("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", bullet, list_lead_in(text, start)) is None


def test_an_index_scores_ratio_is_not_a_share_of_procedures():
    sentence = "Chỉ tiêu cung cấp dịch vụ công của tỉnh đạt 9/12 điểm, tỷ lệ: 75%."
    assert (
        _lead("Tỷ lệ thủ tục được cung cấp trực tuyến toàn trình là bao nhiêu phần trăm?", sentence) is None
    )


def test_the_unit_asked_among_several_in_one_sentence():
    sentence = "Bộ Tư pháp đạt 71,20%; Bộ Y tế đạt 64,15%; Bộ Xây dựng đạt 58,02%."
    assert _lead("Bộ Y tế đạt tỷ lệ bao nhiêu phần trăm?", sentence) == "64,15%"
    q = analyse("Bộ Y tế đạt tỷ lệ bao nhiêu phần trăm?")
    other = slots_of(sentence, figures(sentence)[0])
    assert agreement(other, q).hard == 1  # Bộ Tư pháp's figure contradicts the unit asked


def test_a_count_is_of_what_follows_it():
    sentence = "Tỉnh có 640 thủ tục được cung cấp trực tuyến toàn trình; 35 thủ tục trực tuyến một phần."
    assert _lead("Tỉnh có bao nhiêu thủ tục trực tuyến toàn trình?", sentence) == "640"
    assert _lead("Tỉnh có bao nhiêu thủ tục trực tuyến một phần?", sentence) == "35"


# --- declines ---------------------------------------------------------------------------


def _check(question: str, sentence: str, document: str = "", published: str | None = "2024-05-02"):
    doc = document or sentence
    return decline_check(analyse(question), sentence, "", "d", published, lambda _: doc)


def test_another_units_figure_is_declined():
    sentence = "Năm 2023, thị xã Sông Cầu đạt 90,12 điểm chỉ số cải cách hành chính."
    refusal = _check("Năm 2023 thị xã Hoài Nhơn đạt bao nhiêu điểm chỉ số cải cách hành chính?", sentence)
    assert refusal is not None and refusal.reason == "unit" and "Hoài Nhơn" in refusal.asked
    assert _check("Năm 2023 thị xã Sông Cầu đạt bao nhiêu điểm chỉ số cải cách hành chính?", sentence) is None
    assert _check("Tỉnh Phú Yên năm 2023 đạt bao nhiêu điểm?", sentence).reason == "unit"


def test_another_months_figure_is_declined_and_the_month_held_is_said():
    sentence = "Trong tháng 3/2024, toàn tỉnh tiếp nhận 30.512 hồ sơ."
    refusal = _check("Trong tháng 4/2024 toàn tỉnh tiếp nhận bao nhiêu hồ sơ?", sentence)
    assert refusal is not None and refusal.reason == "period" and refusal.held == "3/2024"
    assert _check("Trong tháng 3/2024 toàn tỉnh tiếp nhận bao nhiêu hồ sơ?", sentence) is None


def test_a_year_the_document_never_speaks_of_is_declined():
    sentence = "Chỉ số hài lòng của người dân đạt 82,3%."
    refusal = _check(
        "Chỉ số hài lòng năm 2019 đạt bao nhiêu?", sentence, "Kết quả khảo sát năm 2023. " + sentence
    )
    assert refusal is not None and refusal.reason == "period" and refusal.held == "2024"


def test_the_year_a_report_came_out_is_not_the_year_its_passage_is_about():
    # Published in 2024, the passage about 2023's results: a 2024 figure is not held.
    context = "Kết quả đánh giá năm 2023 của Sở Nội vụ được công bố."
    sentence = "Bên cạnh đó, chỉ số hài lòng của huyện đạt 97%, đứng thứ 4 toàn tỉnh."
    q = analyse("Chỉ số hài lòng của huyện năm 2024 đạt bao nhiêu?")
    refusal = decline_check(q, sentence, context, "d", "2024-03-10", lambda _: f"{context} {sentence}")
    assert refusal is not None and refusal.reason == "period" and refusal.held == "2023"
    # A passage that names no year is still read as of its report's year.
    assert decline_check(q, sentence, "", "d", "2024-03-10", lambda _: sentence) is None
    # Nor is a year asked that the document states elsewhere declined here.
    whole = f"{context} {sentence} Năm 2024, huyện tiếp tục duy trì."
    assert decline_check(q, sentence, context, "d", "2024-03-10", lambda _: whole) is None


def test_a_result_asked_where_only_a_target_is_stated_is_declined():
    sentence = "Kế hoạch yêu cầu tối thiểu 75% hồ sơ được luân chuyển điện tử."
    refusal = _check("Năm 2024 đã đạt bao nhiêu phần trăm hồ sơ được luân chuyển điện tử?", sentence)
    assert refusal is not None and refusal.reason == "target"


def test_an_office_the_passage_does_not_name_is_declined():
    sentence = "Ông Lê Văn A - Trưởng phòng Nội vụ huyện cho biết kết quả."
    assert _check("Ai là Bộ trưởng Bộ Tài chính?", sentence).reason == "unit"


# --- composition ------------------------------------------------------------------------


def test_a_comparison_has_one_side_per_unit_each_without_the_other():
    q = analyse("So sánh số thủ tục trực tuyến toàn trình của Lào Cai và Yên Bái")
    got = sides(q)
    assert [s.label for s in got] == ["Lào Cai", "Yên Bái"]
    assert "Yên Bái" not in got[0].analysis.text and "Lào Cai" not in got[1].analysis.text
    assert all(s.analysis.intent == "single" and s.analysis.profile.kind == "number" for s in got)


def test_a_trend_has_one_side_per_period_latest_first():
    got = sides(analyse("Chỉ số PAR INDEX của Bộ Tư pháp thay đổi thế nào từ năm 2016 đến năm 2018?"))
    assert [s.analysis.years for s in got] == [{2018}, {2017}, {2016}]  # the year between is asked too


def test_a_comparison_is_answered_as_a_cited_table(service):
    r = service.ask(
        "Số thủ tục hành chính được cung cấp dịch vụ công trực tuyến toàn trình ở Hà Giang và ở Quảng Nam so với nhau thế nào?"
    )
    assert r.table is not None and len(r.table.rows) == 2
    assert [row[0] for row in r.table.rows] == ["Hà Giang", "Quảng Nam"]
    assert all(cells for cells in r.table.citations)
    # The one headline is the verdict: the larger count, with its unit's label, over the other.
    import re

    bold = re.findall(r"\*\*(.+?)\*\*", r.answer)
    values = {row[0]: int(row[1].replace(".", "")) for row in r.table.rows}
    top = max(values, key=values.__getitem__)
    assert bold == [f"{top}: {dict((row[0], row[1]) for row in r.table.rows)[top]}"], bold
    # Every figure in the table is in the quote of the citation its row names.
    for row, cells in zip(r.table.rows, r.table.citations):
        assert row[1] and row[1] in r.citations[cells[0] - 1].quote


# --- follow-ups -------------------------------------------------------------------------


def test_a_self_contained_question_after_an_unrelated_turn_stands_alone():
    history = [Turn(role="user", content="Tỷ lệ hồ sơ trực tuyến của tỉnh Điện Biên năm 2023 là bao nhiêu?")]
    question = "Chỉ số hài lòng của người dân với dịch vụ y tế ở Hải Dương đạt bao nhiêu phần trăm?"
    assert not is_followup(question)
    assert standalone(question, history) == question


def test_a_level_follow_up_takes_the_rest_of_the_previous_question():
    history = [
        Turn(
            role="user",
            content="Tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Bắc Ninh tháng 3/2024 ở cấp tỉnh là bao nhiêu?",
        )
    ]
    rewritten = standalone("Riêng cấp huyện thì tỷ lệ này là bao nhiêu?", history)
    assert "cấp huyện" in rewritten and "Bắc Ninh" in rewritten and "cấp tỉnh" not in rewritten
    q = analyse("Riêng cấp huyện thì tỷ lệ này là bao nhiêu?", rewritten)
    assert q.rewritten and q.levels == ("district",)
    month = standalone("Thế đến tháng 6/2024 thì sao?", history)
    assert "6/2024" in month and "3/2024" not in month


# --- the eval's headline scoring ----------------------------------------------------------


def test_a_wrong_bold_figure_is_a_wrong_lead_even_when_a_quote_holds_the_gold():
    record = {"answers": ["18.300"], "forbid": ["5.120"]}
    answer = "**5.120** — Theo X: “cấp tỉnh 5.120 hồ sơ, cấp huyện 18.300 hồ sơ” [1]"
    s = score(record, answer, True, "cấp tỉnh 5.120 hồ sơ, cấp huyện 18.300 hồ sơ")
    assert s.correct and not s.lead_correct and s.wrong_lead
    ok = score(record, answer.replace("**5.120**", "**18.300**"), True, "…")
    assert ok.lead_correct and not ok.wrong_lead
    # No bold: the first cited quote is the headline.
    plain = score(record, "Theo X: “…” [1]", True, "cấp huyện 18.300 hồ sơ")
    assert plain.lead_correct and not plain.wrong_lead


def test_answers_all_and_unanswerable_scoring():
    record = {"answers_all": ["12 %", "15 %"]}
    assert score(record, "| A | 12 % |\n| B | 15 % |", True, None).correct
    assert not score(record, "| A | 12 % |", True, None).correct
    unanswerable = {"answers": []}
    assert score(unanswerable, "**40%** — …", True, "…").wrong_lead
    declined = score(unanswerable, "Không có số liệu …", False, "…")
    assert declined.declined and not declined.wrong_lead and declined.reason() is None


def test_a_passage_whose_every_figure_is_another_units_is_declined():
    sentence = "Một số địa phương đạt tỷ lệ thấp như: Lai Châu (21%); Hà Giang (30,5%)."
    refusal = _check(
        "Bộ Tài chính đạt tỷ lệ bao nhiêu phần trăm hồ sơ trực tuyến?",
        sentence,
        "Bộ Tài chính và các địa phương. " + sentence,
    )
    assert refusal is not None and refusal.reason == "unit"
    assert _check("Lai Châu đạt tỷ lệ bao nhiêu phần trăm hồ sơ trực tuyến?", sentence) is None


def test_a_year_after_a_comma_opens_the_next_figures_clause():
    sentence = "Năm 2021 kinh tế số của tỉnh tăng trưởng 21%, 2022 đạt 17%."
    first, second = figures(sentence)
    assert slots_of(sentence, first).year == 2021
    assert slots_of(sentence, second).year == 2022


def test_unaccented_digital_transformation_is_not_a_ranking():
    # Folded, "chuyển đổi số" contains "doi so" (đội sổ: bottom of a ranking).
    assert analyse("muc ho tro cho can bo chuyen doi so la bao nhieu").intent == "single"


def test_a_trend_or_list_quote_goes_on_into_the_next_statement():
    from assistant.answering.passages import with_continuation as _with_continuation
    from assistant.index.sentences import Span

    text = "Năm 2019 tỉnh xếp thứ 12 toàn quốc. Năm 2020 tỉnh vươn lên thứ 7 toàn quốc.\n\nĐoạn khác không liên quan."
    first = Span(0, text.index(".") + 1)
    assert text[_with_continuation(text, first).start : _with_continuation(text, first).end].endswith(
        "thứ 7 toàn quốc."
    )
    second = Span(text.index("Năm 2020"), text.index("\n\n"))
    assert _with_continuation(text, second) == second  # never across a paragraph


# --- rankings computed over an enumeration --------------------------------------------


def test_an_enumeration_of_names_with_one_figure_each_is_ranked():
    from assistant.answering.rank import enumerated, extreme

    sentence = (
        "Còn 05/30 địa phương đạt dưới 80% gồm: Bắc Kạn (78,40%), Hà Nam (71,05%), "
        "TP. Cần Thơ (66,90%), Kon Tum (80, 12%), Ninh Bình (52,75%)."
    )
    items = enumerated(sentence)
    # The lead-in's own figures (05/30, 80%) are not items; "(80, 12%)" is one bracket, two numbers.
    assert [i.label for i in items] == ["Bắc Kạn", "Hà Nam", "TP. Cần Thơ", "Ninh Bình"]
    assert extreme(items, "low").label == "Ninh Bình"
    assert extreme(items, "high").label == "Bắc Kạn"


def test_clauses_joined_by_semicolons_and_a_name_with_va_are_items():
    from assistant.answering.rank import enumerated

    sentence = (
        "Cụ thể, Bộ Văn hóa và Thể thao đạt 61,5 %; Bộ Giao thông đạt 70,2 %; "
        "Ban Quản lý A đạt 66 % và Ban Quản lý B đạt 58 %."
    )
    labels = [i.label for i in enumerated(sentence)]
    assert labels == ["Bộ Văn hóa và Thể thao", "Bộ Giao thông", "Ban Quản lý A", "Ban Quản lý B"]


def test_prose_is_not_an_enumeration_and_a_tie_names_no_one():
    from assistant.answering.rank import Item, enumerated, extreme
    from assistant.index.figures import Figure

    # Figures in clauses with verbs ("đều đạt") are no list of names to rank.
    assert (
        enumerated("Các đơn vị đều đạt trên 90 %, trong đó 12 đơn vị tăng điểm, 3 đơn vị giảm 2 bậc.") == []
    )
    assert enumerated("Hà Nam đạt 71%, Kon Tum đạt 80%.") == []  # two items compare, they do not rank
    tie = [Item(n, Figure("5", 0, 1, False), v) for n, v in (("A", 7), ("B", 7), ("C", 3))]
    assert extreme(tie, "high") is None and extreme(tie, "low").label == "C"


def test_a_ranking_question_leads_with_the_listed_item_at_the_end_asked():
    from assistant.answering.compose import compose
    from assistant.answering.extractive import Evidence, ExtractiveAnswerer
    from assistant.index.records import StoredChunk
    from assistant.index.sentences import Span
    from assistant.prompts import load as load_prompts

    text = "Một số tỉnh đạt tỷ lệ thấp như: Bắc Kạn (38,5%), Hà Nam (21,4%), Kon Tum (44,9%)."
    chunk = StoredChunk("c1", "d1", 0, 0, len(text), text, "Báo cáo quý", None, "2024-07-01", "Cổng TTĐT")
    q = analyse("Tỉnh nào có tỷ lệ hồ sơ trực tuyến thấp nhất và đạt bao nhiêu?")
    ev = ExtractiveAnswerer()._quote(
        Evidence(chunk, 1, Span(0, len(text)), 1.0, 1.0), q, q.profile.terms, set()
    )
    assert (ev.label, ev.figure) == ("Hà Nam", "21,4%")
    answer, _ = compose([ev], load_prompts("extractive", "vi"), "vi", direction=q.profile.direction)
    assert answer.startswith("**Hà Nam: 21,4%** — thấp nhất")
    # A sentence that itself says which end it is at is quoted, not re-ranked.
    said = "Kon Tum đứng cuối bảng với 44,9%, sau Bắc Kạn (48,5%) và Hà Nam (51,4%)."
    chunk2 = StoredChunk("c2", "d1", 0, 0, len(said), said, "Báo cáo", None, None, None)
    ev2 = ExtractiveAnswerer()._quote(
        Evidence(chunk2, 1, Span(0, len(said)), 1.0, 1.0), q, q.profile.terms, set()
    )
    assert ev2.label is None


# --- trends and comparisons --------------------------------------------------------------


def test_one_measure_in_two_years_is_compared_period_by_period():
    q = analyse("Điểm chỉ số hài lòng của tỉnh Nghệ An năm 2022 so với năm 2020 ra sao?")
    assert q.intent == "trend"
    got = sides(q)
    assert [s.analysis.years for s in got] == [{2022}, {2020}] and all(s.by == "period" for s in got)
    assert "2020" not in got[0].analysis.text and "so với năm" not in got[1].analysis.text


def test_a_side_drops_the_words_that_joined_the_other_unit():
    got = sides(
        analyse("Cuối năm 2024, Lào Cai và Yên Bái lần lượt có bao nhiêu thủ tục trực tuyến toàn trình?")
    )
    texts = {s.label: s.analysis.text for s in got}
    assert texts["Lào Cai"] == "Cuối năm 2024, Lào Cai có bao nhiêu thủ tục trực tuyến toàn trình?"
    assert texts["Yên Bái"] == "Cuối năm 2024, Yên Bái có bao nhiêu thủ tục trực tuyến toàn trình?"


def test_a_metric_after_a_figure_in_its_clause_is_that_figures_own():
    sentence = "Huyện có 52 TTHC trực tuyến một phần và 310 TTHC thực hiện theo hình thức khác."
    assert _lead("Huyện có bao nhiêu TTHC trực tuyến một phần?", sentence) == "52"
    # After "và" the next figure's metric begins: "đúng hạn" is 97,6%'s.
    other = "Huyện tiếp nhận 8.410 hồ sơ và tỷ lệ giải quyết đúng hạn đạt 97,6%."
    assert _lead("Tỷ lệ hồ sơ giải quyết đúng hạn của huyện là bao nhiêu?", other) == "97,6%"


def test_a_chunk_cut_inside_a_sentence_is_read_on_to_its_end():
    from assistant.answering.extractive import ExtractiveAnswerer
    from assistant.index.records import StoredChunk

    document = "Mở đầu. Năm 2023 tỉnh đạt 81,2% hồ sơ trực tuyến, tăng so với 74,6% của năm 2022. Đoạn sau."
    cut = document.index("74,6")
    chunk = StoredChunk("c", "d", 0, 0, cut + 2, document[: cut + 2], "T", None, None, None)
    answerer = ExtractiveAnswerer(document_text=lambda _: document)
    whole = answerer._whole(chunk, {})
    assert whole.text.endswith("của năm 2022.") and whole.text == document[: whole.end]
    done = StoredChunk("c", "d", 0, 0, 7, document[:7], "T", None, None, None)
    assert answerer._whole(done, {}) is done  # a chunk that ends a sentence stays as it is


def test_a_figure_in_brackets_restates_the_previous_one_and_shares_its_metric():
    sentence = "Có 98,9 % hồ sơ đúng hạn, chỉ 1,1 % hồ sơ giải quyết trễ hạn ( hơn 2.300 hồ sơ )."
    assert _lead("Tỉnh có bao nhiêu hồ sơ bị giải quyết trễ hạn?", sentence) == "2.300"


# --- footnotes and plans ------------------------------------------------------------------


def test_a_footnote_mark_is_no_figure_and_a_footnote_line_is_its_own_statement():
    from assistant.index.sentences import statement_spans

    text = "[3] Gồm: Hòa Bình, Vĩnh Long.\n[4] Một số tỉnh đạt thấp như: Kon Tum (12%)."
    assert [f.text for f in figures(text)] == ["12%"]
    spans = [text[s.start : s.end] for s in statement_spans(text)]
    assert spans == ["[3] Gồm: Hòa Bình, Vĩnh Long.", "[4] Một số tỉnh đạt thấp như: Kon Tum (12%)."]


def test_a_plan_documents_items_are_targets_and_a_result_asked_is_declined():
    from assistant.answering.agreement import plan_lead_in
    from assistant.index.facets import kind_of

    title = "Quyết định 123/QĐ-UBND về Kế hoạch cải cách hành chính năm 2026 của tỉnh"
    assert plan_lead_in(title) == "kế hoạch" and plan_lead_in("Tỉnh triển khai kế hoạch chuyển đổi số") == ""
    # "kết quả giải quyết TTHC" is the paper a procedure issues, not a result achieved.
    assert kind_of("Số hóa kết quả giải quyết TTHC còn hiệu lực") is None
    sentence = "(2) Số hóa kết quả giải quyết TTHC còn hiệu lực, 90% hồ sơ được luân chuyển điện tử."
    q = analyse("Năm 2026 tỉnh đã đạt bao nhiêu phần trăm hồ sơ được luân chuyển điện tử?")
    assert slots_of(sentence, figures(sentence)[0], plan_lead_in(title)).kind == "target"
    refusal = decline_check(q, sentence, "", "d", "2026-01-05", lambda _: sentence, title)
    assert refusal is not None and refusal.reason == "target"


def test_a_documents_own_bold_inside_a_quote_is_escaped_and_only_the_headline_is_bold():
    import re

    from assistant.answering.compose import compose
    from assistant.answering.extractive import Evidence
    from assistant.channels.formatting import strip_markup
    from assistant.index.records import StoredChunk
    from assistant.index.sentences import Span
    from assistant.prompts import load as load_prompts

    text = "Tỉnh đạt 64,2% hồ sơ trực tuyến **trong năm 2025** (Phụ lục [3])."
    chunk = StoredChunk("c", "d", 0, 0, len(text), text, "Báo cáo", None, None, None)
    ev = Evidence(chunk, 1, Span(0, len(text)), 1.0, 1.0, start=0, end=len(text), quote=text, figure="64,2%")
    answer, citations = compose([ev], load_prompts("extractive", "vi"), "vi")
    assert re.findall(r"\*\*([^*]+)\*\*", answer.replace("\\*", "")) == ["64,2%"]
    assert citations[0].quote == text  # the citation stays verbatim
    assert "“Tỉnh đạt 64,2% hồ sơ trực tuyến **trong năm 2025** (Phụ lục [3]).”" in strip_markup(answer)


def test_an_enumeration_told_one_item_per_statement_is_quoted_to_its_end():
    from assistant.answering.passages import opens_enumeration, with_continuation
    from assistant.index.sentences import Span

    text = (
        "Ba giải pháp gồm giải pháp số hóa hồ sơ tại bộ phận một cửa.\n"
        "Thứ hai là giải pháp thanh toán trực tuyến phí, lệ phí.\n"
        "Giải pháp thứ ba là tổng đài hỗ trợ người dân.\n"
        "Ủy ban giao các sở triển khai trong quý IV."
    )
    first = Span(0, text.index("\n"))
    got = with_continuation(text, first)
    assert text[got.start : got.end].endswith("tổng đài hỗ trợ người dân.")
    assert opens_enumeration(text[: first.end], "Thứ hai là giải pháp thanh toán trực tuyến.")
    assert not opens_enumeration("Thứ hai là A.", "Giải pháp thứ ba là B.")  # an item, not the opening


def test_a_link_planted_in_a_quote_is_no_link_in_the_answer():
    from assistant.answering.compose import shown
    from assistant.channels.formatting import strip_markup

    quote = "Xem [chi tiết](javascript:alert(1)) hoặc <https://vi.example/a> ngay."
    assert "](" not in shown(quote) and "\\<https" in shown(quote)  # CommonMark: "\<" is no autolink
    assert strip_markup(shown(quote)) == quote  # plain-text channels show it as written


def test_in_a_document_about_many_provinces_a_passage_not_naming_the_one_asked_is_declined():
    document = (
        "Báo cáo tổng hợp: Lào Cai đạt 88%, Yên Bái đạt 81%, Sơn La đạt 79%, Điện Biên đạt 70%, Lai Châu đạt 65%.\n\n"
        + "Ghi chú thêm. " * 80
        + "Tỷ lệ chung của các bộ, ngành đạt 52,6% hồ sơ trực tuyến."
    )
    sentence = "Tỷ lệ chung của các bộ, ngành đạt 52,6% hồ sơ trực tuyến."
    q = "Tỉnh Yên Bái đạt bao nhiêu phần trăm hồ sơ trực tuyến?"
    refusal = decline_check(analyse(q), sentence, "Ghi chú thêm.", "d", "2024-05-02", lambda _: document)
    assert refusal is not None and refusal.reason == "unit" and "Yên Bái" in refusal.asked
    # The same passage in a report about one province answers for it (named once, far above).
    single = "Yên Bái công bố kết quả.\n\n" + "Ghi chú thêm. " * 80 + sentence
    assert decline_check(analyse(q), sentence, "Ghi chú thêm.", "d", "2024-05-02", lambda _: single) is None
    # A who-question's unit is often the venue ("… tại tỉnh Yên Bái"), not what a figure is about.
    who = analyse("Ai chủ trì hội nghị công bố kết quả tại tỉnh Yên Bái?")
    said = "Phó Chủ tịch Nguyễn Văn A chủ trì hội nghị công bố kết quả."
    assert decline_check(who, said, "Ghi chú thêm.", "d", "2024-05-02", lambda _: document + said) is None


def test_an_english_question_about_a_cost_or_an_average_asks_for_a_figure():
    assert (
        analyse("What was the average cost of a land registration procedure in 2020?").profile.kind
        == "number"
    )
    assert analyse("What fee does the province charge for an online licence?").profile.kind == "number"
    assert analyse("What does the new decree on one-stop shops regulate?").profile.kind != "number"


def test_a_level_asked_is_looked_for_in_the_passage():
    from assistant.answering.extractive import ExtractiveAnswerer

    from .passages import keyword_hits

    texts = {
        "a": "Trong tháng, bộ phận một cửa tiếp nhận 41.200 hồ sơ.",
        "b": "Bộ phận một cửa ở cấp xã có 12.410 hồ sơ.",
        "c": "Tỉnh công bố danh mục thủ tục hành chính mới.",
    }
    hits, index = keyword_hits(texts, "Kết quả tháng 2", "2025-02-20")
    # "a" covers more of the question's words; it names no level, and "cấp xã" was asked.
    q = analyse("Trong tháng, bộ phận một cửa cấp xã tiếp nhận bao nhiêu hồ sơ?")
    best = ExtractiveAnswerer(min_support=0).select(q, hits, index)[0]
    assert best.chunk.doc_id == "b" and best.figure == "12.410"


def test_a_follow_up_asking_its_own_question_at_length_is_not_the_previous_one_re_asked():
    history = [Turn(role="user", content="How many procedures did the province put fully online in 2022?")]
    own = "And in the 2021 satisfaction survey, where did the province rank compared with its neighbours?"
    assert standalone(own, history) == own.removeprefix("And ").rstrip("?")
    # Short, it still needs the previous question's topic; its own year replaces the old one.
    assert (
        standalone("And how many in 2023?", history)
        == "How many procedures did the province put fully online in 2023?"
    )
    vi = [Turn(role="user", content="Tỷ lệ hồ sơ trực tuyến của tỉnh Lào Cai năm 2022 là bao nhiêu?")]
    got = standalone("Còn năm 2024 thì tỷ lệ hồ sơ giải quyết đúng hạn đạt bao nhiêu phần trăm?", vi)
    assert "2022" not in got and "Lào Cai" in got


def test_a_province_asked_by_its_pre_merger_name_is_said_to_be_part_of_the_new_one():
    from assistant.answering.compose import merger_note
    from assistant.index.gazetteer import merged_into
    from assistant.prompts import load as load_prompts

    assert merged_into("bac_kan") == "Thái Nguyên" and merged_into("thai_nguyen") is None
    note = merger_note(
        load_prompts("extractive", "vi"), analyse("Tỷ lệ hồ sơ trực tuyến của Bắc Kạn là bao nhiêu?")
    )
    assert note.startswith("_Bắc Kạn nay thuộc Thái Nguyên") and note.endswith("_\n\n")
    assert (
        merger_note(load_prompts("extractive", "vi"), analyse("Tỷ lệ hồ sơ trực tuyến của Thái Nguyên?"))
        == ""
    )


def test_a_ranking_is_answered_only_by_a_statement_that_ranks():
    q = "Tỉnh nào có tỷ lệ hồ sơ trực tuyến thấp nhất năm 2024?"
    plain = "Năm 2024 tỉnh Kon Tum phấn đấu nâng tỷ lệ hồ sơ trực tuyến của các cấp."
    refusal = _check(q, plain)
    assert refusal is not None and refusal.reason == "rank"
    assert _check(q, "Năm 2024, tỉnh Kon Tum có tỷ lệ hồ sơ trực tuyến thấp nhất cả nước.") is None
    listed = "Năm 2024 một số tỉnh đạt thấp như: Kon Tum (21%), Hà Nam (34%), Bắc Kạn (40%)."
    assert _check(q, listed) is None  # items to rank
    assert analyse("Which province ranked first on online dossiers?").profile.direction == "high"


def test_an_answer_about_a_merged_province_says_what_it_is_part_of_now(service):
    r = service.ask("Hà Giang có bao nhiêu phần trăm TTHC được cung cấp DVC trực tuyến toàn trình?")
    assert r.answer.startswith("_Hà Giang nay thuộc Tuyên Quang")
    assert "**" in r.answer and r.citations  # the headline and its citation follow the note


def test_two_merged_provinces_get_one_note_each():
    from assistant.answering.compose import merger_note
    from assistant.prompts import load as load_prompts

    note = merger_note(
        load_prompts("extractive", "vi"), analyse("So sánh tỷ lệ hồ sơ trực tuyến của Bắc Kạn và Hà Nam")
    )
    blocks = [b for b in note.split("\n\n") if b]
    assert len(blocks) == 2 and all(b.startswith("_") and b.endswith("_") for b in blocks)


def test_a_maximum_asked_with_what_is_no_ranking_to_decline():
    sentence = (
        "Người phạm tội này thì bị phạt tù từ mười hai năm đến hai mươi năm, tù chung thân hoặc tử hình."
    )
    assert _check("Tội này có hình phạt cao nhất là gì?", sentence) is None


def test_a_units_top_figure_asked_without_which_is_still_a_ranking():
    q = "Năm 2022, tỉnh có tỷ lệ hồ sơ trực tuyến cao nhất cả nước đạt bao nhiêu phần trăm?"
    refusal = _check(q, "Năm 2022, tỷ lệ hồ sơ trực tuyến bình quân cả nước đạt 61,2%.")
    assert refusal is not None and refusal.reason == "rank"
    assert _check(q, "Năm 2022, tỉnh Kon Tum có tỷ lệ hồ sơ trực tuyến cao nhất cả nước, đạt 91,3%.") is None


def test_two_groups_named_behind_the_same_word_are_compared_one_by_one():
    q = analyse(
        "Năm 2020, chi phí không chính thức chiếm bao nhiêu phần trăm ở nhóm thủ tục đất đai và ở lĩnh vực thuế?"
    )
    assert q.intent == "comparison"
    parts = sides(q)
    assert [s.label for s in parts] == ["nhóm thủ tục đất đai", "lĩnh vực thuế"]
    assert "thuế" not in parts[0].analysis.text and "đất đai" not in parts[1].analysis.text
    assert all(s.analysis.intent == "single" and s.by == "item" for s in parts)
    # One place, one measure: nothing to compare.
    assert sides(analyse("Tỷ lệ hồ sơ trực tuyến ở tỉnh Lào Cai năm 2023 là bao nhiêu?")) == []


def test_an_item_sides_figure_is_the_one_its_statement_gives_it():
    from assistant.answering.sides import item_figure, names_side

    q = analyse("Chi phí trực tiếp chiếm bao nhiêu phần trăm ở nhóm thủ tục đất đai và ở lĩnh vực thuế?")
    land, tax = sides(q)
    statement = "Chi phí trực tiếp của nhóm thủ tục đất đai chiếm 71 %, tương tự lĩnh vực thuế 48 %, lĩnh vực hải quan 52 %."
    assert names_side(tax, statement) and not names_side(tax, "Nhóm thủ tục đất đai chiếm 71 % chi phí.")
    assert item_figure(land, statement) == "71 %"
    assert item_figure(tax, statement) == "48 %"
    assert (
        item_figure(tax, "Lĩnh vực thuế được nêu trong báo cáo năm nay, còn chi phí chung chiếm 52 %.")
        is None
    )


def test_a_time_limit_leads_with_its_unit():
    sentence = "Thời hạn giải quyết: 07 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ."
    assert _lead("Thời hạn giải quyết thủ tục cấp phép là bao lâu?", sentence) == "07 ngày làm việc"
    assert (
        _lead("Năm 2023 tỉnh tiếp nhận bao nhiêu hồ sơ?", "Năm 2023 tỉnh tiếp nhận 12.500 hồ sơ.") == "12.500"
    )


def test_a_trend_over_a_range_asks_the_years_between_and_a_list_of_years_is_a_trend():
    q = analyse("Tỷ lệ hồ sơ trực tuyến của tỉnh Điện Biên thay đổi thế nào từ năm 2020 đến năm 2022?")
    assert [s.analysis.years for s in sides(q)] == [{2022}, {2021}, {2020}]
    listed = analyse("Tỷ lệ hồ sơ trực tuyến của tỉnh Điện Biên các năm 2020, 2021, 2022 là bao nhiêu?")
    assert listed.intent == "trend" and len(sides(listed)) == 3


def test_a_long_follow_up_is_shown_as_one_short_line():
    from assistant.answering.compose import MAX_UNDERSTOOD_CHARS, understood
    from assistant.prompts import load as load_prompts

    line = understood(load_prompts("extractive", "vi"), "Còn tỷ lệ hồ sơ trực tuyến " * 200)
    assert line.endswith("…_\n\n") and len(line) < MAX_UNDERSTOOD_CHARS + 60
    assert understood(load_prompts("extractive", "vi"), None) == ""


def test_an_article_asked_by_its_number_is_the_answer():
    q = analyse("Nguyên tắc công khai thủ tục hành chính được quy định tại điều mấy của nghị định?")
    assert q.profile.kind == "part"
    sentence = "Điều 4. Nguyên tắc công khai: thủ tục hành chính phải được công khai đầy đủ, kịp thời."
    assert (
        _lead("Nguyên tắc công khai thủ tục hành chính được quy định tại điều mấy của nghị định?", sentence)
        == "Điều 4"
    )
    # A part the question names itself is no answer.
    assert (
        _lead("Khoản 2 Điều 4 được dẫn chiếu tại điều nào?", "Khoản 2 Điều 4 được dẫn chiếu tại Điều 9.")
        == "Điều 9"
    )


def test_a_document_that_never_names_the_measure_asked_gives_no_answer_without_a_figure():
    from assistant.answering.decline import unnamed_metric

    q = analyse("Năm nay sở đã đưa bao nhiêu thủ tục lên dịch vụ công trực tuyến toàn trình?")
    text = "Năm nay sở đã rà soát, đánh giá 120 thủ tục thuộc các lĩnh vực tài chính, xây dựng."
    refusal = unnamed_metric(q, "Tin cải cách", text, None)
    assert refusal is not None and refusal.reason == "metric"
    # A figure that led stays; a document that names the measure, anywhere, stays.
    assert unnamed_metric(q, "Tin cải cách", text, "120") is None
    named = text + " Cuối năm, 85 thủ tục được cung cấp trực tuyến toàn trình."
    assert unnamed_metric(q, "Tin cải cách", named, None) is None


def test_a_headline_figure_takes_the_vietnamese_decimal_comma():
    # A table cell written "22.3%" is shown "22,3%" in a Vietnamese headline (a thousands dot is
    # followed by three digits, so this dot is a decimal point); an English headline keeps it.
    from assistant.answering.compose import headline_figure

    assert headline_figure("18.7%", "vi") == "18,7%"
    assert headline_figure("6.25 điểm", "vi") == "6,25 điểm"
    assert headline_figure("18.7%", "en") == "18.7%"
    assert headline_figure("4.512 hồ sơ", "vi") == "4.512 hồ sơ"  # thousands
    assert headline_figure("1.204.300", "vi") == "1.204.300"
    assert headline_figure("41,8%", "vi") == "41,8%"


def test_a_bullet_under_a_targets_lead_in_is_a_target_and_a_result_asked_is_declined():
    from assistant.answering.decline import Declines
    from assistant.index.records import StoredChunk
    from assistant.index.sentences import statement_spans

    text = "Mục tiêu của tỉnh Lạng Sơn đến hết năm 2026: - 100% biểu mẫu được điện tử hóa. - Cung cấp 54/54 dịch vụ công thiết yếu."
    chunk = StoredChunk(
        "c", "d", 0, 0, len(text), text, "Tỉnh Lạng Sơn đẩy mạnh chuyển đổi số", None, "2025-03-01", None
    )
    bullet = statement_spans(text)[-1]
    q = analyse("Lạng Sơn hiện đã cung cấp được bao nhiêu dịch vụ công thiết yếu?")
    assert q.wants == "achieved"
    refusal = Declines(q, lambda _: text)(chunk, bullet)
    assert refusal is not None and refusal.reason == "target"
    # Asked for the target, the same bullet answers.
    assert (
        Declines(analyse("Lạng Sơn đặt mục tiêu cung cấp bao nhiêu dịch vụ công thiết yếu?"), lambda _: text)(
            chunk, bullet
        )
        is None
    )
