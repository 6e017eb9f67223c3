"""Answers read from table cells: the row the question names (a unit, a procedure), the column
its words name, never a neighbouring row's or column's figure; rankings over a column; the quote
verbatim and the lead naming row and column. Tables and names are made up from general reform
phrasing (flattened one-cell-a-line tables as legal portals publish them, DOCX rows, Markdown
rows); none comes from an evaluation set."""

from __future__ import annotations

from assistant.answering.analysis import analyse
from assistant.answering.compose import compose
from assistant.answering.extractive import Evidence, ExtractiveAnswerer
from assistant.index.keywords import KeywordIndex, tokenize
from assistant.index.records import StoredChunk
from assistant.prompts import load as load_prompts
from assistant.retrieval import Hit

_TITLE = "Quyết định công bố kết quả cung cấp dịch vụ công trực tuyến"


def _flattened(header: list[str], rows: list[list[str]]) -> str:
    """A table as portals flatten it: one cell a line between "|" lines, "|" twice ends a row."""
    out = ["|"]
    for row in [header, *rows]:
        for cell in row:
            out += [f"**{cell}**" if row is header else cell, "|"]
        out.append("|")
    return "\n".join(out)


_RATES = (
    "PHỤ LỤC\nKẾT QUẢ CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN TOÀN TRÌNH CỦA CÁC TỈNH\n"
    + _flattened(
        ["STT", "Tỉnh", "Tổng số TTHC", "Số TTHC cung cấp trực tuyến toàn trình", "Tỷ lệ (%)"],
        [
            ["1", "Lào Cai", "1.650", "720", "43,64"],
            ["2", "Yên Bái", "1.580", "801", "50,70"],
            ["3", "Sơn La", "1.702", "655", "38,48"],
            ["4", "Điện Biên", "1.611", "590", "36,62"],
        ],
    )
    + "\n\nCác tỉnh tiếp tục rà soát, nâng cao chất lượng dịch vụ công."
)

_PROCEDURES = (
    "Danh mục thủ tục hành chính được chuẩn hóa\n\n"
    "Tên thủ tục: Cấp giấy phép hoạt động vận tải đường thủy nội địa; Thời hạn giải quyết: 05 ngày làm việc; "
    "Phí, lệ phí: 200.000 đồng.\n"
    "Tên thủ tục: Cấp lại giấy chứng nhận đăng ký phương tiện thủy; Thời hạn giải quyết: 03 ngày làm việc; "
    "Phí, lệ phí: 70.000 đồng.\n"
    "Tên thủ tục: Xóa đăng ký phương tiện thủy nội địa; Thời hạn giải quyết: 02 ngày làm việc; "
    "Phí, lệ phí: Không.\n"
)


def _select(question: str, text: str) -> list[Evidence]:
    texts = {"d1": text}
    index = KeywordIndex.build(list(texts), [tokenize(t) for t in texts.values()], 1)
    hits = [Hit(StoredChunk("c1", "d1", 0, 0, len(text), text, _TITLE, None, "2025-06-02", None), 1.0)]
    answerer = ExtractiveAnswerer(document_text=texts.get)
    return answerer.select(analyse(question), hits, index)


def test_the_cell_of_the_unit_asked_answers_not_a_neighbouring_row():
    ev = _select(
        "Tỉnh Yên Bái có tỷ lệ thủ tục hành chính trực tuyến toàn trình bao nhiêu phần trăm?", _RATES
    )
    assert ev and ev[0].figure == "50,70%"
    assert ev[0].label == "Yên Bái" and ev[0].column == "Tỷ lệ (%)"
    # The quote is the row's verbatim text, from its name to the cell.
    assert ev[0].quote.startswith("Yên Bái") and ev[0].quote.endswith("50,70")
    assert _RATES[ev[0].start : ev[0].end] == ev[0].quote


def test_the_column_named_by_the_question_answers():
    ev = _select("Tỉnh Sơn La có tổng số bao nhiêu thủ tục hành chính?", _RATES)
    assert ev and ev[0].figure == "1.702" and ev[0].label == "Sơn La"
    ev = _select("Sơn La cung cấp trực tuyến toàn trình bao nhiêu thủ tục hành chính?", _RATES)
    assert ev and ev[0].figure == "655"


def test_a_unit_the_table_does_not_hold_gets_no_cell():
    ev = _select("Tỉnh Lai Châu có tỷ lệ thủ tục trực tuyến toàn trình bao nhiêu phần trăm?", _RATES)
    assert not any(e.column for e in ev)


def test_a_ranking_over_a_column_names_the_top_and_the_bottom_row():
    high = _select("Tỉnh nào có tỷ lệ thủ tục trực tuyến toàn trình cao nhất?", _RATES)
    assert high and high[0].ranked_cell and (high[0].label, high[0].figure) == ("Yên Bái", "50,70%")
    low = _select("Tỉnh nào có tỷ lệ thủ tục trực tuyến toàn trình thấp nhất?", _RATES)
    assert low and low[0].ranked_cell and (low[0].label, low[0].figure) == ("Điện Biên", "36,62%")


def test_a_procedure_named_by_its_words_gives_its_processing_time_and_fee():
    ev = _select(
        "Thời hạn giải quyết thủ tục cấp lại giấy chứng nhận đăng ký phương tiện thủy là bao lâu?",
        _PROCEDURES,
    )
    assert ev and ev[0].figure == "03 ngày làm việc" and ev[0].column == "Thời hạn giải quyết"
    assert ev[0].label.startswith("Cấp lại giấy chứng nhận")
    ev = _select(
        "Lệ phí thủ tục cấp giấy phép hoạt động vận tải đường thủy nội địa là bao nhiêu?", _PROCEDURES
    )
    assert ev and ev[0].figure == "200.000 đồng" and ev[0].column == "Phí, lệ phí"


def test_the_lead_names_row_and_column_in_the_askers_language():
    ev = _select(
        "Tỉnh Yên Bái có tỷ lệ thủ tục hành chính trực tuyến toàn trình bao nhiêu phần trăm?", _RATES
    )
    vi, _ = compose(ev, load_prompts("extractive", "vi"), "vi")
    assert vi.startswith("**50,70%** — Yên Bái, cột «Tỷ lệ (%)»")
    en, cits = compose(ev, load_prompts("extractive", "en"), "en")
    assert en.startswith("**50,70%** — Yên Bái, column “Tỷ lệ (%)”")
    assert cits[0].quote == ev[0].quote


def _flattened_rows(rows: list[list[str]]) -> str:
    out = ["|"]
    for row in rows:
        for cell in row:
            out += [cell, "|"]
        out.append("|")
    return "\n".join(out)


def test_header_groups_in_the_middle_span_their_sub_headers_and_trailing_columns_stand_alone():
    from assistant.index.tables import table_rows

    text = "BẢNG TỔNG HỢP\n" + _flattened_rows(
        [
            [
                "**STT**",
                "**Đơn vị**",
                "**Số thủ tục**",
                "**Kết quả cung cấp**",
                "**Tỷ lệ (%)**",
                "**Ghi chú**",
            ],
            ["**Tổng số**", "**Phải cung cấp**", "**Đã cung cấp**", "**Đã tích hợp**"],
            ["1.", "Bộ Một", "40", "30", "27", "20", "90", "3 thủ tục chưa phát sinh hồ sơ"],
            ["2.", "Bộ Hai", "50", "50", "40", "35", "80"],
            ["3.", "Bộ Ba", "60", "55", "33", "30", "60"],
        ]
    )
    rows = table_rows(text)
    assert [c.header for c in rows[0].cells] == [
        "STT",
        "Đơn vị",
        "Số thủ tục — Tổng số",
        "Số thủ tục — Phải cung cấp",
        "Kết quả cung cấp — Đã cung cấp",
        "Kết quả cung cấp — Đã tích hợp",
        "Tỷ lệ (%)",
        "Ghi chú",
    ]
    # A row without its (empty) last cell keeps its own first cells: nothing is carried over.
    assert [(c.header, c.text) for c in rows[1].cells][:2] == [("STT", "2."), ("Đơn vị", "Bộ Hai")]
    assert rows[1].cells[-1].header == "Tỷ lệ (%)" and rows[1].cells[-1].text == "80"


def test_a_rate_written_with_a_decimal_point_is_a_figure_not_a_date():
    from assistant.index.figures import figures

    assert [f.text for f in figures("Tỷ lệ: 46.7%")] == ["46.7%"]
    assert [f.text for f in figures("tăng 12.5 % so với cùng kỳ")] == ["12.5 %"]
    # A day and month stay dates: no figure.
    assert figures("Ngày 12.5 vừa qua, tỉnh tổ chức hội nghị") == []
    assert figures("Từ ngày 4/7, người dân đặt lịch hẹn") == []
