"""Tables of text-layer PDFs, read as rows that carry their headers (as Word tables are).

pypdf gives a table's cells as one run of words a line ("1 Thủ tục đăng ký … 05 ngày làm việc
Miễn lệ phí"), which cuts every value from its column. pdfplumber (pdfminer.six) finds ruled
tables and their cells; a page that has one is written as its text around the tables plus one
"Header: value; Header: value." line a row, the form ``assistant/index/tables.py`` reads back.

Only pages drawn with enough lines to hold a ruled table are given to pdfplumber (PDFium counts a
page's path objects in microseconds; pdfminer reads a page in tens of milliseconds), and a page
whose tables cannot be read keeps pypdf's text: a table reader never fails a file.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable

log = logging.getLogger(__name__)

MIN_PATHS = 6  # a ruled table of two rows and two columns draws at least this many lines/rectangles
MAX_TABLE_PAGES = 300  # past this many candidate pages, pypdf's text stands (a parse budget)
_PATH = 2  # FPDF_PAGEOBJ_PATH


def _candidate_pages(data: bytes) -> list[int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for i, page in enumerate(pdf):
            try:
                paths = sum(1 for o in page.get_objects(max_depth=2) if o.type == _PATH)
            finally:
                page.close()
            if paths >= MIN_PATHS:
                out.append(i)
        return out
    finally:
        pdf.close()


def _cell(value: str | None) -> str:
    return " ".join((value or "").split())


# A row that starts with its number ("1", "12.") is data: a page's first table starting with one
# continues the last table of the page before, whose header row was printed there only.
_ROW_NUMBER = re.compile(r"^\d{1,4}\.?$")


def _page_text(
    page, header_rows: Callable[[list[list[str]]], list[str]], header: list[str] | None = None
) -> tuple[str, list[str] | None] | None:  # page: pdfplumber's Page
    """The page's text with each ruled table as header-carrying rows, and its last table's
    header row (``header``, the previous page's, heads a table without one); None without a table."""
    tables = [t for t in page.find_tables() if len(t.rows) >= 2]
    grids = []
    for t in tables:
        rows = [[_cell(c) for c in row] for row in t.extract()]
        rows = [r for r in rows if any(r)]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            grids.append((t.bbox, rows))
    if not grids:
        return None
    boxes = [bbox for bbox, _ in grids]

    def outside(obj: dict) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_page = page.filter(outside)
    parts: list[str] = []
    top = 0.0
    for bbox, rows in sorted(grids, key=lambda g: g[0][1]):
        if header and len(header) == len(rows[0]) and _ROW_NUMBER.match(rows[0][0]):
            rows = [header, *rows]
        header = rows[0]
        above = (
            text_page.crop((0, top, page.width, max(top, bbox[1]))).extract_text() if bbox[1] > top else ""
        )
        if above.strip():
            parts.append(above.strip())
        parts.append("\n".join(header_rows(rows)))
        top = bbox[3]
    if top < page.height:
        below = text_page.crop((0, top, page.width, page.height)).extract_text()
        if below.strip():
            parts.append(below.strip())
    return "\n\n".join(parts), header


def with_tables(
    data: bytes, pages: list[str], header_rows: Callable[[list[list[str]]], list[str]]
) -> list[str]:
    """``pages`` (pypdf's text, one entry a page) with every page that holds a ruled table
    rewritten by pdfplumber; a page it cannot read keeps its text."""
    try:
        candidates = _candidate_pages(data)
    except Exception:  # PDFium refusing a file pypdf read: keep pypdf's text
        return pages
    if not candidates or len(candidates) > MAX_TABLE_PAGES:
        return pages
    import pdfplumber

    out = list(pages)
    header: list[str] | None = None  # the last table's header row, for a table going on over the page
    previous = -2  # the page it was read on
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i in candidates:
                if i >= len(out):
                    break
                try:
                    read = _page_text(pdf.pages[i], header_rows, header if previous == i - 1 else None)
                except Exception as exc:  # one unreadable page keeps pypdf's text
                    log.info("pdf table reading skipped page %d: %s", i + 1, exc)
                    continue
                if read and read[0].strip():
                    out[i], header, previous = read[0], read[1], i
    except Exception as exc:  # pdfminer refusing the file as a whole
        log.info("pdf table reading skipped: %s", exc)
        return pages
    return out
