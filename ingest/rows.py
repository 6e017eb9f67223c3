"""A table as rows that carry their headers: "Header: value; Header: value." one line a row.

The one form every table reader writes (Word tables in ingest/formats.py, ruled PDF tables in
ingest/pdf_tables.py, ruled tables of scanned pages in ingest/ocr.py) and
``assistant/index/tables.py`` reads back, so a row is one retrievable, quotable unit that still
says which column each value is in.
"""

from __future__ import annotations


def header_rows(rows: list[list[str]]) -> list[str]:
    """A table (first row its header) as one "Header: value; Header: value." line a row:
    Word tables, ruled PDF tables and ruled tables of scans alike."""
    rows = [r for r in rows if any(r)]
    if len(rows) < 2:
        return [" | ".join(r) for r in rows]
    header, body = rows[0], rows[1:]
    out = []
    for row in body:
        # Merged cells repeat their text in python-docx: keep each value once.
        pairs = [(h, v) for h, v in zip(header, row) if v]
        seen, parts = set(), []
        for h, v in pairs:
            if (h, v) in seen:
                continue
            seen.add((h, v))
            parts.append(f"{h}: {v}" if h and h != v else v)
        out.append("; ".join(parts) + ".")
    return out
