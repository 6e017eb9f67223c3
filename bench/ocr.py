"""OCR speed and character accuracy on pages rendered here from Vietnamese text.

    .venv/bin/python -m bench.ocr [--pages 6]

Renders an image-only (scanned) PDF of N pages in three typefaces (DejaVu Serif, DejaVu Sans,
DejaVu Serif Bold: the faces Debian's fonts-dejavu-core holds with every Vietnamese letter), reads it through the ingest
path (ingest/ocr.py: PDFium at the given dpi, Tesseract `vie`), and prints pages/s and
character accuracy (1 − edit distance / length, NFC) per dpi. 150 dpi is the baseline measured
in the same run: the figures to quote are the ratios against it (the machine is shared).
Then one page as a scanner may give it — skewed 3° and 6°, turned 90° and 180° (read upright
after Tesseract's orientation detection) — against the same page straight, in the same run; and a
ruled table of procedures, level and 2° askew, read with its grid (ingest/ocr_tables.py) against
the same page read as plain text (the grid reading turned off, the baseline of the same run):
cells recovered and rows that carry their headers.
"""

from __future__ import annotations

import argparse
import io
import time

from PIL import Image, ImageDraw, ImageFont

from ingest.ocr import character_accuracy, ocr_pdf

FONTS = {
    "DejaVu Serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "DejaVu Sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    # Debian's Liberation 1.07 lacks Vietnamese glyphs (it draws boxes): not a face to test OCR with.
    "DejaVu Serif Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
}
# General reform phrasing, every tone mark and đ/Đ, figures written the Vietnamese way.
LINES = [
    "Điều 2. Ủy ban nhân dân cấp xã tiếp nhận hồ sơ qua Bộ phận Một cửa.",
    "1. Thời hạn giải quyết: 07 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    "a) Lệ phí: 50.000 đồng/lần; hồ sơ nộp trực tuyến được giảm 50% lệ phí.",
    "Tỷ lệ thủ tục hành chính cung cấp trực tuyến toàn trình đạt 87,35%.",
    "Người dân được hướng dẫn sử dụng tài khoản định danh điện tử VNeID.",
    "Kết quả giải quyết được trả qua dịch vụ bưu chính công ích hoặc trực tiếp.",
    "Quyết định này có hiệu lực thi hành kể từ ngày ký ban hành./.",
    "Sở Nội vụ chủ trì, phối hợp với các sở, ngành kiểm tra việc thực hiện.",
]


def page(font_path: str, lines: list[str], size: int = 42) -> Image.Image:
    font = ImageFont.truetype(font_path, size)
    image = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi, as a scanner gives it
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((180, 200 + i * 80), line, font=font, fill=0)
    return image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    ap.add_argument("--rounds", type=int, default=2, help="reads of each skewed or turned page")
    args = ap.parse_args()
    fonts = list(FONTS.items())
    pages, truth = [], []
    for i in range(args.pages):
        name, path = fonts[i % len(fonts)]
        lines = (LINES * 3)[i : i + 2 * len(LINES)]
        pages.append(page(path, lines))
        truth.append((name, "\n".join(lines)))
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=300)
    pdf = buf.getvalue()
    print(f"{args.pages} scanned A4 pages, fonts {', '.join(FONTS)}")
    base = None
    for dpi in args.dpi:
        t = time.perf_counter()
        read = ocr_pdf(pdf, "bench.pdf", timeout_s=300, dpi=dpi)
        elapsed = time.perf_counter() - t
        accuracy = character_accuracy("\n".join(text for _, text in truth), read.text)
        rate = args.pages / elapsed
        base = base or rate
        print(f"dpi {dpi}: {rate:.2f} pages/s ({rate / base:.2f}x the {args.dpi[0]} dpi run), "
              f"character accuracy {accuracy:.4f}, Tesseract confidence {read.confidence:.3f}")
    # Per typeface at the default dpi: one page each.
    for name, path in fonts:
        text = "\n".join(LINES)
        one = io.BytesIO()
        page(path, LINES).save(one, format="PDF", resolution=300)
        read = ocr_pdf(one.getvalue(), "font.pdf", timeout_s=300)
        print(f"  {name}: character accuracy {character_accuracy(text, read.text):.4f}")
    lying(args.rounds)
    tables(args.rounds)


def lying(rounds: int) -> None:
    """A page skewed or turned, against the same page straight (its time the baseline)."""
    straight = page(FONTS["DejaVu Serif"], LINES * 2)
    truth = "\n".join(LINES * 2)
    kinds = {"straight": straight, "skewed 3°": straight.rotate(3, expand=True, fillcolor=255),
             "skewed 6°": straight.rotate(6, expand=True, fillcolor=255),
             "turned 90°": straight.rotate(90, expand=True), "turned 180°": straight.rotate(180)}
    base = None
    for kind, image in kinds.items():
        one = io.BytesIO()
        image.save(one, format="PDF", resolution=300)
        t = time.perf_counter()
        for _ in range(rounds):
            read = ocr_pdf(one.getvalue(), "lying.pdf", timeout_s=300)
        elapsed = (time.perf_counter() - t) / rounds
        base = base or elapsed
        print(f"  {kind}: character accuracy {character_accuracy(truth, read.text):.4f}, "
              f"{elapsed / base:.2f}x the straight page's time, turned upright: {bool(read.turned)}")



PROCEDURES = [
    ["STT", "Tên thủ tục hành chính", "Thời hạn giải quyết", "Phí, lệ phí"],
    ["1", "Đăng ký khai sinh", "Trong ngày", "Miễn phí"],
    ["2", "Cấp giấy phép xây dựng nhà ở", "15 ngày làm việc", "75.000 đồng"],
    ["3", "Đăng ký hộ kinh doanh", "03 ngày làm việc", "100.000 đồng"],
    ["4", "Cấp phiếu lý lịch tư pháp", "10 ngày", "200.000 đồng"],
    ["5", "Chứng thực bản sao từ bản chính", "01 ngày làm việc", "2.000 đồng/trang"],
    ["6", "Đăng ký kết hôn", "Trong ngày", "Miễn lệ phí"],
]


def table_page() -> Image.Image:
    font = ImageFont.truetype(FONTS["DejaVu Serif"], 36)
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    draw.text((160, 120), "Phụ lục: danh mục thủ tục hành chính cấp xã.", font=font, fill=0)
    xs, top, h = [160, 300, 1300, 1820, 2340], 220, 110
    for r, row in enumerate(PROCEDURES):
        for x, cell in zip(xs, row, strict=False):
            draw.text((x + 18, top + r * h + 30), cell, font=font, fill=0)
    for r in range(len(PROCEDURES) + 1):
        draw.line([(xs[0], top + r * h), (xs[-1], top + r * h)], fill=0, width=3)
    for x in xs:
        draw.line([(x, top), (x, top + len(PROCEDURES) * h)], fill=0, width=3)
    return image


def tables(rounds: int) -> None:
    """A ruled table read with its grid, against the same page read as plain text."""
    import ingest.ocr as ocr

    cells = [c for row in PROCEDURES for c in row[1:]]  # the STT column's digits would be found anywhere
    level = table_page()
    pages = {"level": level, "2° askew": level.rotate(2, expand=True, fillcolor=255,
                                                      resample=Image.Resampling.BICUBIC)}
    grid_reader = ocr.find_grids
    for kind, image in pages.items():
        one = io.BytesIO()
        image.save(one, format="PDF", resolution=300)
        times = {}
        for reading in ("plain text", "grid"):
            ocr.find_grids = grid_reader if reading == "grid" else (lambda gray, dpi: [])
            t = time.perf_counter()
            for _ in range(rounds):
                read = ocr_pdf(one.getvalue(), "table.pdf", timeout_s=300)
            times[reading] = (time.perf_counter() - t) / rounds
            found = sum(1 for c in cells if c in read.text)
            rows = read.text.count("Thời hạn giải quyết: ")
            print(f"  table {kind}, read as {reading}: {found}/{len(cells)} cells, {rows}/{len(PROCEDURES) - 1} "
                  f"rows with headers, {times[reading] / times['plain text']:.2f}x the plain reading's time")
    ocr.find_grids = grid_reader


if __name__ == "__main__":
    main()
