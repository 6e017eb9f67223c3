"""Comparisons of units and trends over years: each side asked as its own single-figure question, the counts
compared where a share is not stated for every side, and the line that says which side is
higher. Examples are written from general reform phrasing with made-up figures."""

from __future__ import annotations

from assistant.answering.analysis import analyse
from assistant.answering.combine import Row, verdict
from assistant.answering.extractive import Evidence
from assistant.answering.sides import as_count, sides
from assistant.index.records import StoredChunk
from assistant.index.sentences import Span
from assistant.prompts import load as load_prompts


def _row(label: str, quote: str, figure: str, published: str | None = "2024-03-01") -> Row:
    chunk = StoredChunk(label, label, 0, 0, len(quote), quote, "Báo cáo", None, published, None)
    return Row(label, Evidence(chunk, 1, Span(0, len(quote)), 1.0, 1.0, quote=quote, figure=figure))


def test_the_words_that_ask_which_side_wins_are_no_words_of_a_side():
    for question in (
        "Giữa Lạng Sơn và Cao Bằng, tỉnh nào có nhiều hồ sơ trực tuyến hơn?",
        "Tỉnh nào có tỷ lệ hồ sơ trực tuyến cao hơn: Lạng Sơn hay Cao Bằng?",
    ):
        got = sides(analyse(question))
        assert [s.label for s in got] == ["Lạng Sơn", "Cao Bằng"], question
        for side in got:
            words = side.analysis.text.lower().replace("?", " ").replace(",", " ").split()
            assert not {"giữa", "nào", "hơn", "hay"} & set(words), side.analysis.text
            assert "hồ sơ trực tuyến" in side.analysis.text


def test_a_side_asked_for_its_count_has_no_share_words():
    side = sides(analyse("So sánh tỷ lệ thủ tục trực tuyến toàn trình của Lạng Sơn và Cao Bằng"))[0]
    assert side.analysis.profile.wants_percent
    counted = as_count(side)
    assert not counted.analysis.profile.wants_percent
    assert "tỷ lệ" not in counted.analysis.text and "thủ tục trực tuyến toàn trình" in counted.analysis.text
    assert counted.label == side.label


def test_the_verdict_names_the_higher_share_or_the_lower_when_asked():
    vi = load_prompts("extractive", "vi")
    rows = [
        _row("Lạng Sơn", "Tỷ lệ hồ sơ trực tuyến đạt 41,2%.", "41,2%"),
        _row("Cao Bằng", "Tỷ lệ hồ sơ trực tuyến đạt 56,8%.", "56,8%"),
    ]
    high = verdict(rows, "Tỉnh nào có tỷ lệ hồ sơ trực tuyến cao hơn?", vi, "vi")
    assert high is not None and high.startswith("**Cao Bằng: 56,8%** — cao hơn Lạng Sơn (41,2%)")
    low = verdict(rows, "Tỉnh nào có tỷ lệ hồ sơ trực tuyến thấp hơn?", vi, "vi")
    assert low is not None and low.startswith("**Lạng Sơn: 41,2%** — thấp hơn Cao Bằng (56,8%)")
    assert "thời điểm khác nhau" not in high  # both documents of one year


def test_scores_out_of_a_maximum_are_higher_or_lower_and_lead_without_their_maximum():
    vi = load_prompts("extractive", "vi")
    rows = [
        _row("Lạng Sơn", "Theo Bộ chỉ số 766, tỉnh Lạng Sơn đạt 74,12/100 điểm.", "74,12"),
        _row("Cao Bằng", "Theo Bộ chỉ số 766, tỉnh Cao Bằng đạt 69,5/100 điểm.", "69,5"),
    ]
    got = verdict(rows, "Lạng Sơn hay Cao Bằng có điểm Bộ chỉ số 766 cao hơn?", vi, "vi")
    assert got is not None and got.startswith("**Lạng Sơn: 74,12** — cao hơn Cao Bằng (69,5)")
    from assistant.answering.lead import lead_figure
    from assistant.index.numbers import values_in

    q = sides(analyse("Lạng Sơn hay Cao Bằng có điểm về chất lượng phục vụ người dân cao hơn?"))[0].analysis
    s = "Theo kết quả xếp hạng Bộ chỉ số 766, tính đến ngày 15/3/2025, tỉnh Lạng Sơn đạt 74,12/100 điểm."
    # Not "766" (the index's own name), not "100" (the score it is out of).
    assert lead_figure(s, 0, len(s), q, values_in(q.text)) == "74,12"


def test_counts_are_more_or_fewer_and_thousands_dots_are_read_as_such():
    en = load_prompts("extractive", "en")
    rows = [
        _row("Lạng Sơn", "Tỉnh tiếp nhận 1.250 hồ sơ trực tuyến.", "1.250", "2023-12-20"),
        _row("Cao Bằng", "Tỉnh tiếp nhận 980 hồ sơ trực tuyến.", "980", "2024-12-20"),
        _row("Bắc Kạn", "Tỉnh tiếp nhận 1.075 hồ sơ trực tuyến.", "1.075", "2024-12-20"),
    ]
    got = verdict(rows, "Which province received fewer online dossiers?", en, "en")
    assert got is not None and got.startswith("**Cao Bằng: 980** — the fewest of the units compared")
    assert "different dates" in got  # documents of 2023 and 2024


def test_procedures_and_the_online_services_that_carry_them_are_one_count():
    vi = load_prompts("extractive", "vi")
    rows = [
        _row("Lạng Sơn", "Tỉnh công bố 845 DVCTT toàn trình.", "845"),
        _row("Cao Bằng", "Tỉnh có 912 TTHC cung cấp DVC trực tuyến toàn trình.", "912"),
    ]
    got = verdict(rows, "Tỉnh nào có nhiều thủ tục trực tuyến toàn trình hơn?", vi, "vi")
    assert got is not None and got.startswith("**Cao Bằng: 912** — nhiều hơn Lạng Sơn (845)")
    rows[0] = _row("Lạng Sơn", "Tỉnh tiếp nhận 845 hồ sơ trực tuyến toàn trình.", "845")
    assert verdict(rows, "Tỉnh nào nhiều hơn?", vi, "vi") is None  # dossiers are no procedures


def test_no_verdict_over_a_missing_row_figures_of_two_kinds_or_counts_of_two_things():
    vi = load_prompts("extractive", "vi")
    q = "So sánh Lạng Sơn và Cao Bằng"
    share = _row("Lạng Sơn", "Tỷ lệ hồ sơ trực tuyến đạt 41,2%.", "41,2%")
    count = _row("Cao Bằng", "Tỉnh tiếp nhận 980 hồ sơ trực tuyến.", "980")
    other = _row("Cao Bằng", "Tỉnh công bố 980 thủ tục hành chính.", "980")
    assert verdict([share, count], q, vi, "vi") is None
    assert verdict([_row("Lạng Sơn", "Tỉnh tiếp nhận 1.250 hồ sơ.", "1.250"), other], q, vi, "vi") is None
    assert verdict([share, Row("Cao Bằng", None)], q, vi, "vi") is None
    assert verdict([share, _row("Cao Bằng", "Tỷ lệ đạt 41,2%.", "41,2%")], q, vi, "vi") is None  # a tie


# --- trends and ranks over years ------------------------------------------------------------


def test_years_listed_together_share_the_figure_after_them():
    from assistant.answering.agreement import agreement, slots_of
    from assistant.index.figures import figures

    s = "Năm 2019 tỉnh xếp thứ 12, năm 2020 thứ 8 và hai năm 2021, 2022 đều xếp thứ 5."
    got = {f.text: slots_of(s, f) for f in figures(s)}
    assert got["5"].years == (2021, 2022) and got["8"].years == ()
    for year in (2021, 2022):
        assert agreement(got["5"], analyse(f"Năm {year} tỉnh xếp thứ mấy?")).contradictions == 0
    assert agreement(got["5"], analyse("Năm 2020 tỉnh xếp thứ mấy?")).contradictions == 1


def test_a_position_asked_reads_no_counted_noun_and_leads_with_its_word():
    q = analyse("Năm 2021 tỉnh Sơn La đứng thứ mấy cả nước về chỉ số hài lòng?")
    assert q.profile.wants_rank and q.profile.unit == () and q.profile.counted == ()
    assert analyse("Thứ hạng chỉ số hài lòng của tỉnh Sơn La năm 2021 là bao nhiêu?").profile.wants_rank
    from assistant.answering.lead import lead_figure
    from assistant.index.numbers import values_in

    s = "Năm 2020 tỉnh Sơn La đứng thứ 21, năm 2021 đứng thứ 9 cả nước về chỉ số hài lòng."
    assert lead_figure(s, 0, len(s), q, values_in(q.text)) == "thứ 9"


def test_a_trend_side_asks_its_own_year_not_from_or_until_it():
    got = sides(analyse("Thứ hạng chỉ số hài lòng của tỉnh Sơn La thay đổi thế nào từ 2019 đến 2021?"))
    assert [s.analysis.years for s in got] == [{2021}, {2020}, {2019}]
    assert all("từ" not in s.analysis.text.split() and "đến" not in s.analysis.text.split() for s in got)
    assert all(s.analysis.profile.wants_rank for s in got)


def test_a_trend_side_over_a_list_of_years_keeps_no_trend_words():
    got = sides(analyse("Thứ hạng chỉ số hài lòng của tỉnh Yên Bái qua các năm 2019, 2020 và 2022 ra sao?"))
    assert [s.analysis.years for s in got] == [{2022}, {2020}, {2019}]
    assert all("qua các" not in s.analysis.text for s in got)


def test_a_change_told_in_one_clause_is_led_by_the_value_it_reached():
    from assistant.answering.lead import lead_figure
    from assistant.index.numbers import values_in

    rank = analyse("Năm 2022 tỉnh Yên Bái xếp thứ mấy về chỉ số hài lòng?")
    s = "Năm 2022, chỉ số hài lòng của tỉnh Yên Bái tụt từ thứ 8 xuống 19 cả nước."
    assert lead_figure(s, 0, len(s), rank, values_in(rank.text)) == "19"
    share = analyse("Tỷ lệ hồ sơ trực tuyến của tỉnh Yên Bái năm 2022 là bao nhiêu?")
    s = "Năm 2022, tỷ lệ hồ sơ trực tuyến của tỉnh Yên Bái tăng từ 42,5% lên 67,1%."
    assert lead_figure(s, 0, len(s), share, values_in(share.text)) == "67,1%"
    # A range ("từ 5 đến 7 ngày") and two figures side by side are no change.
    from assistant.answering.figures import changes
    from assistant.index.figures import figures

    for s in ("Thời gian giải quyết từ 5 đến 7 ngày làm việc.", "Tỉnh đạt 67,1%, cao hơn bình quân 42,5%."):
        assert changes(s, figures(s)) == {}
    s = "Số hồ sơ giảm từ 1.250 hồ sơ năm 2021 xuống còn 830 hồ sơ."
    assert [(figures(s)[i].text, figures(s)[j].text) for i, j in changes(s, figures(s)).items()] == [
        ("1.250", "830")
    ]


# --- two levels of one unit -----------------------------------------------------------------


def test_two_levels_set_side_by_side_are_compared_level_by_level():
    q = analyse("Số hồ sơ tiếp nhận ở cấp huyện so với cấp xã của tỉnh Sơn La?")
    assert q.intent == "comparison" and [u.name for u in q.units] == [
        "son_la"
    ]  # "cấp huyện" names no district
    got = sides(q)
    assert [s.label for s in got] == ["cấp huyện", "cấp xã"] and [s.by for s in got] == ["level", "level"]
    assert [s.analysis.levels for s in got] == [("district",), ("commune",)]
    assert "cấp xã" not in got[0].analysis.text and "cấp huyện" not in got[1].analysis.text
    # "số hồ sơ tiếp nhận" is asked as a count of dossiers received.
    assert got[0].analysis.profile.unit == ("ho", "so") and got[0].analysis.profile.lead == ("tiep", "nhan")


def test_each_level_side_is_led_by_its_own_clauses_figure():
    from assistant.answering.lead import lead_figure

    s = "Ở cấp huyện tiếp nhận 8.120 hồ sơ, (có 7.005 hồ sơ giải quyết đúng hạn, 3.410 hồ sơ được tiếp nhận và xử lý trực tuyến)."
    received, online = (
        sides(analyse(f"So sánh {what} giữa cấp huyện và cấp xã của tỉnh Sơn La"))[0].analysis
        for what in ("số hồ sơ tiếp nhận", "số hồ sơ trực tuyến")
    )
    assert lead_figure(s, 0, len(s), received, set()) == "8.120"
    assert lead_figure(s, 0, len(s), online, set()) == "3.410"


def test_english_levels_are_levels_not_units_named_level():
    q = analyse(
        "Which received more online dossiers in Son La in 2024: the district level or the commune level?"
    )
    assert [u.name for u in q.units] == ["son_la"] and q.intent == "comparison"
    got = sides(q)
    assert [s.label for s in got] == ["district level", "commune level"]
    assert all(" the?" not in s.analysis.text and "the the" not in s.analysis.text for s in got)


def test_undated_documents_get_no_note_of_different_dates():
    vi = load_prompts("extractive", "vi")
    rows = [
        _row("Lạng Sơn", "Tỷ lệ hồ sơ trực tuyến đạt 41,2%.", "41,2%", None),
        _row("Cao Bằng", "Tỷ lệ hồ sơ trực tuyến đạt 56,8%.", "56,8%", None),
    ]
    got = verdict(rows, "So sánh tỷ lệ hồ sơ trực tuyến của Lạng Sơn và Cao Bằng", vi, "vi")
    assert got is not None and "thời điểm khác nhau" not in got


def test_a_trend_rows_years_are_the_askers_words_not_figures_to_ground():
    from assistant.grounding import check

    answer = "| năm 2023 | — |\n\nKhông tìm thấy số liệu cho: năm 2021."
    # No citation is read: the only figures are the years the question asked for.
    assert not check(answer, [], store=None).ok  # type: ignore[arg-type]
    assert check(answer, [], store=None, asked=["năm 2023", "năm 2021"]).ok  # type: ignore[arg-type]
    assert not check(answer + " Tỷ lệ 45%.", [], store=None, asked=["năm 2023", "năm 2021"]).ok  # type: ignore[arg-type]


def test_which_level_ranks_the_levels_each_asked_on_its_own():
    q = analyse("Trong quý II/2024 ở tỉnh Yên Bái, cấp nào tiếp nhận nhiều hồ sơ trực tuyến nhất?")
    assert q.intent == "ranking"
    got = sides(q)
    assert [s.label for s in got] == ["cấp tỉnh", "cấp huyện", "cấp xã"] and {s.by for s in got} == {"level"}
    assert [s.analysis.levels for s in got] == [("province",), ("district",), ("commune",)]
    assert all("nhất" not in s.analysis.text and "bao nhiêu hồ sơ" in s.analysis.text for s in got)
    # A ranking that names its levels, or asks for units rather than levels, has no level sides.
    assert sides(analyse("Huyện nào của tỉnh Yên Bái tiếp nhận nhiều hồ sơ nhất?")) == []


def test_the_verdict_over_ranked_levels_names_the_end_asked():
    vi = load_prompts("extractive", "vi")
    rows = [
        _row("cấp tỉnh", "Cấp tỉnh tiếp nhận 5.120 hồ sơ.", "5.120"),
        _row("cấp huyện", "Cấp huyện tiếp nhận 18.300 hồ sơ.", "18.300"),
        _row("cấp xã", "Cấp xã tiếp nhận 9.410 hồ sơ.", "9.410"),
    ]
    most = verdict(rows, "Cấp nào tiếp nhận nhiều hồ sơ nhất?", vi, "vi", "level")
    assert most is not None and most.startswith("**cấp huyện: 18.300** — nhiều nhất trong các cấp")
    fewest = verdict(rows, "Cấp nào tiếp nhận ít hồ sơ nhất?", vi, "vi")
    assert fewest is not None and fewest.startswith("**cấp tỉnh: 5.120** — ít nhất")
