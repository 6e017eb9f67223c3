"""load → clean → chunk → embed (cached) → store, in batches across documents.

A document whose content hash is unchanged costs one registry lookup. Changed documents are
analysed one by one (``ingest.analysis``), then stored a batch at a time: one embedding call
sized for the backend, one vector upsert, one registry transaction, so a fast embedder (a GPU
box) is not left waiting on per-document overhead. A batch is written in the order one
document was (vectors, registry, stale vectors), so a crash leaves at worst orphan vectors;
the keyword index follows the registry (published every ``KEYWORD_FLUSH_DOCS`` documents and
at the end of the run).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from assistant.index.embeddings import EmbeddingCache, embed_with_cache
from assistant.index.store import DocumentRecord, IndexStore, PreparedDocument
from ingest.analysis import STAGES, Analysed, analyse, chunk_id  # noqa: F401 — chunk_id: callers import it from here
from ingest.dedupe import FingerprintIndex
from ingest.legal import legal_metadata
from ingest.loaders import LoadError, SourceDocument
from ingest.screening import instructions_to_ai

# A batch is written once it holds this many documents or chunks: large enough that per-call
# costs (a Chroma upsert is ~30 ms however small, a registry commit syncs the disk) vanish,
# small enough that a kill loses little and progress shows.
BATCH_DOCS = 64
BATCH_CHUNKS = 512


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


@dataclass
class _Pending:
    doc: SourceDocument
    outcome: str  # "added" | "updated" | "unchanged"
    record: DocumentRecord | None = None
    analysed: Analysed | None = None


class IngestPipeline:
    def __init__(
        self,
        store: IndexStore,
        cache: EmbeddingCache | None,
        max_chars: int = 1200,
        overlap_chars: int = 200,
        batch_docs: int = BATCH_DOCS,
        batch_chunks: int = BATCH_CHUNKS,
    ) -> None:
        self.store = store
        self.cache = cache
        self.max_chars = max_chars
        self.overlap_chars = overlap_chars
        self.batch_docs = max(1, batch_docs)
        self.batch_chunks = max(1, batch_chunks)
        self._known: FingerprintIndex | None = None
        # Cluster roots of documents prepared by this pipeline: a near-duplicate of one still
        # waiting in the batch links to the root it will be stored with.
        self._roots: dict[str, str] = {}
        # Seconds per stage over this pipeline's life (bench/ingest_throughput.py prints them).
        self.seconds: dict[str, float] = dict.fromkeys(("screen", *STAGES, "dedupe", "embed", "store"), 0.0)

    def _fingerprints(self) -> FingerprintIndex:
        if self._known is None:
            self._known = FingerprintIndex(self.store.simhashes())
        return self._known

    def _cluster(self, doc_id: str) -> str:
        return self._roots.get(doc_id) or self.store.cluster(doc_id)

    def prepare(self, doc: SourceDocument, content_hash: str) -> tuple[DocumentRecord, list, list[str]]:
        """The document's record (near-duplicate link set), chunks and texts to embed."""
        record, analysed = self._prepare(doc, content_hash)
        return record, analysed.chunks, analysed.texts

    def _prepare(self, doc: SourceDocument, content_hash: str) -> tuple[DocumentRecord, Analysed]:
        analysed = analyse(doc, content_hash, self.max_chars, self.overlap_chars)
        for stage, seconds in analysed.seconds.items():
            self.seconds[stage] += seconds
        t0 = time.perf_counter()
        record = DocumentRecord(
            doc_id=doc.doc_id,
            title=doc.title,
            text=doc.text,
            content_hash=content_hash,
            url=doc.url,
            published=doc.published,
            source=doc.source,
            extra=doc.extra,
            simhash=analysed.fingerprint,
        )
        if analysed.fingerprint is not None:
            known = self._fingerprints()
            twin = known.nearest(analysed.fingerprint, exclude=doc.doc_id)
            if twin is not None:
                record.dup_of = self._cluster(twin)
            known.add(doc.doc_id, analysed.fingerprint)
        self._roots[doc.doc_id] = record.dup_of or doc.doc_id
        self.seconds["dedupe"] += time.perf_counter() - t0
        return record, analysed

    def _stage(self, doc: SourceDocument) -> _Pending:
        """Hash the document and, unless it is unchanged, analyse it."""
        content_hash, previous = self._hashes(doc)
        if previous == content_hash:
            return _Pending(doc, "unchanged")
        record, analysed = self._prepare(doc, content_hash)
        return _Pending(doc, "added" if previous is None else "updated", record, analysed)

    @staticmethod
    def _add_legal_metadata(doc: SourceDocument) -> None:
        # A legal document's header (kind, number, issuer, dates of issue and effect) becomes
        # metadata; what the source already gave is kept.
        for key, value in legal_metadata(doc.text).items():
            doc.extra.setdefault(key, value)

    def _hashes(self, doc: SourceDocument) -> tuple[str, str | None]:
        """(the document's content hash, the stored one's or None)."""
        self._add_legal_metadata(doc)
        return doc.content_hash(), self.store.content_hash(doc.doc_id)

    def ingest_one(
        self, doc: SourceDocument, on_chunks: Callable[[int], None] | None = None
    ) -> tuple[str, int]:
        """Store one document now; returns ('added'|'updated'|'unchanged', chunks written)."""
        item = self._stage(doc)
        if item.analysed is not None:
            self._write([item], on_chunks)
        return item.outcome, len(item.analysed.chunks) if item.analysed else 0

    def _write(self, items: list[_Pending], on_chunks: Callable[[int], None] | None) -> None:
        """Embed and store a batch of analysed documents (all or none of them)."""
        todo = [i for i in items if i.analysed is not None and i.record is not None]
        if not todo:
            return
        texts = [t for i in todo for t in i.analysed.texts]  # type: ignore[union-attr]
        t0 = time.perf_counter()
        vectors = embed_with_cache(self.store.embedder, texts, self.cache, on_chunks)
        t1 = time.perf_counter()
        prepared, row = [], 0
        for i in todo:
            assert i.analysed is not None and i.record is not None
            n = len(i.analysed.chunks)
            prepared.append(PreparedDocument(i.record, i.analysed.chunks, vectors[row : row + n], i.analysed.vocab,
                                             i.analysed.facts))
            row += n
        self.store.upsert_documents(prepared)
        self.seconds["embed"] += t1 - t0
        self.seconds["store"] += time.perf_counter() - t1

    def _flush(
        self,
        pending: list[_Pending],
        report: IngestReport,
        on_document: Callable[[SourceDocument, str], None] | None,
        on_chunks: Callable[[int], None] | None,
    ) -> None:
        failed: dict[str, str] = {}
        try:
            self._write(pending, on_chunks)
        except Exception:  # find the document at fault: the others of the batch are stored one by one
            for item in pending:
                try:
                    self._write([item], on_chunks)
                except Exception as exc:  # one bad document must not stop the run
                    failed[item.doc.doc_id] = f"{item.doc.origin}: {type(exc).__name__}: {exc}"
                    self._roots.pop(item.doc.doc_id, None)
        for item in pending:
            if item.doc.doc_id in failed:
                report.errors.append(failed[item.doc.doc_id])
                continue
            setattr(report, item.outcome, getattr(report, item.outcome) + 1)
            report.chunks += len(item.analysed.chunks) if item.analysed else 0
            if on_document:
                on_document(item.doc, item.outcome)

    def run(
        self,
        items: Iterable[SourceDocument | LoadError],
        on_document: Callable[[SourceDocument, str], None] | None = None,
        on_chunks: Callable[[int], None] | None = None,
    ) -> IngestReport:
        report = IngestReport()
        seen: set[str] = set()
        pending: list[_Pending] = []
        n_chunks = 0
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
                try:
                    content_hash, previous = self._hashes(item)
                    if previous == content_hash:
                        # Stored as it is: it was screened when it was stored, so an unchanged
                        # re-ingest costs the hash and one registry lookup.
                        staged = _Pending(item, "unchanged")
                    else:
                        t0 = time.perf_counter()
                        planted = instructions_to_ai(f"{item.title}\n{item.text}")
                        self.seconds["screen"] += time.perf_counter() - t0
                        if planted:
                            report.errors.append(
                                f"{item.origin}: document {item.doc_id!r} held back: it contains instructions "
                                f"addressed to an AI assistant ({planted!r}); review it before ingesting"
                            )
                            continue
                        record, analysed = self._prepare(item, content_hash)
                        staged = _Pending(item, "added" if previous is None else "updated", record, analysed)
                except Exception as exc:  # one bad document must not stop the run
                    report.errors.append(f"{item.origin}: {type(exc).__name__}: {exc}")
                    continue
                pending.append(staged)
                n_chunks += len(staged.analysed.chunks) if staged.analysed else 0
                if len(pending) >= self.batch_docs or n_chunks >= self.batch_chunks:
                    self._flush(pending, report, on_document, on_chunks)
                    pending, n_chunks = [], 0
            self._flush(pending, report, on_document, on_chunks)
        return report
