"""Which figure of a sentence leads: the one stated of the unit asked, where ministry-level
bodies written in lower case are units of their own and the measure may be named only in the
passage before. Examples are written from general reform phrasing with made-up figures."""

from __future__ import annotations

from assistant.answering.analysis import analyse
from assistant.answering.lead import lead_figure
from assistant.index.numbers import values_in
from assistant.index.units import ministry_keys, units_at


def _lead(question: str, sentence: str, context: str = "") -> str | None:
    q = analyse(question)
    return lead_figure(sentence, 0, len(sentence), q, values_in(question), "", context)


def test_a_ministry_level_body_written_in_lower_case_is_a_unit():
    assert "ngan hang nha nuoc" in ministry_keys("Ngân hàng nhà nước Việt Nam đạt 80,1 điểm")
    names = [u.name for u in units_at("tiếp theo là Bộ Nội vụ với 82,4%, Văn phòng chính phủ với 81,9%")]
    assert names == ["Bộ Nội vụ", "Văn phòng chính phủ"]


def test_the_figure_stated_of_the_unit_asked_leads_among_equals():
    q = "Chỉ số CCHC năm 2021 của Bộ Tư pháp đạt bao nhiêu?"
    sentence = (
        "Văn phòng chính phủ đạt chỉ số CCHC năm 2021 cao nhất với 91,02; "
        "tiếp theo là Bộ Tư pháp đạt 90,35; Bộ Xây dựng đạt 88,12."
    )
    assert _lead(q, sentence) == "90,35"


def test_a_measure_named_only_before_the_sentence_leads_only_with_the_unit_asked():
    q = "Chỉ số CCHC năm 2021 của Bộ Tư pháp đạt bao nhiêu?"
    sentence = (
        "Năm 2021, có 4 bộ đạt trên 85%, trong đó Bộ Xây dựng đạt 88,1%, tiếp theo là Bộ Tư pháp với 87,4%."
    )
    assert _lead(q, sentence) is None  # nothing says these are index scores
    assert _lead(q, sentence, "Kết quả chỉ số CCHC năm 2021 của các bộ.") == "87,4%"
    # Without a unit asked, a measure named before is no licence to pick among a sentence's figures.
    q2 = "Theo chỉ số cải cách hành chính 2021, bao nhiêu phần trăm bộ đạt trên 85 điểm?"
    assert (
        _lead(q2, "Có 21% số bộ đạt trên 85 điểm, 15% đạt dưới 80 điểm.", "Chỉ số cải cách hành chính 2021")
        is None
    )


def test_a_share_of_the_figure_before_it_does_not_lead_where_no_share_was_asked():
    sentence = "Năm 2022, tỉnh Nam Định thu ngân sách hơn 3.200 tỷ đồng, chiếm 41,5% tổng thu của vùng."
    assert _lead("Năm 2022 tỉnh Nam Định thu ngân sách bao nhiêu?", sentence) == "3.200 tỷ"
    assert (
        _lead(
            "Năm 2022 thu ngân sách của tỉnh Nam Định chiếm bao nhiêu phần trăm tổng thu của vùng?", sentence
        )
        == "41,5%"
    )


def test_either_counted_noun_of_a_question_may_follow_the_figure():
    from assistant.answering.question import profile

    prof = profile("Tỉnh có bao nhiêu thủ tục/dịch vụ công được cung cấp trực tuyến một phần?")
    assert prof.unit == ("thu", "tuc") and set(prof.counted) == {"thu", "tuc", "dich", "vu", "dvctt", "dvc"}
    sentence = "Tỉnh Ninh Thuận đã công bố 610 DVCTT toàn trình, 402 DVCTT một phần."
    assert (
        _lead("Năm 2024, Ninh Thuận có bao nhiêu thủ tục/dịch vụ công trực tuyến một phần?", sentence)
        == "402"
    )


def test_a_target_named_as_what_an_action_serves_makes_no_target():
    from assistant.index.facets import kind_of

    assert (
        kind_of(
            "Nhằm cụ thể hóa mục tiêu này, UBND tỉnh đã ban hành nhiều kế hoạch; công bố 610 DVCTT toàn trình"
        )
        != "target"
    )
    assert kind_of("Để thực hiện mục tiêu này, tỉnh phấn đấu 90% hồ sơ được số hóa") == "target"
    assert kind_of("Tỉnh đặt mục tiêu 90% hồ sơ trực tuyến") == "target"


def test_a_dates_day_and_month_and_a_pair_across_a_name_are_no_terms():
    from assistant.answering.question import profile

    terms = profile(
        "Từ 16/11/2023 đến 15/12/2023, Bộ phận một cửa ở Thái Bình tiếp nhận bao nhiêu hồ sơ?"
    ).terms
    assert "16" not in terms and "11" not in terms and "2023" in terms
    assert "binh_tiep" not in terms and "thai_binh" in terms and "tiep_nhan" in terms


def test_a_question_citing_a_document_is_answered_from_that_document():
    from assistant.answering.extractive import ExtractiveAnswerer
    from assistant.index.keywords import KeywordIndex, tokenize
    from assistant.index.records import StoredChunk
    from assistant.retrieval import Hit

    texts = {
        "other": "Năm 2023, tỉnh Phú Yên công bố 412 thủ tục hành chính thực hiện không phụ thuộc địa giới hành chính.",
        "cited": "Theo báo cáo, tỉnh Phú Yên đã công bố 389 thủ tục hành chính không phụ thuộc địa giới.",
    }
    titles = {"other": "Tin địa phương", "cited": "Công văn 415/UBND-KSTT về kết quả năm 2023"}
    index = KeywordIndex.build(list(texts), [tokenize(t) for t in texts.values()], 1)
    hits = [
        Hit(StoredChunk(k, k, 0, 0, len(t), t, titles[k], None, "2024-01-05", None), 1.0)
        for k, t in texts.items()
    ]
    q = analyse(
        "Theo Công văn 415/UBND-KSTT, năm 2023 tỉnh Phú Yên công bố bao nhiêu thủ tục hành chính thực hiện không phụ thuộc địa giới hành chính?"
    )
    best = ExtractiveAnswerer(min_support=0.2).select(q, hits, index)[0]
    assert best.chunk.doc_id == "cited" and best.figure == "389"


def test_respectively_pairs_units_with_figures_and_a_bracket_keeps_its_own_period():
    from assistant.answering.agreement import slots_of
    from assistant.index.figures import figures

    s = "Năm 2022, Lào Cai và Yên Bái được xếp hạng lần lượt thứ 4 (năm 2021 xếp thứ 9) và thứ 7, tăng nhiều bậc."
    got = {f.text: slots_of(s, f) for f in figures(s)}
    assert got["4"].unit == ("province", "lao_cai") and got["4"].year == 2022
    assert got["7"].unit == ("province", "yen_bai") and got["7"].year == 2022
    assert got["9"].year == 2021
    s2 = "Tỷ lệ hồ sơ trực tuyến của Lào Cai, Yên Bái và Hà Giang lần lượt là 45%, 38% và 52%."
    assert [slots_of(s2, f).unit[1] for f in figures(s2)] == ["lao_cai", "yen_bai", "ha_giang"]
    assert _lead("Năm 2022, Lào Cai xếp thứ mấy?", s) == "thứ 4"


def test_a_province_named_once_at_the_top_of_its_report_is_no_missing_word():
    # A portal's report names its province in its opening line only; a level's figure six
    # sentences on is still about that province: it covers the question at least as well as if the
    # name stood in the sentences just before it.
    from assistant.answering.extractive import ExtractiveAnswerer
    from assistant.index.keywords import KeywordIndex, tokenize
    from assistant.index.records import StoredChunk
    from assistant.retrieval import Hit

    body = (
        "Bộ phận một cửa các cấp đã tiếp nhận 9.870 hồ sơ trong quý. "
        "Các sở, ngành tiếp nhận 2.100 hồ sơ, phần lớn qua dịch vụ bưu chính công ích. "
        "Cấp huyện tiếp nhận 4.500 hồ sơ, giải quyết đúng hạn 98%. "
        "Việc số hóa hồ sơ, kết quả giải quyết được triển khai đồng bộ ở tất cả các đơn vị. "
        "{near}Nhiều đơn vị đã bố trí công chức hướng dẫn người dân nộp hồ sơ qua mạng. "
        "Ở cấp xã tiếp nhận 3.270 hồ sơ, trong đó 2.900 hồ sơ trực tuyến."
    )
    texts = {
        "top": "Sở Nội vụ tỉnh Lâm Đồng tổng kết công tác quý I. " + body.format(near=""),
        "near": "Sở Nội vụ tổng kết công tác quý I. "
        + body.format(near="Tỉnh Lâm Đồng đã rà soát quy trình. "),
    }
    # Other provinces' reports: the name asked is rare in the corpus, so it weighs much.
    for i, name in enumerate(["Nghệ An", "Sơn La", "Cà Mau", "Bến Tre", "Hà Nam", "Yên Bái"]):
        texts[f"filler{i}"] = f"Tỉnh {name} tiếp nhận {i + 1}.000 hồ sơ thủ tục hành chính trong quý."
    index = KeywordIndex.build(list(texts), [tokenize(t) for t in texts.values()], 1)
    q = analyse("Quý I, Bộ phận một cửa cấp xã ở Lâm Đồng tiếp nhận bao nhiêu hồ sơ?")
    coverage = {}
    for key in ("top", "near"):
        t = texts[key]
        hit = Hit(StoredChunk(key, key, 0, 0, len(t), t, "Kết quả quý I", None, "2024-04-05", None), 1.0)
        trace: list = []
        chosen = ExtractiveAnswerer(document_text=texts.get).select(q, [hit], index, trace=trace)
        assert chosen and "3.270" in t[chosen[0].sentence.start : chosen[0].sentence.end]
        coverage[key] = chosen[0].coverage
    assert coverage["top"] >= coverage["near"], coverage


def test_a_rate_of_a_measure_named_only_before_it_gives_way_to_one_naming_the_measure():
    # "Tỷ lệ TTHC trực tuyến toàn trình" asked: a paragraph opening on the measure and going on to
    # a rate of something else ("việc cung cấp … đạt tỷ lệ 60%") covers the words as well as the
    # statement of the measure itself, whose sentence names it; the latter leads.
    from assistant.answering.extractive import ExtractiveAnswerer

    from .passages import keyword_hits

    texts = {
        "after": "Về dịch vụ công trực tuyến toàn trình, tỉnh Ninh Thuận đã rà soát, tái cấu trúc quy trình "
        "cho các thủ tục hành chính. Đến nay, việc cung cấp dịch vụ công trực tuyến của tỉnh đạt tỷ lệ 60%.",
        "own": "Đến nay, tỉnh Ninh Thuận có 812 thủ tục hành chính trực tuyến toàn trình trên Cổng dịch vụ "
        "công, đạt 41,6%.",
    }
    for i, name in enumerate(["Nghệ An", "Sơn La", "Cà Mau", "Bến Tre"]):
        texts[f"filler{i}"] = f"Tỉnh {name} tiếp nhận {i + 1}.000 hồ sơ thủ tục hành chính trong quý."
    hits, index = keyword_hits(texts, "Kết quả cải cách hành chính", "2024-04-05")
    hits = [h for h in hits if h.chunk.doc_id in ("after", "own")]  # the fillers only weigh the words
    q = analyse(
        "Tỷ lệ thủ tục hành chính được cung cấp dịch vụ công trực tuyến toàn trình của tỉnh Ninh Thuận là bao nhiêu?"
    )
    best = ExtractiveAnswerer(document_text=texts.get).select(q, hits, index)[0]
    assert best.chunk.doc_id == "own" and best.figure == "41,6%"


def test_a_dash_range_leads_whole_and_a_year_before_a_dash_is_no_end_of_it():
    q = "Kế hoạch đặt mục tiêu tỷ lệ hồ sơ trực tuyến là bao nhiêu?"
    assert _lead(q, "Kế hoạch đặt mục tiêu tỷ lệ hồ sơ trực tuyến đạt 40 - 45% trong năm.") == "40 - 45%"
    assert _lead(q, "Kế hoạch đặt mục tiêu tỷ lệ hồ sơ trực tuyến đạt 40%–45% trong năm.") == "40%–45%"
    assert _lead(q, "Kế hoạch giai đoạn 2021 - 45% hồ sơ trực tuyến.") == "45%"
    # "tăng từ 11% lên 55%", "từ 11% đến 55%": a change as often as a range, not read as one.
    assert _lead(q, "Kế hoạch đặt mục tiêu tỷ lệ hồ sơ trực tuyến từ 40% đến 45%.") != "40% đến 45%"


def test_a_score_written_without_its_unit_leads_and_a_count_beside_it_does_not():
    q = "Năm 2022 huyện Mường Lát đạt bao nhiêu điểm chỉ số CCHC?"
    s = "Năm 2022, chỉ số CCHC của huyện Mường Lát đạt 88,42 đứng thứ 5 toàn tỉnh; SIPAS đạt 96%, xếp thứ 4/27."
    assert _lead(q, s) == "88,42"
    s = "Năm 2022, huyện Mường Lát có 21 xã được đánh giá, chỉ số CCHC đạt 88,42."
    assert _lead(q, s) == "88,42"
    assert _lead(q, "Năm 2022, chỉ số CCHC của huyện Mường Lát có 9 tiêu chí thành phần.") is None


def test_a_position_ranks_by_the_measure_its_clause_opened_with():
    s = "Năm 2023, chỉ số CCHC của huyện Mường Lát đạt 86,1 đứng thứ 6 toàn tỉnh; chỉ số SIPAS đạt 97%, xếp thứ 3/27."
    assert _lead("Năm 2023 huyện Mường Lát xếp thứ mấy về chỉ số CCHC?", s) == "thứ 6"
    assert _lead("Năm 2023 chỉ số SIPAS của huyện Mường Lát xếp thứ mấy?", s) == "thứ 3"


def test_a_date_question_is_led_by_the_one_full_date_the_sentence_adds():
    q = "Thông tư 05/2024 có hiệu lực từ ngày nào?"
    assert _lead(q, "Thông tư này có hiệu lực thi hành từ ngày 01/9/2024.") == "01/9/2024"
    assert _lead(q, "Thông tư ban hành ngày 15/7/2024, có hiệu lực từ ngày 01/9/2024.") is None  # two dates
    assert _lead("Bao giờ tỉnh khai trương trung tâm?", "Trung tâm đi vào hoạt động từ tháng 6.") is None


def test_an_amount_of_money_asked_is_led_by_a_figure_in_a_currency():
    q = "Mức phụ cấp cho công chức một cửa là bao nhiêu tiền mỗi tháng?"
    s = "Công chức làm việc tại bộ phận một cửa có 12 người, được hưởng phụ cấp 1,5 triệu đồng/tháng."
    assert _lead(q, s) == "1,5 triệu"


def test_a_position_or_a_multiple_answers_only_where_one_is_asked():
    s = "Năm 2023, chỉ số chuyển đổi số của tỉnh Sơn La tăng 12%, đứng thứ 4 khu vực, cao gấp 2,5 lần bình quân."
    assert _lead("Năm 2023 chỉ số chuyển đổi số của tỉnh Sơn La tăng bao nhiêu?", s) == "12%"
    assert _lead("Năm 2023 tỉnh Sơn La đứng thứ bao nhiêu khu vực về chỉ số chuyển đổi số?", s) == "thứ 4"
    assert _lead("Năm 2023 chỉ số chuyển đổi số của tỉnh Sơn La tăng gấp mấy lần bình quân?", s) == "2,5"


def test_a_side_opening_on_a_count_is_asked_as_one_and_a_name_ending_in_so_is_not():
    from assistant.answering.sides import sides

    got = sides(analyse("Chỉ số kinh tế số của tỉnh Sơn La năm 2022 và 2023 thay đổi thế nào?"))
    assert all("kinh tế số" in s.analysis.text and "bao nhiêu" not in s.analysis.text for s in got)


def test_one_levels_figure_does_not_lead_for_the_province_asked_without_a_level():
    s = "Ở cấp huyện, tỉnh Sơn La giải quyết đúng hạn 9.120 hồ sơ, đạt 91,2%."
    assert _lead("Tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Sơn La là bao nhiêu?", s) is None
    assert _lead("Tỷ lệ hồ sơ giải quyết đúng hạn ở cấp huyện của tỉnh Sơn La là bao nhiêu?", s) == "91,2%"
    whole = "Toàn tỉnh Sơn La giải quyết đúng hạn 20.450 hồ sơ, đạt 95,4%."
    assert _lead("Tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Sơn La là bao nhiêu?", whole) == "95,4%"


def test_a_sentence_that_tells_then_and_now_leads_with_the_time_asked():
    s = (
        "Năm 2020, tỷ lệ hồ sơ trực tuyến của tỉnh Lào Cai chỉ khoảng 8%, "
        "đến nay đã đạt 47%, cao hơn bình quân."
    )
    # No year asked (or "now"): the figure the sentence says was overtaken does not lead.
    assert _lead("Tỷ lệ hồ sơ trực tuyến của Lào Cai hiện nay là bao nhiêu?", s) == "47%"
    assert _lead("ty le ho so truc tuyen cua lao cai", s) == "47%"
    # The year asked: its own figure, never the one said to be of now.
    assert _lead("Tỷ lệ hồ sơ trực tuyến của Lào Cai năm 2020 là bao nhiêu?", s) == "8%"
    assert _lead("Tỷ lệ hồ sơ trực tuyến của Lào Cai năm 2019 là bao nhiêu?", s) is None
    # A year with no figure of its own before "đến nay" is the time of the report: its "now".
    s = "Trong quý I/2024, Ban Chỉ đạo đã họp 3 phiên. Đến nay, tỷ lệ hồ sơ được số hóa đạt 58,4%."
    assert _lead("Quý I/2024 tỷ lệ hồ sơ được số hóa đạt bao nhiêu?", s) == "58,4%"
    # A bare "nay" says what a unit belongs to now, not a time: the year before stays the figure's.
    from assistant.answering.agreement import slots_of
    from assistant.index.figures import figures

    s = "Năm 2020, tỷ lệ hồ sơ trực tuyến của huyện Mường Khương (nay thuộc xã mới) đạt 31%."
    slots = slots_of(s, figures(s)[-1])
    assert (slots.year, slots.later_than, slots.superseded) == (2020, None, False)


def test_a_document_asked_of_a_unit_is_one_its_sentence_or_document_names_that_unit_for():
    q = "Văn bản nào phê duyệt phương án đơn giản hóa TTHC thuộc Bộ Tài chính?"
    decision = (
        "Quyết định 2310/QĐ-TTg phê duyệt phương án đơn giản hóa TTHC thuộc phạm vi quản lý của Bộ Tài chính."
    )
    assert _lead(q, decision) == "Quyết định 2310/QĐ-TTg"
    # A province's own plan: named of the province, or in a document about it that never names the ministry.
    assert _lead(q, "Kế hoạch 145 của UBND tỉnh Lạng Sơn đặt ra yêu cầu đơn giản hóa thủ tục.") is None
    plan = "Kế hoạch 145 đặt ra yêu cầu đơn giản hóa thủ tục."
    assert _lead(q, plan, "Tỉnh Lạng Sơn đẩy mạnh cải cách hành chính") is None
    assert _lead("Văn bản nào đặt ra yêu cầu đơn giản hóa thủ tục?", plan, "Tỉnh Lạng Sơn") == "Kế hoạch 145"


def test_a_figure_is_overtaken_only_by_a_later_figure_of_its_own_measure():
    from assistant.answering.agreement import slots_of
    from assistant.index.figures import figures

    s = "Năm 2023, tỷ lệ hồ sơ trực tuyến của tỉnh đạt 45%; hiện nay có 30% TTHC được cung cấp toàn trình."
    assert not slots_of(s, figures(s)[0]).superseded
    s = "Năm 2023, tỷ lệ hồ sơ trực tuyến của tỉnh đạt 45%; hiện nay là 61%."
    assert slots_of(s, figures(s)[0]).superseded


def test_a_share_of_gdp_is_not_led_by_a_growth_rate():
    q = "Tỷ trọng kinh tế số trong GDP của Việt Nam năm 2021 là bao nhiêu?"
    assert _lead(q, "Năm 2021, kinh tế số Việt Nam tăng trưởng 31%, cao gấp 4 lần GDP.") is None
    assert _lead(q, "Năm 2021, tỷ trọng kinh tế số trong GDP Việt Nam đạt 12,7%.") == "12,7%"
    assert (
        _lead(
            "What was the digital economy's share of GDP in 2021?",
            "Năm 2021, tỷ trọng kinh tế số trong GDP Việt Nam đạt 12,7%.",
        )
        == "12,7%"
    )


def test_a_figures_own_unit_or_level_may_follow_it_and_an_acts_date_is_no_period():
    from assistant.answering.figures import asked_values

    s = "Nghị quyết cho phép tăng 3 Phó Chủ tịch tỉnh Lạng Sơn (tối đa 5), tăng 1 Phó Chủ tịch tỉnh Cao Bằng (tối đa 4)."
    q = "Nghị quyết (3/2025) cho phép tỉnh Cao Bằng tăng thêm bao nhiêu Phó Chủ tịch?"
    # The date in the question does not rule out the figure 3; the unit after each figure is its own.
    assert 3 not in asked_values(q) and _lead(q, s) == "1"
    assert _lead("Tỉnh Lạng Sơn được tăng thêm bao nhiêu Phó Chủ tịch?", s) == "3"
    s = (
        "Đến nay, hoàn thành tích hợp 9/12 dịch vụ theo Quyết định 315, ngày 2.3.2021 của Thủ tướng; "
        "41/63 địa phương và 12/21 bộ, ngành thực hiện hợp nhất cổng dịch vụ công."
    )
    q = "Tháng 9/2024, có bao nhiêu bộ, ngành đã hợp nhất cổng dịch vụ công?"
    assert _lead(q, s) == "12/21"  # counted with its total; not the localities'; 2021 is no period of it


def test_a_figure_that_counts_months_is_no_count_of_what_was_asked():
    s = "Trong 6 tháng đầu năm 2024, các bộ, ngành đã ban hành kế hoạch cải cách hành chính."
    assert _lead("Có bao nhiêu bộ, ngành đã ban hành kế hoạch cải cách hành chính?", s) is None
    assert _lead("Trong bao nhiêu tháng các bộ đã ban hành kế hoạch?", s) == "6 tháng"


def test_a_year_question_is_led_by_the_year_of_the_stage_it_asks_about():
    q = "Theo lộ trình, ứng dụng đặt lịch hẹn sẽ được mở rộng tới các trạm y tế phường từ năm nào?"
    staged = (
        "Năm 2021 , ứng dụng đặt lịch hẹn sẽ áp dụng tại tất cả bệnh viện tuyến tỉnh và đến năm 2022 "
        "sẽ được mở rộng tới các trạm y tế phường ."
    )
    assert _lead(q, staged) == "năm 2022"
    assert _lead(q, "Từ năm 2023, ứng dụng được mở rộng tới các trạm y tế phường.") == "năm 2023"
    # Two years of one statement are no stages; a year inside a date or a document number is none.
    assert _lead(q, "Năm 2021 và năm 2022, ứng dụng mở rộng tới trạm y tế phường.") is None
    assert _lead(q, "Ngày 4/7/2021, UBND ban hành Quyết định 12/2021/QĐ-UBND về ứng dụng.") is None
    # The one year a sentence states dates what its own clause says, not what was asked.
    assert _lead(q, "Sau đó, vào năm 2024, một cổng thanh toán khác được thử nghiệm.") is None
    # Year last: a stage runs back to the year before ("A vào năm X, B và C vào năm Y").
    joined = "Cổng dịch vụ công được kết nối với Hưng Yên vào năm 2019, Bắc Ninh và Hải Dương vào năm 2020."
    assert _lead("Cổng dịch vụ công được kết nối với Hải Dương vào năm nào?", joined) == "năm 2020"
    # A value the question states ("đứng thứ 2") is in the stage that answers; a semicolon ends one.
    ranked = "đứng thứ 2 toàn tỉnh về chỉ số cải cách hành chính vào năm nào?"
    third = "Năm 2021, chỉ số cải cách hành chính huyện này đạt 90,1 điểm, đứng thứ 3 toàn tỉnh; chỉ số hài lòng xếp thứ 2/13."
    assert _lead("Huyện Mỹ Lộc " + ranked, third) is None
    assert (
        _lead(
            "Huyện Mỹ Lộc " + ranked, "Năm 2022, chỉ số cải cách hành chính huyện này đứng thứ 2 toàn tỉnh."
        )
        == "Năm 2022"
    )
    # A photo caption quoted before the statement is no part of its stage.
    captioned = "Người dân nộp hồ sơ tại bộ phận một cửa huyện Mỹ Lộc.\n" + third
    assert (
        _lead("Huyện Mỹ Lộc đứng thứ 3 toàn tỉnh về chỉ số cải cách hành chính vào năm nào?", captioned)
        == "Năm 2021"
    )
    # The number of a document the question cites is no value the stage must state.
    plan = "Theo Kế hoạch 315/KH-UBND, ứng dụng được mở rộng tới các trạm y tế phường từ năm nào?"
    assert _lead(plan, "Từ năm 2023, ứng dụng được mở rộng tới các trạm y tế phường.") == "năm 2023"
    # A day is asked by "ngày nào": a year alone does not answer it.
    assert (
        _lead(
            "Ứng dụng được mở rộng tới trạm y tế phường từ ngày nào?", "Từ năm 2023, ứng dụng được mở rộng."
        )
        is None
    )


def test_a_change_asked_from_and_to_is_led_by_the_change_the_clause_tells():
    q = "Tỷ lệ hộ gia đình nộp thuế qua điện thoại đã tăng từ mức nào lên mức nào?"
    s = "Theo khảo sát, tỷ lệ hộ gia đình nộp thuế qua điện thoại đã tăng từ 18 % lên 42 % sau hai năm ."
    assert _lead(q, s) == "từ 18 % lên 42 %"
    # Two changes in one sentence: which one is a guess.
    two = (
        "Số hồ sơ tăng từ 1.200 lên 3.400 , tỷ lệ hộ nộp qua điện thoại tăng từ 10% lên 30% và từ 5% lên 9%."
    )
    assert _lead(q, two) is None
    assert _lead(q, "Tỷ lệ hộ gia đình nộp thuế qua điện thoại đạt 42 %.") is None


def test_the_source_a_question_cites_is_read_on_the_whole_document():
    from assistant.answering.analysis import source_terms
    from assistant.answering.extractive import ExtractiveAnswerer
    from tests.unit.passages import keyword_hits

    assert {"khao_sat", "hiep_hoi"} <= source_terms("Theo khảo sát của Hiệp hội Taxi, tỷ lệ … là bao nhiêu?")
    assert "report" in source_terms("According to the 2021 survey report, how many …?")
    assert source_terms("Tỷ lệ hồ sơ trực tuyến của tỉnh là bao nhiêu?") == frozenset()
    # The article names its source in its first paragraph and quotes the figure five sentences on.
    text = (
        "Hội nghị về chuyển đổi số ngành vận tải diễn ra tại Cần Thơ. "
        "Khảo sát của Hiệp hội Taxi đối với 40 doanh nghiệp được trình bày tại hội nghị. "
        "Các đại biểu thảo luận về hạ tầng dữ liệu. Nhiều ý kiến nêu khó khăn về vốn. "
        "Một số địa phương đã có mô hình tốt. Ban tổ chức cảm ơn các nhà tài trợ. "
        "Tỷ lệ chuyến xe đặt qua ứng dụng đạt 64 % trong năm qua."
    )
    hits, index = keyword_hits(
        {"report": text, "other": "Tỷ lệ đặt vé qua ứng dụng của hành khách đạt 30 %."}
    )
    asked = "Theo khảo sát của Hiệp hội Taxi tại hội nghị, tỷ lệ chuyến xe đặt qua ứng dụng là bao nhiêu?"
    q = analyse(asked)
    assert q.source

    def coverage(document_text) -> float:
        trace: list = []
        ExtractiveAnswerer(min_support=0.0, document_text=document_text).select(q, hits, index, trace=trace)
        return next(e.coverage for e in trace if "64 %" in e.chunk.text[e.sentence.start : e.sentence.end])

    # The source's terms, found only far back in its document, count (less than in the sentence);
    # without the document's text to read, they are missing.
    assert coverage(None) < coverage({"report": text}.get) < 1


def test_a_growth_question_is_not_led_by_a_share_of_the_whole():
    share = "Bộ ước tính tỉ trọng thương mại điện tử trong GDP năm 2022 đạt 7,2% và năm 2023 là 8,1%."
    grew = "Năm 2023, thương mại điện tử tăng trưởng 25%, cao gấp 4 lần GDP."
    for q in (
        "How fast did e-commerce grow in 2023?",
        "Thương mại điện tử năm 2023 tăng trưởng bao nhiêu phần trăm?",
    ):
        assert _lead(q, share) is None
        assert _lead(q, grew) == "25%"
    assert _lead("Tỷ trọng thương mại điện tử trong GDP năm 2023 là bao nhiêu?", share) == "8,1%"


def test_procedures_offered_online_are_counted_as_services_too():
    s = "Tỉnh đã phê duyệt danh mục, công bố 615 DVCTT toàn trình, 402 DVCTT một phần."
    assert _lead("Tỉnh Lạng Sơn có bao nhiêu TTHC được cung cấp trực tuyến toàn trình?", s) == "615"
    # Procedures asked without the online service: a count of services is no count of them.
    assert _lead("Tỉnh Lạng Sơn có bao nhiêu TTHC thuộc thẩm quyền cấp xã?", s) is None


def test_an_english_question_about_a_monthly_allowance_asks_an_amount():
    from assistant.answering.question import profile
    from assistant.index.glossary import expansions

    assert profile("What is the monthly allowance for commune-level officials?").kind == "number"
    assert profile("What support did the province give to small firms?").kind != "number"
    got = expansions("How much is the monthly support for full-time officials?")
    assert {"mức hỗ trợ", "hằng tháng", "chuyên trách"} <= set(got)
