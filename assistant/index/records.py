"""What the registry stores: documents, chunks, and the SQLite schema that holds them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from assistant.index import anchors


class IndexMismatchError(RuntimeError):
    """The stored index was built with another embedding model or schema."""


@dataclass
class DocumentRecord:
    doc_id: str
    title: str
    text: str
    content_hash: str
    url: str | None = None
    published: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    simhash: int | None = None
    dup_of: str | None = None  # the first-ingested copy of the same story


@dataclass
class ChunkRecord:
    chunk_id: str
    doc_id: str
    ord: int
    start: int
    end: int
    tokens: list[str]
    provinces: list[str] = field(default_factory=list)
    dates: tuple[int, int] | None = None  # the span of days the chunk's text names (YYYYMMDD)
    # Legal sections and pages the chunk spans, as document offsets (assistant/index/anchors.py).
    anchors: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoredChunk:
    """A chunk as read back for answering: its verbatim text and its document's metadata."""

    chunk_id: str
    doc_id: str
    ord: int
    start: int
    end: int
    text: str
    title: str
    url: str | None
    published: str | None
    source: str | None
    anchors_json: str | None = field(default=None, repr=False)  # chunks.anchors as stored
    # Set for a document whose text was recognised from images (its metadata's ocr.confidence).
    ocr_confidence: float | None = None
    # The 1-based pages OCR read, as stored JSON, when only some pages of a PDF had no text layer.
    ocr_pages_json: str | None = field(default=None, repr=False)

    def locate(self, start: int, end: int | None = None) -> tuple[str | None, int | None]:
        """(legal path, page) of a span of the document inside this chunk, where known."""
        return anchors.locate(anchors.loads(self.anchors_json), start, end)

    @property
    def path(self) -> str | None:
        """"Điều 2, Khoản 1": the deepest section holding the whole chunk; None outside legal text."""
        return self.locate(self.start, self.end)[0]

    @property
    def page(self) -> int | None:
        """The page the chunk starts on, for a document read from pages (PDF, scans)."""
        return self.locate(self.start)[1]

    def citation_marks(self, start: int, end: int) -> dict[str, Any]:
        """What a citation of [start, end) says beside its quote: the legal path and page of the
        span, and whether the text was recognised from a scanned image (with the confidence)."""
        path, page = self.locate(start, end)
        ocr = self.ocr_confidence is not None and (page is None or page in self._ocr_pages(page))
        return {"path": path, "page": page, "ocr": ocr, "ocr_confidence": self.ocr_confidence if ocr else None}

    def _ocr_pages(self, page: int) -> list[int]:
        """The pages OCR read: all of them unless the document names some."""
        try:
            pages = json.loads(self.ocr_pages_json) if self.ocr_pages_json else None
        except ValueError:
            pages = None
        return pages if isinstance(pages, list) else [page]


REGISTRY_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, title TEXT, url TEXT,
    published TEXT, source TEXT, extra TEXT, text TEXT NOT NULL, n_chunks INTEGER,
    updated_at TEXT DEFAULT (datetime('now')), simhash INTEGER, dup_of TEXT);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    ord INTEGER, start INTEGER, "end" INTEGER, tokens TEXT, provinces TEXT,
    date_min INTEGER, date_max INTEGER, anchors TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS accent_vocab (
    folded TEXT, accented TEXT, n INTEGER, PRIMARY KEY (folded, accented));
"""


def date_int(published: str | None) -> int:
    if not published:
        return 0
    digits = published[:10].replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0
