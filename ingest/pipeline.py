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

import contextlib
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from assistant.index.embeddings import EmbeddingCache, embed_with_cache
from assistant.index.store import DocumentRecord, IndexStore, PreparedDocument
from ingest.analysis import STAGES, Analysed, analyse, chunk_id, screen_and_analyse, watch_parent  # noqa: F401 — chunk_id: callers import it from here
from ingest.dedupe import FingerprintIndex
from ingest.legal import legal_metadata
from ingest.loaders import LoadError, SourceDocument

# A batch is written once it holds this many documents or chunks: large enough that per-call
# costs (a Chroma upsert is ~30 ms however small, a registry commit syncs the disk) vanish and
# the accent vocabulary's words repeat within a batch (one row per distinct pair: 256
# documents of news write 0.69× the rows 64 did), small enough that a kill loses little (the
# embeddings are cached as they are made) and progress shows.
BATCH_DOCS = 256
BATCH_CHUNKS = 1024
# Changed documents a run analyses in this process before it starts analyser processes (or
# one batch, where a caller sets batches smaller): an upload is not worth spawning them (~0.2 s
# of imports each); a long run should not leave the other cores idle meanwhile (64 kept one of
# two idle for 0.4 s of a 1,000-document run's 5.3, 16 for a quarter of that).
ANALYSERS_AFTER = 16


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
        workers: int | None = None,
    ) -> None:
        self.store = store
        self.cache = cache
        self.max_chars = max_chars
        self.overlap_chars = overlap_chars
        self.batch_docs = max(1, batch_docs)
        self.batch_chunks = max(1, batch_chunks)
        # Analyser processes for long runs (None: one per core where there are several).
        # They are spawned, so they import the caller's main module: a script that runs a
        # pipeline at its top level must guard it with `if __name__ == "__main__":` (or pass
        # workers=0), or each analyser re-runs the script and the pool breaks.
        cores = os.cpu_count() or 1
        self.workers = (cores if cores > 1 else 0) if workers is None else max(0, workers)
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
        return self._link(doc, content_hash, analysed), analysed

    def _link(self, doc: SourceDocument, content_hash: str, analysed: Analysed) -> DocumentRecord:
        """The document's record, linked to the near-duplicate stored or prepared before it."""
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
        return record

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
        run = _Run(report, on_document, on_chunks)
        changed = 0
        with self.store.batch(), contextlib.ExitStack() as stack:
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
                except Exception as exc:  # one bad document must not stop the run
                    report.errors.append(f"{item.origin}: {type(exc).__name__}: {exc}")
                    continue
                job = _Job(item, content_hash, previous)
                if previous != content_hash:
                    changed += 1
                    # A long run analyses ahead in other processes while this one embeds and
                    # writes; a short one (an upload) is not worth starting them.
                    if run.pool is None and self.workers and changed > min(ANALYSERS_AFTER, self.batch_docs):
                        run.pool = stack.enter_context(
                            ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=watch_parent, initargs=(os.getpid(),))
                        )
                    if run.pool is not None:
                        job.future = run.pool.submit(
                            screen_and_analyse, item, content_hash, self.max_chars, self.overlap_chars
                        )
                run.window.append(job)
                # Unchanged documents (nothing to analyse) and in-process analysis are taken at
                # once; with analysers, up to four batches of documents are in flight.
                while run.window and (run.pool is None or len(run.window) > 4 * self.batch_docs):
                    self._take(run.window.popleft(), run)
            while run.window:
                self._take(run.window.popleft(), run)
            self._flush(run.pending, report, on_document, on_chunks)
        return report

    def _take(self, job: _Job, run: _Run) -> None:
        """The next document in order: its analysis (waited for, or done here), its
        near-duplicate link, its place in the batch; a full batch is written."""
        doc = job.doc
        if job.previous == job.content_hash:
            run.pending.append(_Pending(doc, "unchanged"))
        else:
            try:
                if job.future is not None:
                    planted, screen_s, analysed = job.future.result()
                else:
                    planted, screen_s, analysed = screen_and_analyse(doc, job.content_hash, self.max_chars,
                                                                     self.overlap_chars)
                self.seconds["screen"] += screen_s
                if planted or analysed is None:
                    run.report.errors.append(
                        f"{doc.origin}: document {doc.doc_id!r} held back: it contains instructions "
                        f"addressed to an AI assistant ({planted!r}); review it before ingesting"
                    )
                    return
                record = self._link(doc, job.content_hash, analysed)
            except Exception as exc:  # one bad document must not stop the run
                run.report.errors.append(f"{doc.origin}: {type(exc).__name__}: {exc}")
                return
            run.pending.append(_Pending(doc, "added" if job.previous is None else "updated", record, analysed))
            run.n_chunks += len(analysed.chunks)
        if len(run.pending) >= self.batch_docs or run.n_chunks >= self.batch_chunks:
            self._flush(run.pending, run.report, run.on_document, run.on_chunks)
            run.pending, run.n_chunks = [], 0


@dataclass
class _Job:
    doc: SourceDocument
    content_hash: str
    previous: str | None
    future: Future[tuple[str | None, float, Analysed | None]] | None = None


@dataclass
class _Run:
    report: IngestReport
    on_document: Callable[[SourceDocument, str], None] | None
    on_chunks: Callable[[int], None] | None
    pending: list[_Pending] = field(default_factory=list)
    n_chunks: int = 0
    window: deque[_Job] = field(default_factory=deque)
    pool: ProcessPoolExecutor | None = None
