"""Answers from a decision's appendix table through the whole service (real index, real
embedder): the cell of the unit asked with its row quoted verbatim, and a ranking over a column
as a table of rows in order, each cited with its own row. The document is made up from general
reform phrasing; none comes from an evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import AnswerService
from tests.conftest import service_over

_ROWS = [
    ("Lào Cai", "1.650", "720", "43,64"),
    ("Yên Bái", "1.580", "801", "50,70"),
    ("Sơn La", "1.702", "655", "38,48"),
    ("Điện Biên", "1.611", "590", "36,62"),
    ("Lai Châu", "1.498", "700", "46,73"),
    ("Hà Giang", "1.894", "672", "35,48"),
]


def _appendix() -> str:
    cells = [
        "**STT**",
        "**Tỉnh**",
        "**Tổng số TTHC**",
        "**Số TTHC cung cấp trực tuyến toàn trình**",
        "**Tỷ lệ (%)**",
    ]
    lines = ["|"] + [x for c in cells for x in (c, "|")] + ["|"]
    for i, row in enumerate(_ROWS, 1):
        lines += [x for c in (f"{i}.", *row) for x in (c, "|")] + ["|"]
    return (
        "Ủy ban nhân dân các tỉnh tiếp tục rà soát, tái cấu trúc quy trình để cung cấp dịch vụ công "
        "trực tuyến toàn trình.\n\nPHỤ LỤC\nKẾT QUẢ CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN TOÀN TRÌNH CỦA CÁC TỈNH\n"
        + "\n".join(lines)
    )


@pytest.fixture(scope="module")
def table_service(tmp_path_factory: pytest.TempPathFactory, embed_cache_dir: Path) -> AnswerService:
    doc = {
        "doc_id": "appendix-1",
        "title": "Công văn về kết quả cung cấp dịch vụ công trực tuyến toàn trình của các tỉnh",
        "url": "https://example.gov.vn/appendix-1",
        "published": "2025-06-02",
        "source": "Văn phòng Chính phủ",
        "text": _appendix(),
    }
    return service_over(tmp_path_factory, embed_cache_dir, "appendix", [doc])


def test_the_cell_of_the_province_asked_leads_with_its_row_quoted(table_service: AnswerService):
    r = table_service.answer(
        "Tỉnh Sơn La có tỷ lệ thủ tục hành chính trực tuyến toàn trình bao nhiêu phần trăm?"
    )
    assert r.answerable and r.answer.startswith("**38,48%** — Sơn La")
    assert r.citations[0].quote.startswith("Sơn La") and r.citations[0].quote.endswith("38,48")


def test_a_top_three_question_gets_the_three_rows_in_order_each_cited(table_service: AnswerService):
    r = table_service.answer("Top 3 tỉnh có tỷ lệ thủ tục trực tuyến toàn trình cao nhất?")
    assert r.answerable and r.table is not None
    assert [row[0] for row in r.table.rows] == ["Yên Bái", "Lai Châu", "Lào Cai"]
    assert [row[1] for row in r.table.rows] == ["50,70%", "46,73%", "43,64%"]
    assert r.table.citations == [[1], [2], [3]]
    assert r.answer.startswith("**Yên Bái: 50,70%**")
    assert [c.quote.split("\n")[0] for c in r.citations] == ["Yên Bái", "Lai Châu", "Lào Cai"]


def test_the_lowest_row_in_english(table_service: AnswerService):
    r = table_service.answer("Which province has the lowest share of procedures fully online?")
    assert r.answerable and r.table is not None and r.table.rows[0][0] == "Hà Giang"
    assert r.answer.startswith("**Hà Giang: 35,48%** — the lowest")
