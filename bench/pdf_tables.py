"""What reading ruled PDF tables costs at ingest (ingest/pdf_tables.py).

    .venv/bin/python -m bench.pdf_tables [--pages 20] [--rounds 5]

Prints PDFs made here by headless Chromium (/usr/bin/chromium): one with ruled tables on half
its pages, one of prose only. Each is loaded through the ingest path with table reading and,
as the baseline of the same run, with pypdf's text only; the figures to quote are the ratios
(the machine is shared) and how many rows came back with their headers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import ingest.formats as formats
from assistant.index.tables import table_rows
from ingest.loaders import SourceDocument, load_bytes

ROW = "<tr><td>{n}</td><td>Thủ tục hành chính số {n} của cấp xã</td><td>0{d} ngày làm việc</td><td>{f}.000 đồng</td></tr>"
TABLE = (
    "<p>Danh mục thủ tục hành chính được công bố kèm theo Quyết định.</p><table><tr><th>STT</th>"
    "<th>Tên thủ tục</th><th>Thời hạn giải quyết</th><th>Phí, lệ phí</th></tr>{rows}</table>"
)
PROSE = (
    "<p>"
    + "Ủy ban nhân dân tỉnh đẩy mạnh cải cách hành chính, nâng cao chất lượng dịch vụ công. " * 30
    + "</p>"
)
STYLE = "body { font-family: 'DejaVu Serif'; font-size: 12pt } table { border-collapse: collapse } td, th { border: 1px solid #000 }"


def print_pdf(pages: list[str]) -> bytes:
    from playwright.sync_api import sync_playwright

    body = '<div style="page-break-before: always"></div>'.join(pages)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            page.set_content(
                f"<html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>{body}</body></html>"
            )
            return page.pdf(format="A4")
        finally:
            browser.close()


def timed(data: bytes, reader: Callable, rounds: int) -> tuple[float, int]:
    formats.with_tables = reader
    times, rows = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        [doc] = list(load_bytes(data, "bench.pdf"))
        times.append(time.perf_counter() - start)
        assert isinstance(doc, SourceDocument), doc
        rows = sum(1 for r in table_rows(doc.text) if all(c.header for c in r.cells))
    return statistics.median(times), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    table_page = TABLE.format(rows="".join(ROW.format(n=n, d=n % 9 + 1, f=n * 5) for n in range(1, 13)))
    half = args.pages // 2
    real = formats.with_tables
    for name, pages in (
        ("ruled tables on half the pages", [table_page] * half + [PROSE] * (args.pages - half)),
        ("prose only", [PROSE] * args.pages),
    ):
        data = print_pdf(pages)
        base, base_rows = timed(data, lambda d, p, h: p, args.rounds)
        with_tables, rows = timed(data, real, args.rounds)
        print(
            f"{name} ({args.pages} pages): pypdf only {base * 1000:.0f} ms, {base_rows} rows with headers; "
            f"with table reading {with_tables * 1000:.0f} ms ({with_tables / base:.2f}x), {rows} rows with headers"
        )
    formats.with_tables = real


if __name__ == "__main__":
    main()
