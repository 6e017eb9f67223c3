"""The index's schema, in one module: the records the index stores and reads back, the SQLite
tables of the registry, what each chunk's vector carries in Chroma, and how a filter on chunks
reads in Chroma and in the registry — with one encoding of a day for both.

The writer (``IndexStore``, fed by ingest) and the readers (retrieval's dense and keyword
stages) both go through here, so a new metadata field or filter is added once: written by
``chroma_metadata`` and the registry's columns, read by ``ChunkFilter``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypedDict

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

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Ingest's analyser processes send every chunk to the writer: its few hundred tokens as
        # one string (keyword tokens hold no space and are never empty; a list that breaks
        # that travels as it is) pickle ~10× faster than as a list of strings.
        joined = " ".join(self.tokens)
        plain = "" in self.tokens or joined.count(" ") != len(self.tokens) - 1
        tokens: str | list[str] = list(self.tokens) if plain or not self.tokens else joined
        return _chunk_record, (self.chunk_id, self.doc_id, self.ord, self.start, self.end, tokens,
                               self.provinces, self.dates, self.anchors)  # fmt: skip


def _chunk_record(
    chunk_id: str,
    doc_id: str,
    ord_: int,
    start: int,
    end: int,
    tokens: str | list[str],
    provinces: list[str],
    dates: tuple[int, int] | None,
    anchors: dict[str, Any],
) -> ChunkRecord:
    """A pickled ChunkRecord (``ChunkRecord.__reduce__``), its tokens split again."""
    split = tokens.split(" ") if isinstance(tokens, str) else tokens
    return ChunkRecord(chunk_id, doc_id, ord_, start, end, split, provinces, dates, anchors)


class DocumentRef(TypedDict):
    """A document as a source list names it (a near-duplicate's copies: IndexStore.duplicates)."""

    doc_id: str
    title: str | None
    url: str | None
    published: str | None
    source: str | None


class DocumentListing(DocumentRef):
    """A row of the document list (IndexStore.documents): the reference and its bookkeeping."""

    chunks: int | None
    updated_at: str | None


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
        """ "Điều 2, Khoản 1": the deepest section holding the whole chunk; None outside legal text."""
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
        return {
            "path": path,
            "page": page,
            "ocr": ocr,
            "ocr_confidence": self.ocr_confidence if ocr else None,
        }

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
-- WITHOUT ROWID: one B-tree, not a table and its key index; every batch upserts its vocabulary.
CREATE TABLE IF NOT EXISTS accent_vocab (
    folded TEXT, accented TEXT, n INTEGER, PRIMARY KEY (folded, accented)) WITHOUT ROWID;
"""


# What a StoredChunk reads from the registry, field by field, over ``chunks c JOIN documents d``
# (IndexStore.chunks): the pairing of column and field lives here, so nothing relies on order.
STORED_CHUNK_COLUMNS: dict[str, str] = {
    "chunk_id": "c.chunk_id",
    "doc_id": "c.doc_id",
    "ord": "c.ord",
    "start": "c.start",
    "end": 'c."end"',
    "text": 'substr(d.text, c.start + 1, c."end" - c.start)',
    "title": "d.title",
    "url": "d.url",
    "published": "d.published",
    "source": "d.source",
    "anchors_json": "c.anchors",
    "ocr_confidence": "json_extract(d.extra, '$.ocr.confidence')",
    "ocr_pages_json": "json_extract(d.extra, '$.ocr.page_numbers')",
}


def stored_chunk(row: tuple[Any, ...]) -> StoredChunk:
    """A StoredChunk from a row selected with ``STORED_CHUNK_COLUMNS``, each value by its name."""
    return StoredChunk(**dict(zip(STORED_CHUNK_COLUMNS, row, strict=True)))


# The one encoding of a day in the index: YYYYMMDD as an integer, 0 for none. Chroma's metadata
# holds a document's publication day and the span of days its chunk's text names in it; the
# registry keeps ``published`` as the ISO text it was given and compares it in the same encoding
# (REGISTRY_DAY), so both stores filter the same chunks.
REGISTRY_DAY = "CAST(replace(substr(coalesce(d.published, ''), 1, 10), '-', '') AS INTEGER)"


def day_number(value: date | str | None) -> int:
    """20240501 for 1 May 2024 (a ``date`` or an ISO text, a time after it ignored); 0 for none."""
    if isinstance(value, date):
        return value.year * 10000 + value.month * 100 + value.day
    if not value:
        return 0
    digits = value[:10].replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0


# A chunk's provinces (gazetteer keys): one boolean metadata field each in Chroma, and one text
# column joined by this separator in the registry.
PROVINCE_FIELD = "prov_{}"
PROVINCE_SEPARATOR = "|"


def provinces_column(provinces: list[str]) -> str:
    return PROVINCE_SEPARATOR.join(provinces)


def chroma_metadata(doc: DocumentRecord, chunk: ChunkRecord) -> dict[str, Any]:
    """What a chunk's vector carries in Chroma: what ``ChunkFilter.chroma_where`` filters on."""
    meta: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "published": day_number(doc.published),
        "date_min": chunk.dates[0] if chunk.dates else 0,
        "date_max": chunk.dates[1] if chunk.dates else 0,
    }
    for p in chunk.provinces:
        meta[PROVINCE_FIELD.format(p)] = True
    return meta


@dataclass(frozen=True)
class ChunkFilter:
    """Which chunks a question may see, as either store reads it.

    ``doc_ids``: only these documents (what the legal-header filters leave; None: any).
    ``province``: a gazetteer key the chunk's text names. ``since``/``until``: a dated document
    by its publication day, an undated one by the days its chunk's text names (the latest
    on or after ``since``, the earliest on or before ``until``).
    """

    doc_ids: frozenset[str] | None = None
    province: str | None = None
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        return self.doc_ids is None and not (self.province or self.since or self.until)

    def chroma_where(self) -> dict[str, Any] | None:
        """The ``where`` of a Chroma query (None: no filter)."""
        clauses: list[dict[str, Any]] = []
        if self.doc_ids is not None:
            clauses.append({"doc_id": {"$in": sorted(self.doc_ids)}})
        if self.province:
            clauses.append({PROVINCE_FIELD.format(self.province): True})
        if self.since:
            day = day_number(self.since)
            clauses.append(
                {
                    "$or": [
                        {"published": {"$gte": day}},
                        {"$and": [{"published": 0}, {"date_max": {"$gte": day}}]},
                    ]
                }
            )
        if self.until:
            day = day_number(self.until)
            clauses.append(
                {
                    "$or": [
                        {"$and": [{"published": {"$gt": 0}}, {"published": {"$lte": day}}]},
                        {"$and": [{"published": 0}, {"date_min": {"$gt": 0}}, {"date_min": {"$lte": day}}]},
                    ]
                }
            )
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def registry_where(self) -> tuple[str, list[str | int]]:
        """The same filter as an SQL condition over ``chunks c JOIN documents d``, with its
        parameters. The registry stores no day of an undated chunk as NULL, where Chroma has 0."""
        sql: list[str] = ["1=1"]
        params: list[str | int] = []
        if self.doc_ids is not None:
            # A few hundred legal documents at most; SQLite takes 32,766 parameters.
            sql.append(f"c.doc_id IN ({','.join('?' * len(self.doc_ids))})")
            params += sorted(self.doc_ids)
        if self.province:
            sep = PROVINCE_SEPARATOR
            sql.append(f"('{sep}' || c.provinces || '{sep}') LIKE ?")
            params.append(f"%{sep}{self.province}{sep}%")
        if self.since:
            sql.append(f"({REGISTRY_DAY} >= ? OR ({REGISTRY_DAY} = 0 AND c.date_max >= ?))")
            params += [day_number(self.since)] * 2
        if self.until:
            sql.append(
                f"(({REGISTRY_DAY} > 0 AND {REGISTRY_DAY} <= ?)"
                f" OR ({REGISTRY_DAY} = 0 AND c.date_min > 0 AND c.date_min <= ?))"
            )
            params += [day_number(self.until)] * 2
        return " AND ".join(sql), params
