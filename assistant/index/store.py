"""The index: a SQLite registry (documents, chunks), Chroma (vectors) and the keyword index,
behind one object, ``IndexStore``, that ingest writes through and retrieval reads.

The registry is the source of truth. Writes go vectors first, registry second, stale
vectors last, so a crash at any point leaves at worst orphan vectors, which readers ignore
(a chunk is only returned if the registry has it) and ``repair()`` removes. The keyword index
follows the registry by generations (``keyword_sync.py``): stale exactly while notes remain.

By concern: ``registry.py`` (the SQL), ``vectors.py`` (Chroma), ``keyword_sync.py`` (the
keyword generations), ``consistency.py`` (check and repair); this module is the write protocol
that orders them, and the write lock around it.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index import consistency
from assistant.index.embeddings import IndexEmbeddings
from assistant.index.facts import Fact, FactQuery, extract_facts
from assistant.index.keyword_sync import KeywordSync
from assistant.index.keywords import KeywordIndex
from assistant.index.records import (  # noqa: F401 — re-exported: callers import them from here
    REGISTRY_SCHEMA,
    STORED_CHUNK_COLUMNS,
    ChunkFilter,
    ChunkRecord,
    DocumentListing,
    DocumentRecord,
    DocumentRef,
    IndexMismatchError,
    StoredChunk,
    chroma_metadata,
    provinces_column,
    stored_chunk,
)
from assistant.index.registry import Registry
from assistant.index.vectors import Vectors


@dataclass
class PreparedDocument:
    """One document ready to store: its chunks, their vectors (one row each), the accent
    vocabulary it adds and its facts (None: extracted when stored)."""

    doc: DocumentRecord
    chunks: list[ChunkRecord]
    vectors: np.ndarray
    vocab: Mapping[str, int] | None = None  # accented syllables and pairs (accents.vocabulary)
    facts: list[Fact] | None = None


# Publish the keyword index mid-batch once this many documents wait: a long ingest then shows
# its progress to readers, and a crash leaves at most this many documents to replay.
KEYWORD_FLUSH_DOCS = 500


class IndexStore:
    def __init__(
        self,
        data_dir: Path,
        embedder: IndexEmbeddings,
        chroma_url: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.embedder = embedder
        data_dir.mkdir(parents=True, exist_ok=True)
        self.registry = Registry(data_dir / "registry.sqlite")
        self._db = self.registry.db
        self._lock = threading.RLock()
        # Writers in other processes (a CLI ingest beside the server, a backup) take the same
        # file lock, so at most one writes and a backup sees no half-written document.
        self._lockfile = open(data_dir / "write.lock", "a+")  # noqa: SIM115 — held for the store's life
        self._depth = 0
        self.registry.check_identity(embedder, data_dir)
        self.vectors = Vectors(data_dir, embedder, chroma_url)
        self._client, self._collection = self.vectors.client, self.vectors.collection
        self.keywords = KeywordSync(data_dir, self.registry)
        self._batching = 0
        # Seconds this store spent writing, by index (bench/ingest_throughput.py prints them).
        self.seconds: dict[str, float] = {"vectors": 0.0, "registry": 0.0, "keywords": 0.0}

    @property
    def _tantivy(self) -> tuple[str, Any] | None:
        """The open tantivy index and its directory (tests check it is opened once)."""
        return self.keywords.tantivy

    # -- the write protocol -----------------------------------------------------------------
    # Its steps are methods of their own (``_bump_generation``, ``_drop_stale_vectors``,
    # ``_publish_keywords``): the crash tests stop a writer between them.

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive write access, re-entrant within this store."""
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                fcntl.flock(self._lockfile, fcntl.LOCK_EX)
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._lockfile, fcntl.LOCK_UN)

    def upsert_document(
        self,
        doc: DocumentRecord,
        chunks: Sequence[ChunkRecord],
        vectors: np.ndarray,
        vocab: Mapping[str, int] | None = None,
    ) -> None:
        """Replace everything stored for ``doc.doc_id`` with these chunks and its facts."""
        self.upsert_documents([PreparedDocument(doc, list(chunks), vectors, vocab)])

    def upsert_documents(self, batch: Sequence[PreparedDocument]) -> None:
        """Replace everything stored for each document of ``batch`` (distinct ids): one
        vector upsert, one registry transaction, one delete of the vectors they replaced.

        The order is the single-document one, per batch: new vectors first (their ids carry the
        content hash, so they never overwrite a chunk a reader can see), then the registry, which
        makes the whole batch visible at once, then the stale vectors. A crash before the registry
        commit leaves orphan vectors only, which readers ignore and a re-run overwrites."""
        if not batch:
            return
        ids = [p.doc.doc_id for p in batch]
        if len(set(ids)) != len(ids):
            raise ValueError("a batch holds each document once")
        facts = [
            p.facts
            if p.facts is not None
            else extract_facts(p.doc.doc_id, p.doc.text, p.doc.title, p.doc.published)
            for p in batch
        ]
        with self.writing():
            self._drop_stale_vectors()
            t0 = time.perf_counter()
            old_ids = self.registry.chunk_ids_of(ids)
            new_ids = [c.chunk_id for p in batch for c in p.chunks]
            if new_ids:
                vectors = np.concatenate(
                    [
                        np.asarray(p.vectors, dtype=np.float32).reshape(len(p.chunks), -1)
                        for p in batch
                        if p.chunks
                    ]
                )
                self.vectors.upsert(
                    new_ids, vectors, [chroma_metadata(p.doc, c) for p in batch for c in p.chunks]
                )
            t1 = time.perf_counter()
            vocab: dict[str, int] = {}
            for p in batch:
                for key, n in (p.vocab or {}).items():
                    vocab[key] = vocab.get(key, 0) + n
            with self._db:
                self.registry.write_documents([(p.doc, p.chunks, f) for p, f in zip(batch, facts)], vocab)
                stale = sorted(set(old_ids) - set(new_ids))
                self.registry.note_stale_vectors(stale)
                self.registry.note_keyword_changes(ids)
                self._bump_generation()
            t2 = time.perf_counter()
            self._drop_stale_vectors(stale)
            self.seconds["vectors"] += (t1 - t0) + (time.perf_counter() - t2)
            self.seconds["registry"] += t2 - t1
            if self._batching and self.keywords.pending_count() >= KEYWORD_FLUSH_DOCS:
                t3 = time.perf_counter()
                self._publish_keywords()
                self.seconds["keywords"] += time.perf_counter() - t3

    def delete_document(self, doc_id: str) -> bool:
        return bool(self.delete_documents([doc_id]))

    def delete_documents(self, doc_ids: Sequence[str]) -> list[str]:
        """Remove these documents from every index in one registry transaction (then their
        vectors); returns the ids that were there."""
        doc_ids = list(dict.fromkeys(doc_ids))
        if not doc_ids:
            return []
        with self.writing():
            self._drop_stale_vectors()
            ids = self.registry.chunk_ids_of(doc_ids)
            found = self.registry.document_ids_in(doc_ids)
            with self._db:
                self.registry.delete_documents(doc_ids)
                self.registry.note_stale_vectors(ids)
                self.registry.note_keyword_changes(doc_ids)
                self._bump_generation()
            self._drop_stale_vectors(ids)
            return found

    def _drop_stale_vectors(self, chunk_ids: Sequence[str] | None = None) -> None:
        """Delete the noted vectors (these, or all noted when None), then their notes."""
        if chunk_ids is None:
            chunk_ids = self.registry.stale_vectors()
        if not chunk_ids:
            return
        self.vectors.delete(chunk_ids)
        with self._db:
            self.registry.delete_rows("DELETE FROM vector_stale WHERE chunk_id IN ({})", chunk_ids)

    def _bump_generation(self) -> None:
        self.registry.bump_generation()

    def _publish_keywords(self) -> None:
        self.keywords.publish()

    def rebuild_keyword_index(self, full: bool = False) -> KeywordIndex:
        """Bring the keyword index up to date with the registry and publish it: by replaying
        the documents changed since the last commit, or, with ``full`` or when there is no
        readable index (a data dir from before tantivy, a damaged one), by building a new one
        from the registry's stored tokens (no re-tokenising)."""
        with self.writing():
            t0 = time.perf_counter()
            if full or not self.keywords.readable():
                self.keywords.rebuild()
            else:
                self._publish_keywords()
            self.seconds["keywords"] += time.perf_counter() - t0
            return self.keyword_index()

    def keyword_is_stale(self) -> bool:
        """Documents the registry changed that the keyword index does not have yet (cheap)."""
        return self.keywords.is_stale()

    @contextmanager
    def batch(self) -> Iterator[IndexStore]:
        """Group writes; the keyword index is published at the end (and every
        ``KEYWORD_FLUSH_DOCS`` documents), even after an error."""
        if not self._batching:
            with self.writing():  # vectors a crashed writer left to delete go first
                self._drop_stale_vectors()
        self._batching += 1
        try:
            yield self
        finally:
            self._batching -= 1
            if not self._batching and self.keyword_is_stale():
                self.rebuild_keyword_index()

    def check(self, repair: bool = False) -> dict[str, Any]:
        """Consistency between vectors, registry and keyword index; with ``repair``, drop
        vectors the registry does not know and publish a stale keyword index. Chunks without
        a vector cannot be re-created here: their documents are listed for re-ingest.
        Holds the write lock: a writer's vectors-before-registry step is not an orphan."""
        with self.writing():
            return consistency.check(
                self.registry,
                self.vectors,
                self.keywords,
                lambda full: self.rebuild_keyword_index(full=full),
                repair,
            )

    # -- reads ------------------------------------------------------------------------------

    def keyword_index(self) -> KeywordIndex:
        """The keyword index as of the last commit (``KeywordSync.index``)."""
        return self.keywords.index()

    def dense_search(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        return self.vectors.search(vector, k, self.registry.generation(), where)

    def content_hash(self, doc_id: str) -> str | None:
        return self.registry.content_hash(doc_id)

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        """Chunks known to the registry (orphan vectors are silently absent)."""
        return self.registry.chunks(chunk_ids)

    def accent_forms(self, folded: list[str]) -> dict[str, tuple[str, int]]:
        """The most frequent accented form of each folded word or word pair, and its count."""
        return self.registry.accent_forms(folded)

    def facts(self, query: FactQuery | None = None) -> list[Fact]:
        """Facts the documents state, newest period first (see ``factstore.query``); all of
        them without a query."""
        return self.registry.facts(query or FactQuery())

    def simhashes(self) -> list[tuple[str, int]]:
        return self.registry.simhashes()

    def duplicates(self, doc_id: str) -> list[DocumentRef]:
        """Other documents carrying the same story (near-duplicates found at ingest)."""
        return self.registry.duplicates(doc_id)

    def cluster(self, doc_id: str) -> str:
        return self.registry.cluster(doc_id)

    def chunk_ids_matching(self, chunk_filter: ChunkFilter) -> set[str]:
        """The chunks a filter lets through, read from the registry (the keyword stage's set)."""
        return self.chunk_ids_where(*chunk_filter.registry_where())

    def chunk_ids_where(self, sql: str, params: Sequence[Any]) -> set[str]:
        return self.registry.chunk_ids_where(sql, params)

    def registry_generation(self) -> str:
        """Changes with every document written or deleted: what readers' caches are keyed by."""
        return self.registry.generation()

    def document_fields(self, keys: Sequence[str]) -> list[tuple[Any, ...]]:
        """(doc_id, *values) of the metadata ``keys`` for every document that has any of them."""
        return self.registry.document_fields(keys)

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self.registry.document(doc_id)

    def documents(self) -> Iterator[DocumentListing]:
        return self.registry.documents()

    def stats(self) -> dict[str, int]:
        return {
            "documents": self.registry.document_count(),
            "chunks": self.registry.chunk_count(),
            "vectors": self.vectors.total(),
        }

    def close(self) -> None:
        self.registry.close()
        self._lockfile.close()
