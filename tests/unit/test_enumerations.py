"""Lists and rankings answered by the statement that enumerates or ranks: what a list question
asks to enumerate, statements that enumerate it (named, counted, one item per statement),
quotes that keep a list's items and a pointing subject's antecedent, photo captions left out,
and the ranking end a statement names. Examples are written from general reform phrasing with
made-up names and figures; none comes from an evaluation set."""

from __future__ import annotations

from assistant.answering.analysis import analyse, list_item
from assistant.answering.cells import counts_other
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.passages import CAPTION, enumerates, with_antecedent, with_continuation
from assistant.answering.question import names_end
from assistant.answering.rank import enumerated, extreme
from assistant.index.keywords import KeywordIndex
from assistant.index.sentences import sentence_spans
from assistant.retrieval import Hit

from .passages import keyword_hits


def _hits(texts: dict[str, str]) -> tuple[list[Hit], KeywordIndex]:
    return keyword_hits(texts, "Tin cải cách hành chính", "2024-05-02")


def test_a_list_question_knows_what_it_asks_to_enumerate():
    assert list_item("Những huyện nào của tỉnh đã hoàn thành số hóa hồ sơ?") == "huyen"
    assert list_item("Tỉnh đã triển khai những dịch vụ công trực tuyến nào trong quý?") == "dich vu"
    assert list_item("nhung so nganh nao duoc khen thuong") == "so nganh"
    assert list_item("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?") is None
    assert analyse("Những mô hình sáng kiến cải cách hành chính nào được nhân rộng?").item == "mo hinh"
    # Eight words between "những" and "nào" are still one list question.
    assert analyse("Những mô hình cải cách hành chính cấp xã nào được khen?").intent == "list"
    assert analyse("Tỷ lệ hồ sơ trực tuyến của tỉnh là bao nhiêu?").item is None


def test_a_statement_enumerates_the_item_by_name_count_or_one_per_statement():
    assert enumerates("huyen", "Có 3 huyện được chọn thí điểm gồm huyện Ba Vì, Mỹ Đức và Ứng Hòa.")
    # A count needs no opening word.
    assert enumerates(
        "dich vu", "Quận triển khai 3 dịch vụ về cấp bản sao hộ tịch; cấp phép xây dựng; cấp phép quảng cáo."
    )
    # The count alone is no list: the names are what was asked.
    assert not enumerates("huyen", "Hệ thống được thí điểm ở 3 huyện và 9 xã của tỉnh.")
    # Opened here, the items follow one per statement.
    assert enumerates(
        "mo hinh",
        "Hai mô hình hay gồm mô hình một cửa di động ở xã Tân Lập.",
        "Thứ hai là mô hình trả kết quả tại nhà.",
    )
    assert not enumerates("mo hinh", "Tỉnh khen thưởng mô hình hay của năm.")


def test_a_list_told_one_item_per_statement_is_quoted_to_its_last_item():
    parts = [
        "Tỉnh chọn 5 mô hình hay gồm mô hình một cửa di động "
        + "phục vụ người dân vùng sâu, vùng xa " * 8
        + ".",
        "Thứ hai là mô hình trả kết quả tại nhà " + "qua dịch vụ bưu chính công ích trên địa bàn " * 3 + ".",
        "Mô hình thứ ba là tổng đài hỗ trợ " + "người dân nộp hồ sơ trực tuyến mọi lúc " * 3 + ".",
        "Mô hình thứ tư là ki-ốt tra cứu " + "tình trạng hồ sơ đặt tại các phường " * 3 + ".",
        "Cuối cùng là mô hình chữ ký số cho cán bộ cấp xã.",
        "Các sở phải báo cáo kết quả trước tháng 6.",
    ]
    text = " ".join(parts)
    assert len(text) > 900  # longer than any other composed quote may be
    first = sentence_spans(text)[0]
    got = with_continuation(text, first)
    assert text[got.start : got.end].endswith("chữ ký số cho cán bộ cấp xã.")


def test_a_statement_that_points_back_is_quoted_with_the_one_before():
    text = (
        "Huyện chọn làm trước ở hai lĩnh vực đất đai và hộ tịch. "
        "Đến nay, hai lĩnh vực này có tỷ lệ hồ sơ trực tuyến cao nhất huyện."
    )
    spans = sentence_spans(text)
    got = with_antecedent(text, spans[1])
    assert got.start == spans[0].start and got.end == spans[1].end
    plain = "Huyện có 40 thủ tục. Tỷ lệ hồ sơ trên môi trường mạng đạt 60%."
    assert with_antecedent(plain, sentence_spans(plain)[1]) == sentence_spans(plain)[1]


def test_photo_captions_report_nothing():
    assert CAPTION.search("Người dân làm thủ tục tại bộ phận một cửa huyện - Ảnh : MINH ANH")
    assert CAPTION.search("Cán bộ hướng dẫn người dân nộp hồ sơ trực tuyến (Ảnh: Thu Hà)")
    assert not CAPTION.search("Tỷ lệ hồ sơ trực tuyến của huyện đạt 71%, theo báo cáo của UBND huyện.")


def test_a_statement_naming_both_ends_names_the_one_asked():
    both = "Tỉnh có chỉ số hài lòng cao nhất là 96%, tỉnh thấp nhất là 68%."
    assert names_end(both, "high") and names_end(both, "low")
    assert not names_end("Chỉ số hài lòng bình quân đạt 80%.", "high")


def test_a_list_question_is_answered_by_the_statement_that_enumerates():
    texts = {
        # More of the question's words, and only a count of what was asked.
        "count": "Năm 2023, tỉnh thành lập tổ công tác và chọn 3 huyện thí điểm số hóa hồ sơ thủ tục hành chính.",
        "names": "Các huyện thí điểm số hóa hồ sơ gồm huyện Ba Vì, huyện Mỹ Đức và huyện Ứng Hòa.",
    }
    hits, index = _hits(texts)
    q = analyse("Năm 2023 tỉnh chọn những huyện nào thí điểm số hóa hồ sơ thủ tục hành chính?")
    assert q.intent == "list"
    best = ExtractiveAnswerer(min_support=0.2).select(q, hits, index)[0]
    assert best.chunk.doc_id == "names"


def test_a_ranking_question_is_answered_by_the_statement_that_names_the_end_asked():
    texts = {
        "intro": "Sáng nay, Sở Nội vụ công bố chỉ số CCHC năm 2023 của các sở, ban, ngành.",
        "bottom": "Xếp cuối bảng chỉ số CCHC năm 2023 là Sở Xây dựng.",
    }
    hits, index = _hits(texts)
    q = analyse("Sở nào xếp cuối bảng chỉ số CCHC năm 2023?")
    best = ExtractiveAnswerer(min_support=0.2).select(q, hits, index)[0]
    assert best.chunk.doc_id == "bottom"


def test_an_item_named_again_and_again_is_enumerated_and_a_numbered_reference_is_not():
    assert enumerates("dieu", "Việc này không được trái với quy định tại Điều 4 và Điều 12 của Luật.")
    assert enumerates("phan mem", "Tỉnh dùng nhiều phần mềm (ví dụ, phần mềm một cửa và phần mềm văn thư).")
    assert not enumerates(
        "dieu", "Trường hợp không tuân thủ khoản 1 Điều này thì cơ quan có thẩm quyền xử lý, buộc bồi thường."
    )
    assert CAPTION.search("Ông Trần Văn B (bên phải) hướng dẫn người dân nộp hồ sơ trực tuyến tại xã.")
    assert CAPTION.search("Phối cảnh trung tâm hành chính công của tỉnh, vốn đầu tư 300 tỷ đồng.")


def test_a_semicolon_list_keeps_commas_and_line_breaks_inside_its_items():
    # A decree's footnote, hard-wrapped as a PDF prints it: a name runs onto the next line and
    # another holds commas; the year in the lead-in is no item.
    sentence = (
        "Các sở có số hồ sơ phải bổ sung trong năm 2024 lớn như: Sở Tài\nnguyên và Môi trường 64 hồ sơ;"
        " Sở Xây dựng 41 hồ sơ; Sở Văn hóa, Thể thao và Du lịch 29 hồ sơ;\nSở Y tế 17 hồ sơ,..."
    )
    items = enumerated(sentence)
    assert [i.label for i in items] == [
        "Sở Tài nguyên và Môi trường",
        "Sở Xây dựng",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Sở Y tế",
    ]
    top = extreme(items, "high")
    assert top is not None and top.shown == "64 hồ sơ"  # the unit the list writes, verbatim
    bottom = extreme(items, "low")
    assert bottom is not None and bottom.label == "Sở Y tế"


def test_a_list_that_runs_on_into_a_list_of_rates_is_ranked_on_its_own_kind():
    sentence = (
        "Gồm: Huyện Đông 12 thủ tục; Huyện Tây 9 thủ tục; Huyện Nam 7 thủ tục. "
        "Tỷ lệ thấp: Huyện Bắc (41,5%); Huyện Trung (38,2%); Huyện Hạ (12%)."
    )
    items = enumerated(sentence)
    assert [i.shown for i in items] == ["12 thủ tục", "9 thủ tục", "7 thủ tục"]
    # Kinds interleaved item by item are no list to rank.
    assert enumerated("Huyện Đông 12 thủ tục; Huyện Tây 40%; Huyện Nam 7 thủ tục; Huyện Bắc 35%.") == []


def test_a_ranked_column_counts_what_its_header_starts_with():
    # "nhiều hồ sơ … nhất" counts hồ sơ: a column of procedures simplified through hồ sơ counts
    # procedures; "Số hồ sơ" and "Tỷ lệ hồ sơ" columns count or rate hồ sơ.
    counted = analyse("Sở nào phải bổ sung nhiều hồ sơ giấy nhất trong năm?").profile.ranked_count
    assert counted[:2] == ("ho", "so")
    assert counts_other("Thủ tục đã đơn giản hóa thông qua việc bổ sung hồ sơ giấy", counted)
    assert not counts_other("Số hồ sơ giấy phải bổ sung", counted)
    assert not counts_other("Tỷ lệ hồ sơ giấy (%)", counted)
    # An abbreviation in the header is the phrase the question writes out.
    law = analyse("Bộ nào sửa nhiều văn bản quy phạm pháp luật nhất?").profile.ranked_count
    assert not counts_other("Số VBQPPL cần sửa đổi", law)
    assert counts_other("TTHC được cắt giảm nhờ sửa đổi VBQPPL", law)


def test_a_which_question_that_asks_its_figure_too_is_answered_with_the_figure():
    # Both name the bottom of the ranking; only one gives the result the question asks for.
    texts = {
        "names": "Bộ xếp chót chỉ số CCHC năm 2023 với kết quả thấp nhất là Bộ Xây dựng.",
        "figure": (
            "Năm 2023, xếp vị trí cuối cùng là Bộ Xây dựng, có kết quả là 68,2%, giảm 3,1% "
            "so với kết quả của năm 2022."
        ),
    }
    hits, index = _hits(texts)
    q = analyse("Bộ nào xếp chót chỉ số CCHC năm 2023, với kết quả bao nhiêu?")
    assert q.profile.also_number
    assert not analyse("Bộ nào có tỷ lệ hồ sơ trực tuyến cao nhất?").profile.also_number
    best = ExtractiveAnswerer(min_support=0.2).select(q, hits, index)[0]
    assert best.chunk.doc_id == "figure"  # and "so với kết quả của năm 2022" is no other year


def test_the_year_a_figure_is_compared_with_is_not_its_own():
    from assistant.answering.extractive import _subject_years

    assert _subject_years("Tỉnh đạt 88,1%, giảm 2,3% so với kết quả của năm 2021.") == set()
    assert _subject_years("Năm 2022 tỉnh đạt 88,1%, tăng so với cùng kỳ năm 2021.") == {"2022"}
    # An aside with another year's own figure is a comparison; a year alone in brackets labels.
    assert _subject_years("Tỉnh xếp thứ 4 (năm 2021 xếp thứ 9) và tăng 5 bậc.") == set()
    assert _subject_years("Chỉ số của tỉnh (năm 2022) đạt 88,1%.") == {"2022"}


def test_a_list_of_positions_ranks_the_smallest_number_highest():
    from assistant.answering.rank import enumerated, extreme

    s = "Theo bảng xếp hạng năm 2023, tỉnh Sơn La đứng thứ 12, tỉnh Lai Châu 27, tỉnh Điện Biên 40."
    items = enumerated(s)
    assert [i.label for i in items] == ["tỉnh Sơn La", "tỉnh Lai Châu", "tỉnh Điện Biên"]
    assert all(i.position for i in items)
    assert extreme(items, "high").label == "tỉnh Sơn La" and extreme(items, "low").label == "tỉnh Điện Biên"
    rates = enumerated("Tỷ lệ hồ sơ trực tuyến: Sơn La đạt 59%, Lai Châu 45%, Điện Biên 38%.")
    assert not any(i.position for i in rates) and extreme(rates, "high").label == "Sơn La"


def test_a_plans_bulleted_targets_answer_what_it_sets_out():
    from assistant.index.sentences import statement_spans

    q = analyse("Kế hoạch của tỉnh Lạng Sơn đặt ra những mục tiêu gì cho năm 2026?")
    assert q.intent == "list" and list_item(q.text) == "muc tieu"
    assert analyse("Phần mềm này được dùng cùng những loại thiết bị gì?").intent != "list"  # what kind
    targets = (
        "Người dân làm thủ tục tại bộ phận một cửa. Ảnh N.H\n\n"
        "Mục tiêu năm 2026 của kế hoạch tỉnh Lạng Sơn: - 100% thủ tục đủ điều kiện được cung cấp trực tuyến toàn trình. "
        "- 85% hồ sơ được xử lý hoàn toàn trực tuyến. - Số hóa 100% kết quả giải quyết."
    )
    spans = [targets[s.start : s.end] for s in statement_spans(targets)]
    assert spans[1] == "Ảnh N.H" and spans[2].startswith("Mục tiêu năm 2026")  # a caption stands apart
    assert enumerates("muc tieu", spans[2], " ".join(spans[3:]))
    # "Như trên" points back at a list; it opens none.
    back = "Với những mục tiêu như trên, tỉnh phấn đấu đạt 80%, cao hơn chỉ tiêu giao, và về đích sớm."
    assert not enumerates("muc tieu", back)
    texts = {"targets": targets, "back": back + " Kế hoạch của tỉnh Lạng Sơn năm 2026 được ban hành."}
    hits, index = _hits(texts)
    best = ExtractiveAnswerer(min_support=0.2).select(q, hits, index)[0]
    assert best.chunk.doc_id == "targets" and best.quote.endswith("Số hóa 100% kết quả giải quyết.")
