"""Where a span of a stored document sits: its legal path ("Điều 2, Khoản 1") and its page.

Ingest keeps the text verbatim (quotes are spans of it), so nothing marks a page break or an
article inside the text itself. Instead each chunk is stored with its *anchors*: the legal
sections that overlap it and the pages it runs over, as document offsets. A citation then names
the path and page of its own quote, not of the whole chunk (a chunk may hold three short clauses
of one article, or cross a page break), without re-reading the document at answer time.

Stored as compact JSON in the registry's ``chunks.anchors``: ``{"s": [[start, end, level,
path], …], "p": [[start, page], …]}``; ``{}`` for a chunk with neither (news), NULL for a chunk
written before anchors existed.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from assistant.index.structure import Section, sections


def page_at(page_starts: Sequence[int], pos: int) -> int | None:
    """The 1-based page holding offset ``pos``: ``page_starts[i]`` is where page ``i + 1``
    begins (an empty page starts where the next one does, so it is never the answer)."""
    if not page_starts:
        return None
    return max(1, bisect_right(page_starts, pos))


def page_starts_of(value: object, text_len: int) -> list[int] | None:
    """A document's ``page_starts`` metadata when it is usable: ascending offsets inside the
    text (a JSONL record may carry anything under that name)."""
    if not isinstance(value, list) or not value or not all(type(v) is int for v in value):
        return None
    if value[0] < 0 or value[-1] > text_len or any(a > b for a, b in zip(value, value[1:])):
        return None
    return value


def chunk_anchors(
    start: int, end: int, sections: Sequence[Section] = (), page_starts: Sequence[int] | None = None
) -> dict[str, Any]:
    """The anchors of the chunk [start, end): the sections overlapping it, and where each page
    it spans begins (the first entry is the page holding ``start``)."""
    out: dict[str, Any] = {}
    spans = [[s.start, s.end, s.level, s.path] for s in sections if s.start < end and s.end > start]
    if spans:
        out["s"] = spans
    if page_starts:
        first = page_at(page_starts, start)
        assert first is not None
        pages = [[start, first]]
        for i, p in enumerate(page_starts[first:], first + 1):
            if p >= end:
                break
            if p > pages[-1][0]:
                pages.append([p, i])
            else:  # an empty page before this one: the later number is the page that holds text
                pages[-1][1] = i
        out["p"] = pages
    return out


def dumps(anchors: dict[str, Any]) -> str:
    return json.dumps(anchors, ensure_ascii=False, separators=(",", ":"))


def loads(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def locate(anchors: dict[str, Any], start: int, end: int | None = None) -> tuple[str | None, int | None]:
    """(path, page) of the span [start, end) by a chunk's anchors: the deepest section holding
    the whole span, and the page holding its start; None where the chunk has none."""
    end = start + 1 if end is None else max(end, start + 1)
    best: list[Any] | None = None
    for s in anchors.get("s", ()):
        if s[0] <= start and end <= s[1] and (best is None or s[2] >= best[2]):
            best = s
    page = None
    for p_start, number in anchors.get("p", ()):
        if p_start <= start or page is None:
            page = number
        if p_start > start:
            break
    return (best[3] if best else None), page


def missing(db: sqlite3.Connection) -> int:
    """Chunks written before anchors existed (their column is NULL)."""
    return int(db.execute("SELECT count(*) FROM chunks WHERE anchors IS NULL").fetchone()[0])


def backfill(db: sqlite3.Connection) -> int:
    """Anchors for chunks written before they existed, from the stored text and metadata (how an
    index made earlier gets paths and pages: `cchc doctor --repair`; re-ingesting would find its
    documents unchanged). Returns how many chunks it filled."""
    filled = 0
    docs = db.execute(
        "SELECT d.doc_id, d.text, d.extra FROM documents d"
        " WHERE EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.doc_id AND c.anchors IS NULL)"
    ).fetchall()
    for doc_id, text, extra in docs:
        try:
            meta = json.loads(extra or "{}")
        except ValueError:
            meta = {}
        secs = sections(text)
        pages = page_starts_of(meta.get("page_starts") if isinstance(meta, dict) else None, len(text))
        rows = db.execute(
            'SELECT chunk_id, start, "end" FROM chunks WHERE doc_id = ? AND anchors IS NULL', (doc_id,)
        )
        updates = [
            (dumps(chunk_anchors(start, end, secs, pages)), cid) for cid, start, end in rows.fetchall()
        ]
        with db:
            db.executemany("UPDATE chunks SET anchors = ? WHERE chunk_id = ?", updates)
        filled += len(updates)
    return filled
