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
    right = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Bắc Kạn, ngày 20 tháng 10 năm 2025",
    ]
    for i, (a, b) in enumerate(zip(left, right, strict=True)):  # the two columns of an official header
        draw.text((220, 150 + i * 80), a, font=font, fill=0)
        draw.text((1100, 150 + i * 80), b, font=font, fill=0)
    body = [
        "QUYẾT ĐỊNH",
        "Về việc công bố thủ tục hành chính lĩnh vực hộ tịch",
        "Điều 1. Công bố kèm theo Quyết định này",
        "danh mục thủ tục hành chính lĩnh vực hộ tịch.",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký./.",
    ]
    for i, line in enumerate(body):
        draw.text((220, 520 + i * 80), line, font=font, fill=0)
    [doc] = list(load_bytes(as_bytes([page], "PDF"), "qd-1357-scan.pdf"))
    assert isinstance(doc, SourceDocument), doc
    # Read across its columns ("ỦY BAN NHÂN DÂN CỘNG HÒA …"), the header still gives every field.
    assert legal_metadata(doc.text) == {
        "doc_number": "1357/QĐ-UBND",
        "doc_kind": "Quyết định",
        "issuer": "ỦY BAN NHÂN DÂN TỈNH BẮC KẠN",
        "issued": "2025-10-20",
        "effective": "2025-10-20",
    }
    assert doc.published == "2025-10-20"
    assert doc.title.startswith("Quyết định 1357/QĐ-UBND về việc công bố thủ tục hành chính")


def ruled_table(
    rows: list[list[list[str]]], widths: list[int], before: list[str], after: list[str], size: int = 36
) -> Image.Image:
    """A scanned page with a ruled table (each cell a list of lines) between two paragraphs."""
    font = ImageFont.truetype(FONT, size)
    step = int(size * 1.5)
    heights = [30 + step * max(len(cell) for cell in row) for row in rows]
    image = Image.new("L", (2480, 400 + len(before + after) * step + sum(heights)), 255)
    draw = ImageDraw.Draw(image)
    y = 120
    for line in before:
        draw.text((160, y), line, font=font, fill=0)
        y += step
    top, xs = y + 30, [160]
    for w in widths:
        xs.append(xs[-1] + w)
    y = top
    for row, h in zip(rows, heights, strict=True):
        for x, cell in zip(xs[:-1], row, strict=True):
            for k, line in enumerate(cell):
                draw.text((x + 18, y + 15 + k * step), line, font=font, fill=0)
        y += h
    for yy in [top] + [top + sum(heights[: i + 1]) for i in range(len(heights))]:
        draw.line([(xs[0], yy), (xs[-1], yy)], fill=0, width=3)
    for x in xs:
        draw.line([(x, top), (x, y)], fill=0, width=3)
    y += 40
    for line in after:
        draw.text((160, y), line, font=font, fill=0)
        y += step
    return image


PROCEDURES = [
    [["STT"], ["Tên thủ tục hành chính"], ["Thời hạn giải quyết"], ["Phí, lệ phí"]],
    [["1"], ["Đăng ký khai sinh"], ["Trong ngày"], ["Miễn phí"]],
    [["2"], ["Cấp giấy phép xây dựng", "nhà ở riêng lẻ"], ["15 ngày làm việc"], ["75.000 đồng"]],
    [["3"], ["Đăng ký hộ kinh doanh"], ["03 ngày làm việc"], []],
    [["4"], ["Cấp phiếu lý lịch tư pháp"], ["10 ngày"], ["200.000 đồng"]],
]


def test_a_scanned_ruled_table_is_read_as_rows_that_carry_their_headers():
    from assistant.index.tables import table_rows

    page = ruled_table(
        PROCEDURES,
        [140, 1000, 520, 520],
        ["Phụ lục: danh mục thủ tục hành chính cấp xã."],
        ["Các thủ tục trên được tiếp nhận qua dịch vụ bưu chính công ích."],
    )
    [doc] = list(load_bytes(as_bytes([page], "PNG"), "phu-luc-scan.png"))
    assert isinstance(doc, SourceDocument), doc
    # Every row, its short cells too ("1", "Trong ngày": Tesseract's page layout drops them beside
    # the rules), a cell of two lines as one value, an empty cell left out.
    assert (
        "STT: 1; Tên thủ tục hành chính: Đăng ký khai sinh; Thời hạn giải quyết: Trong ngày; Phí, lệ phí: Miễn phí."
        in doc.text
    )
    assert (
        "Tên thủ tục hành chính: Cấp giấy phép xây dựng nhà ở riêng lẻ; Thời hạn giải quyết: 15 ngày làm việc; "
        "Phí, lệ phí: 75.000 đồng."
    ) in doc.text
    assert (
        "STT: 3; Tên thủ tục hành chính: Đăng ký hộ kinh doanh; Thời hạn giải quyết: 03 ngày làm việc."
        in doc.text
    )
    # Where the table stood among the page's paragraphs.
    assert (
        doc.text.index("Phụ lục")
        < doc.text.index("STT: 1")
        < doc.text.index("STT: 4")
        < doc.text.index("bưu chính")
    )
    # The index reads each row with its column headers: the row of a procedure gives its time.
    rows = {
        next(c.text for c in r.cells if c.header.startswith("Tên")): {c.header: c.text for c in r.cells}
        for r in table_rows(doc.text)
    }
    assert rows["Cấp phiếu lý lịch tư pháp"]["Thời hạn giải quyết"] == "10 ngày"
    assert rows["Đăng ký khai sinh"]["Phí, lệ phí"] == "Miễn phí"


def test_only_crossing_rules_make_a_table():
    import numpy as np

    from ingest.ocr_tables import find_grids

    assert find_grids(np.asarray(render(PAGE)), 300) == []  # prose
    header = render(PAGE)
    ImageDraw.Draw(header).line([(300, 80), (700, 80)], fill=0, width=3)  # the rule under a header's issuer
    assert find_grids(np.asarray(header), 300) == []
    two = np.asarray(ruled_table(PROCEDURES[:3], [140, 1000, 520, 520], ["Bảng 1."], ["Bảng 2."]))
    both = np.vstack([two, two])
    grids = find_grids(both, 300)
    assert len(grids) == 2 and all((len(g.ys), len(g.xs)) == (4, 5) for g in grids)


@pytest.mark.parametrize("angle", [1.5, -3.0])
def test_a_ruled_table_scanned_askew_is_levelled_and_still_read_as_rows(angle):
    page = ruled_table(
        PROCEDURES, [140, 1000, 520, 520], ["Phụ lục: danh mục thủ tục hành chính cấp xã."], []
    )
    askew = page.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    [doc] = list(load_bytes(as_bytes([askew], "PNG"), "phu-luc-nghieng.png"))
    assert isinstance(doc, SourceDocument), doc
    # Past about 0.5° no rule is level enough to be found, and the rows came out as loose words.
    assert doc.text.count("Thời hạn giải quyết: ") == 4, doc.text
    assert "Tên thủ tục hành chính: Cấp phiếu lý lịch tư pháp; Thời hạn giải quyết: 10 ngày" in doc.text


def test_a_scanned_table_running_over_two_pages_keeps_its_header_on_the_second():
    widths = [140, 1000, 520, 520]
    first = ruled_table(PROCEDURES[:3], widths, ["Phụ lục: danh mục thủ tục hành chính cấp xã."], [])
    second = ruled_table(
        PROCEDURES[3:], widths, [], ["Danh mục gồm 04 thủ tục."]
    )  # its header on page 1 only
    [doc] = list(load_bytes(as_bytes([first, second], "PDF"), "phu-luc-hai-trang.pdf"))
    assert isinstance(doc, SourceDocument), doc
    page_two = doc.text[doc.extra["page_starts"][1] :]
    assert page_two.startswith(
        "STT: 3; Tên thủ tục hành chính: Đăng ký hộ kinh doanh; Thời hạn giải quyết: 03 ngày"
    )
    assert (
        "STT: 4; Tên thủ tục hành chính: Cấp phiếu lý lịch tư pháp; Thời hạn giải quyết: 10 ngày" in page_two
    )
