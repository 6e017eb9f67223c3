"""Citations say where a quote sits: its legal path and page, and whether its text came from OCR.

The pages are kept as offsets into the stored text (nothing is inserted into it), each chunk is
stored with the sections and pages it spans, and every channel renders them ("Điều 2, Khoản 1 ·
tr. 3", "văn bản nhận dạng từ ảnh"). PDFs are printed here by the real Chromium from HTML with
page breaks; scans are rendered here with Pillow and read by the real Tesseract.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.channels.formatting import locator, plain_text, slack_blocks
from assistant.channels.zalo import zalo_text
from assistant.index.anchors import chunk_anchors, locate, page_at, page_starts_of
from assistant.index.structure import sections
from assistant.schemas import AnswerResponse, Citation
from assistant.service import AnswerService
from assistant.settings import Settings
from ingest.loaders import SourceDocument, load_bytes
from ingest.reflow import join_pages, reflow

from ..conftest import build
from ..pdfs import print_pdf

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
# A provincial decision of three pages: the header and Điều 1 on page 1, Điều 2 on page 2, its
# Khoản 3 and Điều 3 on page 3 (written for these tests from general decision phrasing).
DECISION_PAGES = [
    """<p>ỦY BAN NHÂN DÂN<br>TỈNH MẪU</p>
<p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>
<p>Số: 2345/QĐ-UBND</p><p>Tỉnh Mẫu, ngày 10 tháng 10 năm 2025</p>
<p>QUYẾT ĐỊNH</p><p>Về việc công bố quy trình giải quyết thủ tục cấp giấy phép</p>
<p>Điều 1. Công bố kèm theo Quyết định này quy trình nội bộ giải quyết thủ tục cấp giấy phép
thuộc thẩm quyền của Sở Xây dựng tỉnh Mẫu.</p>""",
    """<p>Điều 2. Thời hạn và cách thức thực hiện</p>
<p>1. Thời hạn giải quyết hồ sơ cấp giấy phép là 07 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.</p>
<p>2. Hồ sơ được nộp trực tuyến trên Cổng Dịch vụ công hoặc qua dịch vụ bưu chính công ích:</p>
<p>a) Bộ phận Một cửa kiểm tra thành phần hồ sơ trong ngày làm việc;</p>
<p>b) Hồ sơ chưa đầy đủ được hướng dẫn bổ sung một lần bằng văn bản.</p>""",
    """<p>3. Lệ phí cấp giấy phép là 150.000 đồng mỗi hồ sơ; hồ sơ nộp trực tuyến được giảm 50% lệ phí.</p>
<p>Điều 3. Quyết định này có hiệu lực thi hành kể từ ngày 20 tháng 10 năm 2025./.</p>""",
]


def scanned_png(lines: list[str]) -> bytes:
    """A page as a 300 dpi scanner gives it, from Vietnamese text with its diacritics."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 42)
    image = Image.new("L", (2480, 200 + len(lines) * 76), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((160, 100 + i * 76), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


# -- pages and anchors, no files ----------------------------------------------------------------


def test_pages_join_verbatim_and_an_empty_page_never_holds_text():
    text, starts = join_pages(["", "Trang hai.", "", "Trang bốn."])
    assert text == "Trang hai.\n\nTrang bốn."
    assert [page_at(starts, text.index("hai")), page_at(starts, text.index("bốn"))] == [2, 4]
    assert page_starts_of(starts, len(text)) == starts
    assert page_starts_of([5, 2], 20) is None and page_starts_of("0,5", 20) is None and page_starts_of([0, 99], 20) is None


def test_reflow_keeps_clauses_and_capitalised_headings_on_their_own_lines():
    printed = "Điều 2. Trách nhiệm thi hành\n1. Sở Nội vụ chủ trì\nthực hiện;\nĐiều 3. Hiệu lực\nđ) điểm cuối"
    assert reflow(printed) == "Điều 2. Trách nhiệm thi hành\n\n1. Sở Nội vụ chủ trì thực hiện;\n\nĐiều 3. Hiệu lực\n\nđ) điểm cuối"
    # A figure broken over a line still continues its sentence.
    assert reflow("tổng số hồ sơ đạt\n1.894 hồ sơ.") == "tổng số hồ sơ đạt 1.894 hồ sơ."


def test_a_quote_is_located_in_its_clause_and_on_its_page():
    text = ("QUYẾT ĐỊNH\n\nĐiều 1. Phạm vi áp dụng quy trình.\n\nĐiều 2. Trách nhiệm\n\n"
            "1. Sở Nội vụ chủ trì, theo dõi việc thực hiện.\n\n2. Các sở, ngành phối hợp thực hiện.")
    secs = sections(text)
    page_two = text.index("2. Các sở")
    anchors = chunk_anchors(text.index("Điều 2"), len(text), secs, [0, page_two])
    one = text.index("1. Sở Nội vụ")
    assert locate(anchors, one, one + 20) == ("Điều 2, Khoản 1", 1)
    assert locate(anchors, page_two + 3, page_two + 10) == ("Điều 2, Khoản 2", 2)
    assert locate(anchors, text.index("Điều 2"), len(text)) == ("Điều 2", 1)
    assert locate({}, 5) == (None, None)


def test_channels_render_the_path_page_and_ocr_notice():
    cited = Citation(n=1, doc_id="d", title="Quyết định 2345/QĐ-UBND", quote="…", start=0, end=1,
                     path="Điều 2, Khoản 1", page=3, ocr=True, ocr_confidence=0.914, source="Sở Nội vụ")
    plain = Citation(n=2, doc_id="e", title="Tin tức", quote="…", start=0, end=1)
    assert locator(cited) == "Điều 2, Khoản 1 · tr. 3 · văn bản nhận dạng từ ảnh (độ tin cậy 91%)"
    assert locator(cited, "en") == "Điều 2, Khoản 1 · p. 3 · text recognised from a scanned image (confidence 91%)"
    assert locator(plain) == ""
    resp = AnswerResponse(answer="Trả lời [1] [2]", answerable=True, mode="extractive", citations=[cited, plain],
                          latency_ms=1.0)
    text = plain_text(resp)
    assert "[1] Quyết định 2345/QĐ-UBND — Sở Nội vụ — Điều 2, Khoản 1 · tr. 3 · văn bản nhận dạng từ ảnh" in text
    assert "[2] Tin tức\n" in text + "\n"
    fallback, blocks = slack_blocks(resp)
    assert "Điều 2, Khoản 1 · tr. 3 · văn bản nhận dạng từ ảnh (độ tin cậy 91%)" in blocks[-1]["elements"][0]["text"]
    assert "văn bản nhận dạng từ ảnh (độ tin cậy 91%)" in fallback  # the notification's text too
    zalo = zalo_text(resp, "https://cchc.example.gov.vn", b"k" * 32)  # the OA and the Zalo Bot send this
    assert "[1] Quyết định 2345/QĐ-UBND — Sở Nội vụ — Điều 2, Khoản 1 · tr. 3 · văn bản nhận dạng từ ảnh (độ tin cậy 91%)" in zalo


# -- real files through the whole pipeline ----------------------------------------------------


@pytest.fixture(scope="module")
def decision_pdf() -> bytes:
    return print_pdf(DECISION_PAGES, "Quyết định công bố quy trình cấp giấy phép")


@pytest.mark.e2e
def test_a_pdfs_page_starts_index_the_stored_text(decision_pdf: bytes):
    [doc] = list(load_bytes(decision_pdf, "quyet-dinh-2345.pdf"))
    assert isinstance(doc, SourceDocument), doc
    starts = doc.extra["page_starts"]
    assert len(starts) == 3 and starts[0] == 0
    assert doc.text[starts[1]:].startswith("Điều 2. Thời hạn") and doc.text[starts[2]:].startswith("3. Lệ phí")


@pytest.mark.e2e
def test_an_answer_from_a_pdf_decision_cites_its_clause_and_page(decision_pdf: bytes, tmp_path: Path, embed_cache_dir: Path):
    pdf = tmp_path / "quyet-dinh-2345.pdf"
    pdf.write_bytes(decision_pdf)
    service = AnswerService(Settings(data_dir=build(tmp_path / "idx", embed_cache_dir, [pdf]).data_dir))
    fee = service.ask("Lệ phí cấp giấy phép là bao nhiêu đồng mỗi hồ sơ?")
    assert fee.answerable and "150.000" in fee.answer
    [c] = [c for c in fee.citations if "150.000" in c.quote]
    assert (c.path, c.page, c.ocr) == ("Điều 2, Khoản 3", 3, False)
    # A quote that runs over a clause's points is cited by the clause, on the page it starts on.
    how = service.ask("Hồ sơ chưa đầy đủ được hướng dẫn bổ sung như thế nào?")
    assert how.answerable and "bổ sung một lần" in how.citations[0].quote
    assert (how.citations[0].path, how.citations[0].page) == ("Điều 2, Khoản 2", 2)
    assert "— Điều 2, Khoản 2 · tr. 2" in plain_text(how)


@pytest.mark.integration
def test_a_scanned_page_is_cited_as_recognised_from_an_image(tmp_path: Path, embed_cache_dir: Path):
    from ingest import ocr

    if not ocr.available():
        pytest.skip("Tesseract with its Vietnamese model is not installed")
    scan = tmp_path / "thong-bao-scan.png"
    scan.write_bytes(scanned_png([
        "Thông báo về việc tiếp nhận hồ sơ trực tuyến.",
        "Thời hạn giải quyết hồ sơ đăng ký là 04 ngày làm việc.",
        "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 97,25% trong năm 2025.",
    ]))
    service = AnswerService(Settings(data_dir=build(tmp_path / "idx", embed_cache_dir, [scan]).data_dir))
    resp = service.ask("Tỷ lệ hồ sơ giải quyết đúng hạn năm 2025 đạt bao nhiêu?")
    assert resp.answerable and "97,25%" in resp.answer
    c = resp.citations[0]
    assert c.ocr and c.ocr_confidence is not None and 0.5 < c.ocr_confidence <= 1.0
    assert c.page is None  # one photographed page: no page number to cite
    assert "văn bản nhận dạng từ ảnh (độ tin cậy" in plain_text(resp)


@pytest.mark.integration
def test_a_scanned_appendix_table_answers_from_its_row_and_says_it_was_recognised(tmp_path: Path, embed_cache_dir: Path):
    from PIL import Image

    from ingest import ocr

    from .test_ocr import PROCEDURES, as_bytes, ruled_table

    if not ocr.available():
        pytest.skip("Tesseract with its Vietnamese model is not installed")
    cover = scanned_png(["Thông báo niêm yết thủ tục hành chính.", "Danh mục kèm theo ở trang sau."])
    appendix = ruled_table(PROCEDURES, [140, 1000, 520, 520], ["Phụ lục: danh mục thủ tục hành chính cấp xã."], [])
    scan = tmp_path / "niem-yet-scan.pdf"
    scan.write_bytes(as_bytes([Image.open(io.BytesIO(cover)).convert("L"), appendix], "PDF"))
    service = AnswerService(Settings(data_dir=build(tmp_path / "idx", embed_cache_dir, [scan]).data_dir))
    resp = service.ask("Thời hạn giải quyết thủ tục cấp phiếu lý lịch tư pháp là bao lâu?")
    assert resp.answerable and "10 ngày" in resp.answer, resp.answer
    c = resp.citations[0]
    assert "Cấp phiếu lý lịch tư pháp" in c.quote and "10 ngày" in c.quote
    assert (c.page, c.ocr) == (2, True) and "tr. 2 · văn bản nhận dạng từ ảnh (độ tin cậy" in plain_text(resp)


@pytest.mark.integration
def test_an_index_from_before_anchors_gets_them_from_doctor_repair(tmp_path: Path, embed_cache_dir: Path):
    import json
    import sqlite3

    from assistant.service import open_store

    from ..unit.test_legal import DECISION

    docs = tmp_path / "qd.jsonl"
    docs.write_text(json.dumps({"doc_id": "qd-1234", "title": "Quyết định 1234", "text": DECISION}, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    settings = build(tmp_path / "idx", embed_cache_dir, [docs])
    db = sqlite3.connect(settings.data_dir / "registry.sqlite")
    with db:
        db.execute("UPDATE chunks SET anchors = NULL")  # what a registry written before anchors holds
    db.close()
    store = open_store(settings)
    try:
        ids = sorted(store.chunk_ids_where("1=1", []))
        assert all(c.path is None for c in store.chunks(ids).values())
        assert store.check()["chunks_without_anchors"] == len(ids)
        assert store.check(repair=True)["chunks_without_anchors"] == len(ids)  # what it found, then filled
        assert store.check()["chunks_without_anchors"] == 0
        paths = {c.path for c in store.chunks(ids).values()}
        assert "Điều 3" in paths and any(p and p.startswith("Điều 2") for p in paths)
    finally:
        store.close()


@pytest.mark.e2e
def test_a_scanned_page_inside_a_typed_pdf_is_read_and_only_its_quotes_say_so(
    decision_pdf: bytes, tmp_path: Path, embed_cache_dir: Path
):
    from ingest import ocr

    if not ocr.available():
        pytest.skip("Tesseract with its Vietnamese model is not installed")
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    # The typed decision's three pages, then a signed appendix that was scanned.
    scan = io.BytesIO()
    Image.open(io.BytesIO(scanned_png(["PHỤ LỤC", "Lệ phí thẩm định hồ sơ là 120.000 đồng mỗi bộ hồ sơ."]))).save(
        scan, format="PDF", resolution=300
    )
    writer = PdfWriter()
    for part in (decision_pdf, scan.getvalue()):
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    merged = io.BytesIO()
    writer.write(merged)
    [doc] = list(load_bytes(merged.getvalue(), "quyet-dinh-co-phu-luc.pdf"))
    assert isinstance(doc, SourceDocument), doc
    assert doc.extra["ocr"]["page_numbers"] == [4] and "120.000 đồng" in doc.text
    assert doc.text[doc.extra["page_starts"][3] :].startswith("PHỤ LỤC")
    pdf = tmp_path / "quyet-dinh-co-phu-luc.pdf"
    pdf.write_bytes(merged.getvalue())
    service = AnswerService(Settings(data_dir=build(tmp_path / "idx", embed_cache_dir, [pdf]).data_dir))
    scanned = service.ask("Lệ phí thẩm định hồ sơ là bao nhiêu đồng mỗi bộ hồ sơ?")
    [c] = [c for c in scanned.citations if "120.000" in c.quote]
    assert (c.page, c.ocr) == (4, True) and c.ocr_confidence is not None
    typed = service.ask("Lệ phí cấp giấy phép là bao nhiêu đồng mỗi hồ sơ?")
    [t] = [c for c in typed.citations if "150.000" in c.quote]
    assert (t.page, t.ocr, t.ocr_confidence) == (3, False, None)
