"""load → clean → chunk → embed (cached) → store, one document at a time.

A document whose content hash is unchanged costs one registry lookup; a changed document's
chunks replace the old ones in every index; the keyword index is rebuilt once per run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from assistant.index.accents import vocabulary
from assistant.index.anchors import chunk_anchors, page_starts_of
from assistant.index.contract import passage_text
from assistant.index.dates import date_range
from assistant.index.embeddings import EmbeddingCache, embed_with_cache
from assistant.index.gazetteer import provinces_in
from assistant.index.keywords import tokenize
from assistant.index.store import ChunkRecord, DocumentRecord, IndexStore
from ingest.chunking import chunk_document
from ingest.dedupe import nearest, simhash
from ingest.formats import PAGE_STARTS
from ingest.legal import legal_metadata
from ingest.loaders import LoadError, SourceDocument
from ingest.screening import instructions_to_ai


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "chunks_written": self.chunks,
            "errors": self.errors,
        }


def chunk_id(doc_id: str, content_hash: str, ord_: int) -> str:
    # The content hash in the id makes a changed document's chunks new ids, so old and new
    # never collide while the replacement is in flight.
    short = hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:8]
    return f"{short}-{content_hash[:12]}-{ord_:04d}"


class IngestPipeline:
    def __init__(
        self,
        store: IndexStore,
        cache: EmbeddingCache | None,
        max_chars: int = 1200,
        overlap_chars: int = 200,
    ) -> None:
        self.store = store
        self.cache = cache
        self.max_chars = max_chars
        self.overlap_chars = overlap_chars
        self._known: list[tuple[str, int]] | None = None

    def _fingerprints(self) -> list[tuple[str, int]]:
        if self._known is None:
            self._known = self.store.simhashes()
        return self._known

    def prepare(self, doc: SourceDocument, content_hash: str) -> tuple[DocumentRecord, list[ChunkRecord], list[str]]:
        fingerprint = simhash(f"{doc.title}\n{doc.text}")
        record = DocumentRecord(
            doc_id=doc.doc_id,
            title=doc.title,
            text=doc.text,
            content_hash=content_hash,
            url=doc.url,
            published=doc.published,
            source=doc.source,
            extra=doc.extra,
            simhash=fingerprint,
        )
        if fingerprint is not None:
            others = [(d, h) for d, h in self._fingerprints() if d != doc.doc_id]
            twin = nearest(fingerprint, others)
            if twin is not None:
                record.dup_of = self.store.cluster(twin)
            self._fingerprints().append((doc.doc_id, fingerprint))
        chunks: list[ChunkRecord] = []
        texts: list[str] = []
        pages = page_starts_of(doc.extra.get(PAGE_STARTS), len(doc.text))
        for c in chunk_document(doc.text, self.max_chars, self.overlap_chars):
            # A legal chunk is found by its article too ("Điều 2 … quy định gì"); news chunks are
            # indexed exactly as before (their path is empty).
            indexed = passage_text(f"{doc.title} — {c.path}" if c.path else doc.title, c.text)
            texts.append(indexed)
            chunks.append(
                ChunkRecord(
                    chunk_id=chunk_id(doc.doc_id, content_hash, c.ord),
                    doc_id=doc.doc_id,
                    ord=c.ord,
                    start=c.start,
                    end=c.end,
                    tokens=tokenize(indexed),
                    provinces=provinces_in(indexed),
                    dates=date_range(indexed),
                    anchors=chunk_anchors(c.start, c.end, c.sections, pages),
                )
            )
        return record, chunks, texts

    def ingest_one(
        self, doc: SourceDocument, on_chunks: Callable[[int], None] | None = None
    ) -> tuple[str, int]:
        """Store one document; returns ('added'|'updated'|'unchanged', chunks written)."""
        # A legal document's header (kind, number, issuer, dates of issue and effect) becomes
        # metadata; what the source already gave is kept.
        for key, value in legal_metadata(doc.text).items():
            doc.extra.setdefault(key, value)
        content_hash = doc.content_hash()
        previous = self.store.content_hash(doc.doc_id)
        if previous == content_hash:
            return "unchanged", 0
        record, chunks, texts = self.prepare(doc, content_hash)
        vectors = embed_with_cache(self.store.embedder, texts, self.cache, on_chunks)
        self.store.upsert_document(record, chunks, vectors, vocabulary(f"{doc.title}\n{doc.text}"))
        return ("added" if previous is None else "updated"), len(chunks)

    def run(
        self,
        items: Iterable[SourceDocument | LoadError],
        on_document: Callable[[SourceDocument, str], None] | None = None,
        on_chunks: Callable[[int], None] | None = None,
    ) -> IngestReport:
        report = IngestReport()
        seen: set[str] = set()
        with self.store.batch():
            for item in items:
                if isinstance(item, LoadError):
                    report.errors.append(str(item))
                    continue
                if item.doc_id in seen:
                    report.errors.append(
                        f"{item.origin}: duplicate doc_id {item.doc_id!r} in this run; the first one was kept"
                    )
                    continue
                seen.add(item.doc_id)
                planted = instructions_to_ai(f"{item.title}\n{item.text}")
                if planted:
                    report.errors.append(
                        f"{item.origin}: document {item.doc_id!r} held back: it contains instructions "
                        f"addressed to an AI assistant ({planted!r}); review it before ingesting"
                    )
                    continue
                try:
                    outcome, n_chunks = self.ingest_one(item, on_chunks)
                except Exception as exc:  # one bad document must not stop the run
                    report.errors.append(f"{item.origin}: {type(exc).__name__}: {exc}")
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.chunks += n_chunks
                if on_document:
                    on_document(item, outcome)
        return report
