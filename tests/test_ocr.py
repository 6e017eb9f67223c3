"""OCR of scanned pages: PNGs and image-only PDFs rendered here from Vietnamese text (diacritics
included), read by Tesseract (`tesseract-ocr` + `tesseract-ocr-vie`, installed by .ci/run)."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest import ocr
from ingest.legal import legal_metadata
from ingest.loaders import LoadError, SourceDocument, load_bytes
from ingest.sandbox import ParseBudget, Upload, parse_uploads

if not ocr.available() and not os.environ.get("CI"):  # CI installs it: there a missing engine fails
    pytest.skip("Tesseract with its Vietnamese model is not installed", allow_module_level=True)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
PAGE = [
    "Ủy ban nhân dân tỉnh công bố danh mục thủ tục hành chính được",
    "tiếp nhận và trả kết quả qua dịch vụ bưu chính công ích.",
    "Thời hạn giải quyết: 05 ngày làm việc kể từ ngày nhận đủ hồ sơ.",
    "Lệ phí: 30.000 đồng/hồ sơ; miễn lệ phí đối với hồ sơ nộp trực tuyến.",
    "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,75% trong quý IV năm 2025.",
]


def render(lines: list[str], size: int = 42) -> Image.Image:
    """A page as a scanner at 300 dpi gives it: about 10 pt type on white."""
    font = ImageFont.truetype(FONT, size)
    image = Image.new("L", (2480, 200 + len(lines) * int(size * 1.8)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((160, 100 + i * int(size * 1.8)), line, font=font, fill=0)
    return image


def as_bytes(images: list[Image.Image], fmt: str) -> bytes:
    out = io.BytesIO()
    images[0].save(out, format=fmt, save_all=len(images) > 1, append_images=images[1:], resolution=300)
    return out.getvalue()


def test_a_png_is_read_with_its_diacritics_and_confidence():
    [doc] = list(load_bytes(as_bytes([render(PAGE)], "PNG"), "ban-chup.png"))
    assert isinstance(doc, SourceDocument), doc
    assert ocr.character_accuracy("\n".join(PAGE), doc.text) >= 0.97
    assert "Thời hạn giải quyết: 05 ngày làm việc" in doc.text and "98,75%" in doc.text
    meta = doc.extra["ocr"]
    assert meta["engine"].startswith("tesseract") and meta["lang"] == "vie" and meta["pages"] == 1
    assert 0.8 <= meta["confidence"] <= 1.0
    assert doc.title == "ban-chup" or doc.title.startswith("Ủy ban")


def test_a_scanned_pdf_without_a_text_layer_is_read_page_by_page():
    pages = [render(PAGE[:3]), render(PAGE[3:])]
    [doc] = list(load_bytes(as_bytes(pages, "PDF"), "quyet-dinh-scan.pdf"))
    assert isinstance(doc, SourceDocument), doc
    assert doc.extra["ocr"]["pages"] == 2
    assert ocr.character_accuracy("\n".join(PAGE), doc.text) >= 0.97
    assert doc.text.index("bưu chính") < doc.text.index("Lệ phí")  # page order kept


def test_ocr_off_or_missing_says_what_to_do(monkeypatch):
    data = as_bytes([render(PAGE[:2])], "PDF")
    [err] = list(load_bytes(data, "scan.pdf", ocr=False))
    assert isinstance(err, LoadError) and "ocrmypdf" in str(err) and "turned off" in str(err)
    monkeypatch.setattr(ocr, "_engine", lambda: None)
    [err] = list(load_bytes(data, "scan.pdf"))
    assert isinstance(err, LoadError) and "tesseract-ocr-vie" in str(err)


def test_a_blank_scan_and_a_broken_image_are_refused_clearly():
    [err] = list(load_bytes(as_bytes([Image.new("L", (1200, 1600), 255)], "PNG"), "trang-trang.png"))
    assert isinstance(err, LoadError) and "no text" in str(err)
    [err] = list(load_bytes(b"\x89PNG\r\n\x1a\n not an image", "hong.png"))
    assert isinstance(err, LoadError) and "not a readable image" in str(err)


def test_ocr_runs_inside_the_parse_sandbox_and_its_time_budget():
    png = as_bytes([render(PAGE)], "PNG")
    [doc] = parse_uploads([Upload("scan.png", "k", png)], ParseBudget(seconds=60, memory_mb=1024))
    assert isinstance(doc, SourceDocument) and "98,75%" in doc.text
    tall = as_bytes([render(PAGE * 8)], "PNG")  # a page that takes Tesseract well over 0.2 s
    [err] = parse_uploads([Upload("tall.png", "k", tall)], ParseBudget(seconds=0.2, memory_mb=1024))
    assert isinstance(err, LoadError) and "longer than" in str(err)


def test_a_page_fed_upside_down_or_on_its_side_is_turned_upright_before_it_is_read():
    # A sheet fed the wrong way and a landscape page: read as they lie, their text is noise.
    upside_down, on_its_side = render(PAGE[:3]).rotate(180), render(PAGE[3:]).rotate(90, expand=True)
    [doc] = list(load_bytes(as_bytes([render(PAGE[:2]), upside_down, on_its_side], "PDF"), "ho-so-quet.pdf"))
    assert isinstance(doc, SourceDocument), doc
    assert doc.extra["ocr"]["turned"] == [2, 3]
    assert ocr.character_accuracy("\n".join(PAGE[:2] + PAGE[:3] + PAGE[3:]), doc.text) >= 0.97
    assert "Lệ phí: 30.000 đồng/hồ sơ" in doc.text and doc.extra["ocr"]["confidence"] >= 0.85
    [upright] = list(load_bytes(as_bytes([render(PAGE)], "PNG"), "thang.png"))
    assert isinstance(upright, SourceDocument) and "turned" not in upright.extra["ocr"]


def test_a_scanned_decision_names_its_issuer_number_and_dates_from_a_two_column_header():
    font = ImageFont.truetype(FONT, 40)
    page = Image.new("L", (2480, 1900), 255)
    draw = ImageDraw.Draw(page)
    left = ["ỦY BAN NHÂN DÂN", "TỈNH BẮC KẠN", "Số: 1357/QĐ-UBND"]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Bắc Kạn, ngày 20 tháng 10 năm 2025"]
    for i, (a, b) in enumerate(zip(left, right, strict=True)):  # the two columns of an official header
        draw.text((220, 150 + i * 80), a, font=font, fill=0)
        draw.text((1100, 150 + i * 80), b, font=font, fill=0)
    body = ["QUYẾT ĐỊNH", "Về việc công bố thủ tục hành chính lĩnh vực hộ tịch", "Điều 1. Công bố kèm theo Quyết định này",
            "danh mục thủ tục hành chính lĩnh vực hộ tịch.", "Điều 2. Quyết định này có hiệu lực kể từ ngày ký./."]
    for i, line in enumerate(body):
        draw.text((220, 520 + i * 80), line, font=font, fill=0)
    [doc] = list(load_bytes(as_bytes([page], "PDF"), "qd-1357-scan.pdf"))
    assert isinstance(doc, SourceDocument), doc
    # Read across its columns ("ỦY BAN NHÂN DÂN CỘNG HÒA …"), the header still gives every field.
    assert legal_metadata(doc.text) == {"doc_number": "1357/QĐ-UBND", "doc_kind": "Quyết định",
                                        "issuer": "ỦY BAN NHÂN DÂN TỈNH BẮC KẠN", "issued": "2025-10-20",
                                        "effective": "2025-10-20"}
    assert doc.published == "2025-10-20"
    assert doc.title.startswith("Quyết định 1357/QĐ-UBND về việc công bố thủ tục hành chính")
