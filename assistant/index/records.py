"""What the registry stores: documents, chunks, and the SQLite schema that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


REGISTRY_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, title TEXT, url TEXT,
    published TEXT, source TEXT, extra TEXT, text TEXT NOT NULL, n_chunks INTEGER,
    updated_at TEXT DEFAULT (datetime('now')), simhash INTEGER, dup_of TEXT);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    ord INTEGER, start INTEGER, "end" INTEGER, tokens TEXT, provinces TEXT,
    date_min INTEGER, date_max INTEGER);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS accent_vocab (
    folded TEXT, accented TEXT, n INTEGER, PRIMARY KEY (folded, accented));
"""


def date_int(published: str | None) -> int:
    if not published:
        return 0
    digits = published[:10].replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0
