"""Legal documents: chunked on Chương/Điều/Khoản/Điểm with their path; the header into metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.index.structure import path_at, sections
from ingest.chunking import chunk_document, chunk_text
from ingest.legal import legal_metadata, legal_title
from ingest.loaders import SourceDocument, load_bytes
from ingest.metadata import FileMeta

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

CLAUSE = "Cơ quan tiếp nhận hồ sơ kiểm tra tính đầy đủ của thành phần hồ sơ theo quy định hiện hành. " * 4
DECISION = f"""**ỦY BAN NHÂN DÂN**
**TỈNH MẪU**
-------
|
**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
|
Số: 1234/QĐ-UBND
|
*Tỉnh Mẫu, ngày 05
tháng 11 năm 2025*

**QUYẾT ĐỊNH**

Về việc ban hành quy trình tiếp nhận hồ sơ

Căn cứ Luật Tổ chức chính quyền địa phương ngày 16/6/2025;

**Điều 1. **Ban hành kèm theo Quyết định này quy trình tiếp nhận hồ sơ.

**Điều 2. Trách nhiệm thực hiện**
1. Bộ phận Một cửa có trách nhiệm:
a) {CLAUSE}
b) {CLAUSE}
c) Trả kết quả đúng hạn.
2. Các sở, ngành có trách nhiệm phối hợp thực hiện. {CLAUSE}

**Điều 3. **Quyết định này có hiệu lực thi hành kể từ ngày 15 tháng 11 năm 2025./.

Nơi nhận:
- Như Điều 3;
- Lưu: VT.
"""
NEWS = ("Sáng 12/3, tỉnh tổ chức hội nghị tổng kết công tác cải cách hành chính.\n\n"
        "1. Kết quả nổi bật là tỷ lệ hồ sơ trực tuyến đạt 82%.\n\n2. Tồn tại: một số xã còn chậm.\n\n") * 6


def test_articles_clauses_and_points_are_found_with_their_paths():
    secs = sections(DECISION)
    assert [s.path for s in secs if s.level == 2] == ["Điều 1", "Điều 2", "Điều 3"]
    point_b = DECISION.index("b) ")
    assert path_at(DECISION, point_b, point_b + 20) == "Điều 2, Khoản 1, Điểm b"
    assert path_at(DECISION, DECISION.index("Các sở, ngành")) == "Điều 2, Khoản 2"
    assert path_at(DECISION, DECISION.index("Nơi nhận")) == ""  # the distribution list is no article
    assert sections(NEWS) == []  # numbered lines of a news story are not clauses


def test_legal_chunks_follow_the_structure_and_stay_verbatim():
    chunks = chunk_document(DECISION, max_chars=400, overlap_chars=100)
    assert all(DECISION[c.start : c.end] == c.text for c in chunks)
    paths = [c.path for c in chunks]
    assert "Điều 1" in paths and "Điều 3" in paths
    assert any(p.startswith("Điều 2, Khoản 1, Điểm") for p in paths)
    # No chunk runs over an article's boundary.
    for c in chunks:
        assert not ("Điều 1." in c.text and "Điều 2." in c.text)


def test_news_chunking_is_unchanged():
    assert chunk_document(NEWS) == chunk_text(NEWS)


def test_the_header_becomes_metadata():
    meta = legal_metadata(DECISION)
    assert meta == {"doc_number": "1234/QĐ-UBND", "doc_kind": "Quyết định", "issuer": "ỦY BAN NHÂN DÂN TỈNH MẪU",
                    "issued": "2025-11-05", "effective": "2025-11-15"}
    assert legal_metadata(NEWS) == {}


def test_the_issuer_is_read_however_the_two_columns_of_the_header_come_out():
    # OCR and PDF text layers read the two columns across: the issuer's lines start the motto's.
    across = ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTỈNH MẪU Độc lập - Tự do - Hạnh phúc\n\n"
              "Số: 1234/QĐ-UBND Tỉnh Mẫu, ngày 05 tháng 11 năm 2025\n\nQUYẾT ĐỊNH\n\nĐiều 1. Ban hành quy trình.\n")
    assert legal_metadata(across)["issuer"] == "ỦY BAN NHÂN DÂN TỈNH MẪU"
    split_motto = across.replace("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTỈNH MẪU Độc lập",
                                 "BỘ KHOA HỌC VÀ CỘNG HÒA XÃ HỘI\nCÔNG NGHỆ CHỦ NGHĨA VIỆT NAM\n------- Độc lập")
    assert legal_metadata(split_motto)["issuer"] == "BỘ KHOA HỌC VÀ CÔNG NGHỆ"
    # A legal portal's page: its own preamble of fields first, then the header's cells.
    portal = ("**Số hiệu:**\n|\n1234/QĐ-UBND\n|\n**Tình trạng:**\n|\nĐã biết\n" * 12) + "|\n|\n" + DECISION.replace(
        "**ỦY BAN NHÂN DÂN**\n**TỈNH MẪU**", "**ỦY BAN NHÂN\nDÂN**\nTỈNH MẪU")
    assert legal_metadata(portal)["issuer"] == "ỦY BAN NHÂN DÂN TỈNH MẪU"
    # A motto with no capitals before it names no issuer.
    assert "issuer" not in legal_metadata("Tin đăng lại\n" + DECISION.split("|", 1)[1])


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared")
def test_the_shared_decisions_name_their_issuer():
    decisions = [json.loads(line) for line in (SHARED / "tthc_decisions.jsonl").open(encoding="utf-8")]
    heads = [legal_metadata(d["text"]) for d in decisions]
    legal = [m for m in heads if m]
    issuers = [m["issuer"] for m in legal if "issuer" in m]
    # 9 of 72 before the portals' cells and preambles and the OCR's read-across lines were read.
    assert len(issuers) >= 0.9 * len(legal), (len(issuers), len(legal))
    assert all(i.upper() == i and len(i) < 100 for i in issuers)
    provincial = [i for i in issuers if i.startswith(("ỦY BAN NHÂN DÂN TỈNH", "ỦY BAN NHÂN DÂN THÀNH PHỐ"))]
    assert len(provincial) >= 0.7 * len(issuers)


def test_a_file_without_a_usable_title_is_titled_as_the_decision_titles_itself():
    assert legal_title(DECISION) == "Quyết định 1234/QĐ-UBND về việc ban hành quy trình tiếp nhận hồ sơ"
    assert legal_title(NEWS) is None
    shouted = DECISION.replace("Về việc ban hành quy trình tiếp nhận hồ sơ", "VỀ VIỆC BAN HÀNH QUY TRÌNH\nTIẾP NHẬN HỒ SƠ")
    assert legal_title(shouted) == "Quyết định 1234/QĐ-UBND về việc ban hành quy trình tiếp nhận hồ sơ"
    # A text file's first line is the issuer in capitals: the header's own title replaces it,
    # and the file's name stands for the source it did not name (never an internal id).
    [doc] = list(load_bytes(DECISION.encode("utf-8"), "qd-1234.txt"))
    assert isinstance(doc, SourceDocument)
    assert doc.title == "Quyết định 1234/QĐ-UBND về việc ban hành quy trình tiếp nhận hồ sơ"
    assert doc.source == "qd-1234.txt"
    [given] = list(load_bytes(DECISION.encode("utf-8"), "qd-1234.txt", meta=FileMeta(title="Tên do người dùng đặt",
                                                                                     source="Sở Nội vụ")))
    assert isinstance(given, SourceDocument) and (given.title, given.source) == ("Tên do người dùng đặt", "Sở Nội vụ")
    [news] = list(load_bytes(NEWS.encode("utf-8"), "tin-hoi-nghi.txt"))
    assert isinstance(news, SourceDocument) and news.title.startswith("Sáng 12/3")


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared")
def test_the_shared_decisions_are_structured_and_news_is_not():
    decisions = [json.loads(line) for line in (SHARED / "tthc_decisions.jsonl").open(encoding="utf-8")]
    structured = [d for d in decisions if sections(d["text"])]
    assert len(structured) >= 0.8 * len(decisions)
    numbered = [legal_metadata(d["text"]).get("doc_number") for d in structured]
    assert sum(1 for n in numbered if n and "/QĐ" in n) >= 0.8 * len(structured)
    with (SHARED / "general.jsonl").open(encoding="utf-8") as f:
        news = [json.loads(next(f)) for _ in range(2000)]
    assert not [d["doc_id"] for d in news if sections(d["text"])]


def test_the_number_of_an_article_clause_or_appendix_is_no_figure():
    from assistant.index.figures import figures

    assert figures("Điều 2. Thời hạn và lệ phí") == []
    assert [f.text for f in figures("Theo Khoản 3 Điều 5, lệ phí là 100.000 đồng mỗi hồ sơ.")] == ["100.000"]
    assert [f.text for f in figures("Phụ lục 2: danh mục gồm 15 thủ tục; Bước 1 tiếp nhận trong 2 ngày.")] == ["15", "2"]
    assert [f.text for f in figures("Mục tiêu đạt 90% hồ sơ trực tuyến.")] == ["90%"]
