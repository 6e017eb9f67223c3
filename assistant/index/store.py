"""The index: Chroma (vectors), a SQLite registry (documents, chunks) and the keyword index.

The registry is the source of truth. Writes go vectors first, registry second, stale
vectors last, so a crash at any point leaves at worst orphan vectors, which readers ignore
(a chunk is only returned if the registry has it) and ``repair()`` removes.

The keyword index follows the registry: the registry transaction that changes a document also
notes its id in ``keyword_pending``; publishing writes those documents' chunks into the tantivy
index (one commit), then clears the notes and bumps ``keyword_generation`` in one registry
transaction. A crash before the commit leaves the last commit and the notes; one after it and
before the registry write leaves notes whose replay (delete by document, add) is idempotent.
So the keyword index is stale exactly when notes remain, and catching up costs what changed.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.databases import open_sqlite
from assistant.index import anchors, factstore
from assistant.index import keywords as kw
from assistant.index.contract import COLLECTION, HNSW, SCHEMA_VERSION
from assistant.index.embeddings import IndexEmbeddings
from assistant.index.facts import Fact, extract_facts
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


@dataclass
class PreparedDocument:
    """One document ready to store: its chunks, their vectors (one row each), the accent
    vocabulary it adds and its facts (None: extracted when stored)."""

    doc: DocumentRecord
    chunks: list[ChunkRecord]
    vectors: np.ndarray
    vocab: Mapping[tuple[str, str], int] | None = None
    facts: list[Fact] | None = None

KEYWORD_SCHEMA = """
CREATE TABLE IF NOT EXISTS keyword_pending (doc_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS vector_stale (chunk_id TEXT PRIMARY KEY);
"""
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
        # Transactions of its own (``with self._db``): the write protocol spans Chroma and tantivy.
        self._db = open_sqlite(data_dir / "registry.sqlite", timeout=60, autocommit=False)
        self._db.executescript(REGISTRY_SCHEMA)
        self._db.executescript(factstore.FACTS_SCHEMA)  # older registries gain it; doctor --repair fills it
        self._db.executescript(KEYWORD_SCHEMA)
        self._migrate()
        self._lock = threading.RLock()
        # Writers in other processes (a CLI ingest beside the server, a backup) take the same
        # file lock, so at most one writes and a backup sees no half-written document.
        self._lockfile = open(data_dir / "write.lock", "a+")  # noqa: SIM115 — held for the store's life
        self._depth = 0
        self._check_identity()
        self._client = self._chroma_client(chroma_url)
        self._collection = self._client.get_or_create_collection(
            COLLECTION,
            configuration={"hnsw": HNSW},  # type: ignore[typeddict-item]
            metadata={"embed_model": embedder.model_id, "dim": embedder.dim},
            embedding_function=None,
        )
        stored = (self._collection.metadata or {}).get("embed_model")
        if stored and stored != embedder.model_id:
            raise IndexMismatchError(
                f"the Chroma collection was built with {stored!r}; this process embeds with "
                f"{embedder.model_id!r}. Re-ingest into a new data dir or set CCHC_EMBEDDER={stored}."
            )
        self._keyword: KeywordIndex | None = None
        # The open tantivy index and the directory it is in (a full rebuild moves to a new one).
        self._tantivy: tuple[str, Any] | None = None
        self._batching = 0
        self._count: tuple[str, int] | None = None
        self._max_batch: int | None = None
        # Seconds this store spent writing, by index (bench/ingest_throughput.py prints them).
        self.seconds: dict[str, float] = {"vectors": 0.0, "registry": 0.0, "keywords": 0.0}

    # -- identity ---------------------------------------------------------------------------

    def _chroma_client(self, chroma_url: str | None) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if chroma_url:
            from urllib.parse import urlparse

            u = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=u.hostname or "127.0.0.1",
                port=u.port or (443 if u.scheme == "https" else 8000),
                ssl=u.scheme == "https",
                settings=chroma_settings,
            )
        return chromadb.PersistentClient(path=str(self.data_dir / "chroma"), settings=chroma_settings)

    def _migrate(self) -> None:
        """Columns added after a registry was created (additive changes only)."""
        with self._db:
            for table, column, kind in (
                ("documents", "simhash", "INTEGER"),
                ("documents", "dup_of", "TEXT"),
                ("chunks", "date_min", "INTEGER"),
                ("chunks", "date_max", "INTEGER"),
                ("chunks", "anchors", "TEXT"),  # NULL: written before anchors (anchors.py)
            ):
                have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            # "Also reported by" looks copies up by their first copy at every answer.
            self._db.execute("CREATE INDEX IF NOT EXISTS documents_dup_of ON documents(dup_of)")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _check_identity(self) -> None:
        model, dim, schema = self._meta("embed_model"), self._meta("dim"), self._meta("schema")
        if model is None:
            with self._db:
                self._set_meta("embed_model", self.embedder.model_id)
                self._set_meta("dim", str(self.embedder.dim))
                self._set_meta("schema", str(SCHEMA_VERSION))
            return
        if model != self.embedder.model_id or int(dim or 0) != self.embedder.dim:
            raise IndexMismatchError(
                f"index in {self.data_dir} was built with {model!r} ({dim}-d); this process "
                f"embeds with {self.embedder.model_id!r} ({self.embedder.dim}-d). Querying it "
                f"would return garbage: use another data dir or set CCHC_EMBEDDER={model}."
            )
        if int(schema or 0) != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"index schema {schema} in {self.data_dir}, this version reads {SCHEMA_VERSION}: "
                "re-ingest into a new data dir."
            )

    # -- writes -----------------------------------------------------------------------------

    def content_hash(self, doc_id: str) -> str | None:
        row = self._db.execute(
            "SELECT content_hash FROM documents WHERE doc_id=?", (doc_id,)
        ).fetchone()
        return row[0] if row else None

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
        vocab: Mapping[tuple[str, str], int] | None = None,
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
            p.facts if p.facts is not None else extract_facts(p.doc.doc_id, p.doc.text, p.doc.title, p.doc.published)
            for p in batch
        ]
        with self.writing():
            self._drop_stale_vectors()
            t0 = time.perf_counter()
            old_ids = self._chunk_ids_of(ids)
            new_ids = [c.chunk_id for p in batch for c in p.chunks]
            if new_ids:
                vectors = np.concatenate([np.asarray(p.vectors, dtype=np.float32).reshape(len(p.chunks), -1)
                                          for p in batch if p.chunks])
                metadatas = [chroma_metadata(p.doc, c) for p in batch for c in p.chunks]
                step = self._max_upsert()
                for i in range(0, len(new_ids), step):
                    self._collection.upsert(
                        ids=new_ids[i : i + step], embeddings=vectors[i : i + step], metadatas=metadatas[i : i + step]
                    )
            t1 = time.perf_counter()
            vocab: dict[tuple[str, str], int] = {}
            for p in batch:
                for key, n in (p.vocab or {}).items():
                    vocab[key] = vocab.get(key, 0) + n
            with self._db:
                self._delete_rows("DELETE FROM chunks WHERE doc_id IN ({})", ids)
                for p, doc_facts in zip(batch, facts):
                    factstore.write(self._db, p.doc.doc_id, doc_facts)
                self._db.executemany(
                    "INSERT OR REPLACE INTO documents (doc_id, content_hash, title, url, published,"
                    " source, extra, text, n_chunks, updated_at, simhash, dup_of)"
                    " VALUES (?,?,?,?,?,?,?,?,?, datetime('now'),?,?)",
                    [
                        (
                            d.doc_id, d.content_hash, d.title, d.url, d.published, d.source,
                            json.dumps(d.extra, ensure_ascii=False), d.text, len(p.chunks), d.simhash, d.dup_of,
                        )
                        for p in batch
                        for d in [p.doc]
                    ],
                )
                self._db.executemany(
                    "INSERT INTO chunks (chunk_id, doc_id, ord, start, \"end\", tokens, provinces,"
                    " date_min, date_max, anchors) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [
                        (c.chunk_id, c.doc_id, c.ord, c.start, c.end, " ".join(c.tokens),
                         provinces_column(c.provinces), c.dates[0] if c.dates else None,
                         c.dates[1] if c.dates else None, anchors.dumps(c.anchors))
                        for p in batch
                        for c in p.chunks
                    ],
                )
                if vocab:
                    # Counts only grow: a word seen once is still a valid restoration.
                    self._db.executemany(
                        "INSERT INTO accent_vocab VALUES (?,?,?) ON CONFLICT(folded, accented) "
                        "DO UPDATE SET n = n + excluded.n",
                        [(f, a, n) for (f, a), n in vocab.items()],
                    )
                stale = sorted(set(old_ids) - set(new_ids))
                self._note_stale_vectors(stale)
                self._note_keyword_changes(ids)
                self._bump_generation()
            t2 = time.perf_counter()
            self._drop_stale_vectors(stale)
            self.seconds["vectors"] += (t1 - t0) + (time.perf_counter() - t2)
            self.seconds["registry"] += t2 - t1
            if self._batching and self._keyword_pending_count() >= KEYWORD_FLUSH_DOCS:
                t3 = time.perf_counter()
                self._publish_keywords()
                self.seconds["keywords"] += time.perf_counter() - t3

    def _chunk_ids_of(self, doc_ids: Sequence[str]) -> list[str]:
        out: list[str] = []
        for i in range(0, len(doc_ids), 500):
            part = list(doc_ids[i : i + 500])
            out += [
                r[0]
                for r in self._db.execute(f"SELECT chunk_id FROM chunks WHERE doc_id IN ({','.join('?' * len(part))})", part)
            ]
        return out

    def _delete_rows(self, sql: str, doc_ids: Sequence[str]) -> None:
        for i in range(0, len(doc_ids), 500):
            part = list(doc_ids[i : i + 500])
            self._db.execute(sql.format(",".join("?" * len(part))), part)

    def _delete_vectors(self, chunk_ids: Sequence[str]) -> None:
        step = self._max_upsert()
        for i in range(0, len(chunk_ids), step):
            self._collection.delete(ids=list(chunk_ids[i : i + step]))

    def _max_upsert(self) -> int:
        # Chroma refuses a call over its maximum batch size (a server's may be smaller).
        if self._max_batch is None:
            try:
                self._max_batch = max(1, int(self._client.get_max_batch_size()))
            except Exception:  # an old server without the endpoint
                self._max_batch = 1000
        return self._max_batch

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
            ids = self._chunk_ids_of(doc_ids)
            found: list[str] = []
            for i in range(0, len(doc_ids), 500):
                part = doc_ids[i : i + 500]
                marks = ",".join("?" * len(part))
                found += [r[0] for r in self._db.execute(f"SELECT doc_id FROM documents WHERE doc_id IN ({marks})", part)]
            with self._db:
                self._delete_rows("DELETE FROM documents WHERE doc_id IN ({})", doc_ids)
                self._delete_rows("DELETE FROM chunks WHERE doc_id IN ({})", doc_ids)
                for doc_id in doc_ids:
                    factstore.delete(self._db, doc_id)
                self._note_stale_vectors(ids)
                self._note_keyword_changes(doc_ids)
                self._bump_generation()
            self._drop_stale_vectors(ids)
            return found

    def _note_stale_vectors(self, chunk_ids: Sequence[str]) -> None:
        """Inside the registry transaction that drops these chunks: their vectors are due for
        deletion. A crash before the delete leaves the note, replayed by the next writer."""
        self._db.executemany("INSERT OR IGNORE INTO vector_stale VALUES (?)", [(c,) for c in chunk_ids])

    def _drop_stale_vectors(self, chunk_ids: Sequence[str] | None = None) -> None:
        """Delete the noted vectors (these, or all noted when None), then their notes."""
        if chunk_ids is None:
            chunk_ids = [r[0] for r in self._db.execute("SELECT chunk_id FROM vector_stale")]
        if not chunk_ids:
            return
        self._delete_vectors(chunk_ids)
        with self._db:
            self._delete_rows("DELETE FROM vector_stale WHERE chunk_id IN ({})", chunk_ids)

    def _bump_generation(self) -> None:
        gen = int(self._meta("registry_generation") or 0) + 1
        self._set_meta("registry_generation", str(gen))

    # -- keyword index ----------------------------------------------------------------------

    def _note_keyword_changes(self, doc_ids: Sequence[str]) -> None:
        """Inside the registry transaction that changes these documents: their keyword entries are due."""
        self._db.executemany("INSERT OR IGNORE INTO keyword_pending VALUES (?)", [(d,) for d in doc_ids])

    def _keyword_pending_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM keyword_pending").fetchone()[0])

    def _keyword_dir(self) -> Path | None:
        name = self._meta("keyword_dir")
        return self.data_dir / name if name else None

    def _open_tantivy(self) -> Any | None:
        """The tantivy index the registry points at, opened once per process and directory."""
        path = self._keyword_dir()
        if path is None:
            return None
        if self._tantivy is None or self._tantivy[0] != path.name:
            self._tantivy = (path.name, kw.open_index(path))
        return self._tantivy[1]

    def rebuild_keyword_index(self, full: bool = False) -> KeywordIndex:
        """Bring the keyword index up to date with the registry and publish it: by replaying
        the documents changed since the last commit, or, with ``full`` or when there is no
        readable index (a data dir from before tantivy, a damaged one), by building a new one
        from the registry's stored tokens (no re-tokenising)."""
        with self.writing():
            t0 = time.perf_counter()
            if full or not self._keyword_readable():
                self._rebuild_keywords()
            else:
                self._publish_keywords()
            self.seconds["keywords"] += time.perf_counter() - t0
            return self.keyword_index()

    def _publish_keywords(self) -> None:
        """Write the pending documents' chunks into the index (one commit), then clear them."""
        pending = [r[0] for r in self._db.execute("SELECT doc_id FROM keyword_pending ORDER BY doc_id")]
        if not pending:
            return
        index = self._open_tantivy()
        if index is None:
            self._rebuild_keywords()
            return
        by_doc: dict[str, list[tuple[str, list[str]]]] = {d: [] for d in pending}
        for i in range(0, len(pending), 500):
            part = pending[i : i + 500]
            marks = ",".join("?" * len(part))
            for doc_id, chunk_id, tokens in self._db.execute(
                f"SELECT doc_id, chunk_id, tokens FROM chunks WHERE doc_id IN ({marks}) ORDER BY rowid", part
            ):
                by_doc[doc_id].append((chunk_id, tokens.split()))
        heap = kw.BULK_WRITE_HEAP if len(pending) > 50 else kw.SMALL_WRITE_HEAP
        kw.write(index, by_doc.items(), heap)
        with self._db:  # after the commit: a crash in between replays these documents again
            for i in range(0, len(pending), 500):
                part = pending[i : i + 500]
                self._db.execute(f"DELETE FROM keyword_pending WHERE doc_id IN ({','.join('?' * len(part))})", part)
            self._bump_keyword_generation()

    def _rebuild_keywords(self) -> None:
        """A new index in a new directory, published by one registry write; old ones removed."""
        gen = int(self._meta("keyword_generation") or 0) + 1
        target = self.data_dir / f"keywords-{gen}"
        if target.exists():
            shutil.rmtree(target)  # left by a rebuild that crashed: never published
        index = kw.create(target)
        rows = self._db.execute("SELECT doc_id, chunk_id, tokens FROM chunks ORDER BY doc_id, rowid")

        def documents() -> Any:
            doc_id, chunks = None, []
            for d, cid, tokens in rows:
                if d != doc_id and doc_id is not None:
                    yield doc_id, chunks
                    chunks = []
                doc_id = d
                chunks.append((cid, tokens.split()))
            if doc_id is not None:
                yield doc_id, chunks

        kw.write(index, documents(), kw.BULK_WRITE_HEAP)
        with self._db:
            self._db.execute("DELETE FROM keyword_pending")
            self._set_meta("keyword_dir", target.name)
            self._set_meta("keyword_schema", kw.SCHEMA_VERSION)
            self._bump_keyword_generation()
        self._tantivy = (target.name, index)
        for old in [*self.data_dir.glob("keywords-*"), self.data_dir / "keyword"]:
            if old != target and old.is_dir():  # "keyword/": the bm25s generations of old
                shutil.rmtree(old, ignore_errors=True)

    def _bump_keyword_generation(self) -> None:
        gen = int(self._meta("keyword_generation") or 0) + 1
        self._set_meta("keyword_generation", str(gen))
        self._set_meta("keyword_built_from", self._meta("registry_generation") or "0")

    def keyword_is_stale(self) -> bool:
        """Documents the registry changed that the keyword index does not have yet (cheap)."""
        if self._keyword_pending_count():
            return True
        if self._keyword_dir() is not None and self._meta("keyword_schema") != kw.SCHEMA_VERSION:
            return True
        return self._keyword_dir() is None and self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None

    def _keyword_readable(self) -> bool:
        """True when there is no index yet and nothing to index, or the index opens."""
        if self._keyword_dir() is None:
            return self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is None
        if self._meta("keyword_schema") != kw.SCHEMA_VERSION:
            return False  # written with other fields: rebuilt, not misread
        try:
            return self._open_tantivy() is not None
        except Exception:  # a missing or damaged meta.json: tantivy raises ValueError/OSError
            self._tantivy = None
            return False

    def _keyword_health(self) -> dict[str, Any]:
        """What doctor reports of the keyword index: readable, its size against the registry."""
        chunks = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        path = self._keyword_dir()
        out: dict[str, Any] = {"keyword_pending": self._keyword_pending_count(), "keyword_chunks": 0}
        if path is None or self._meta("keyword_schema") != kw.SCHEMA_VERSION:
            out["keyword_unreadable"] = chunks > 0 or path is not None
            return out
        try:
            index = self._open_tantivy()
            assert index is not None
            index.reload()
            out["keyword_chunks"] = index.searcher().num_docs
            out["keyword_unreadable"] = False
        except Exception as exc:  # a missing or damaged segment: tantivy raises ValueError/OSError
            self._tantivy = None
            out["keyword_unreadable"] = True
            out["keyword_error"] = f"{type(exc).__name__}: {exc}"
        return out

    def check(self, repair: bool = False) -> dict[str, Any]:
        """Consistency between vectors, registry and keyword index; with ``repair``, drop
        vectors the registry does not know and publish a stale keyword index. Chunks without
        a vector cannot be re-created here: their documents are listed for re-ingest.
        Holds the write lock: a writer's vectors-before-registry step is not an orphan."""
        with self.writing():
            return self._check(repair)

    def _check(self, repair: bool) -> dict[str, Any]:
        known = {r[0]: r[1] for r in self._db.execute("SELECT chunk_id, doc_id FROM chunks")}
        seen: set[str] = set()
        offset = 0
        while True:
            ids = self._collection.get(include=[], limit=5000, offset=offset)["ids"]
            if not ids:
                break
            seen.update(ids)
            offset += len(ids)
        orphans = sorted(seen - set(known))
        missing_docs = sorted({known[c] for c in set(known) - seen})
        health = self._keyword_health()
        # Nothing pending yet a count that differs from the registry's: the index lost or gained
        # chunks outside the contract (a file restored by hand, a bug); only a rebuild is sure.
        miscount = not health["keyword_pending"] and health["keyword_chunks"] != len(known)
        stale = bool(health["keyword_pending"]) or health["keyword_unreadable"] or miscount
        if repair:
            if orphans:
                self._delete_vectors(orphans)
            with self._db:  # every noted stale vector is an orphan: deleted above
                self._db.execute("DELETE FROM vector_stale")
            if stale:
                self.rebuild_keyword_index(full=health["keyword_unreadable"] or miscount)
                health = {**self._keyword_health(), "keyword_repaired_from": health}
        facts = factstore.check(self._db, repair)
        # Chunks from before anchors (legal path, page): filled from the stored text on repair.
        unanchored = anchors.missing(self._db)
        if repair and unanchored:
            anchors.backfill(self._db)
        return {
            "documents": self._db.execute("SELECT count(*) FROM documents").fetchone()[0],
            "chunks": len(known),
            "vectors": len(seen) - (len(orphans) if repair else 0),
            "orphan_vectors": len(orphans),
            "documents_missing_vectors": missing_docs,
            "keyword_index_stale": stale,
            **health,
            "repaired": repair,
            **facts,
            "chunks_without_anchors": unanchored,
            "consistent": not orphans and not missing_docs and not stale and (repair or facts["facts_consistent"]),
        }

    # -- reads ------------------------------------------------------------------------------

    def keyword_index(self) -> KeywordIndex:
        """The keyword index as of the last commit; a commit from another process is picked up
        by reopening the segment list (segments already open stay mapped, nothing is re-read)."""
        gen = int(self._meta("keyword_generation") or 0)
        if self._keyword is None or self._keyword.generation != gen:
            for attempt in range(3):
                try:
                    index = self._open_tantivy()
                    if index is not None:
                        index.reload()
                    break
                except (OSError, ValueError):
                    # A writer in another process committed again and removed, after a merge,
                    # segments of the commit this reader was about to open: read the newer one.
                    self._tantivy = None
                    if attempt == 2:
                        raise
                    time.sleep(0.05)
            self._keyword = KeywordIndex(index, gen)
        return self._keyword

    def dense_search(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        n = self._vector_count()
        if n == 0:
            return []
        res = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(k, n),
            where=where,
            include=["distances"],
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def _vector_count(self) -> int:
        # Chroma's count() costs a round trip per question; it only changes with the registry.
        gen = self._meta("registry_generation") or "0"
        if self._count is None or self._count[0] != gen:
            self._count = (gen, self._collection.count())
        return self._count[1]

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        """Chunks known to the registry (orphan vectors are silently absent)."""
        out: dict[str, StoredChunk] = {}
        for i in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[i : i + 500])
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT {', '.join(STORED_CHUNK_COLUMNS.values())} "
                f"FROM chunks c JOIN documents d USING (doc_id) WHERE c.chunk_id IN ({marks})",
                part,
            ).fetchall()
            for r in rows:
                chunk = stored_chunk(r)
                out[chunk.chunk_id] = chunk
        return out

    def accent_forms(self, folded: list[str]) -> dict[str, tuple[str, int]]:
        """The most frequent accented form of each folded word or word pair, and its count."""
        out: dict[str, tuple[str, int]] = {}
        for i in range(0, len(folded), 500):
            part = list(dict.fromkeys(folded[i : i + 500]))
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT folded, accented, n FROM accent_vocab WHERE folded IN ({marks})", part
            ).fetchall()
            for f, a, n in rows:
                if n > out.get(f, ("", 0))[1]:
                    out[f] = (a, n)
        return out

    def facts(self, metric: str | None = None, unit: str | None = None, level: str | None = None,
              year: int | None = None, kind: str | None = None, doc_ids: Sequence[str] | None = None,
              limit: int | None = None, period: str | None = None) -> list[Fact]:
        """Facts the documents state, newest period first (see ``factstore.query``)."""
        return factstore.query(self._db, metric, unit, level, year, kind, doc_ids, limit, period)

    def simhashes(self) -> list[tuple[str, int]]:
        return [
            (r[0], r[1])
            for r in self._db.execute("SELECT doc_id, simhash FROM documents WHERE simhash IS NOT NULL")
        ]

    def duplicates(self, doc_id: str) -> list[DocumentRef]:
        """Other documents carrying the same story (near-duplicates found at ingest)."""
        row = self._db.execute("SELECT dup_of FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            return []
        root = row[0] or doc_id
        rows = self._db.execute(
            "SELECT doc_id, title, url, published, source FROM documents "
            "WHERE (doc_id=? OR dup_of=?) AND doc_id != ? ORDER BY published",
            (root, root, doc_id),
        ).fetchall()
        return [DocumentRef(doc_id=r[0], title=r[1], url=r[2], published=r[3], source=r[4]) for r in rows]

    def cluster(self, doc_id: str) -> str:
        row = self._db.execute("SELECT dup_of FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return (row[0] if row and row[0] else None) or doc_id

    def chunk_ids_matching(self, chunk_filter: ChunkFilter) -> set[str]:
        """The chunks a filter lets through, read from the registry (the keyword stage's set)."""
        return self.chunk_ids_where(*chunk_filter.registry_where())

    def chunk_ids_where(self, sql: str, params: Sequence[Any]) -> set[str]:
        return {
            r[0]
            for r in self._db.execute(
                f"SELECT c.chunk_id FROM chunks c JOIN documents d USING (doc_id) WHERE {sql}", params
            )
        }

    def registry_generation(self) -> str:
        """Changes with every document written or deleted: what readers' caches are keyed by."""
        return self._meta("registry_generation") or "0"

    def document_fields(self, keys: Sequence[str]) -> list[tuple[Any, ...]]:
        """(doc_id, *values) of the metadata ``keys`` for every document that has any of them."""
        paths = [f"json_extract(extra, '$.{k}')" for k in keys if k.isidentifier()]
        held = paths[0] if len(paths) == 1 else f"coalesce({', '.join(paths)})"
        rows = self._db.execute(f"SELECT doc_id, {', '.join(paths)} FROM documents WHERE {held} IS NOT NULL").fetchall()
        return [tuple(r) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self._db.execute(
            "SELECT doc_id, title, text, content_hash, url, published, source, extra, simhash, dup_of "
            "FROM documents WHERE doc_id=?",
            (doc_id,),
        ).fetchone()
        if not row:
            return None
        return DocumentRecord(
            doc_id=row[0], title=row[1], text=row[2], content_hash=row[3], url=row[4], published=row[5],
            source=row[6], extra=json.loads(row[7] or "{}"), simhash=row[8], dup_of=row[9],
        )

    def documents(self) -> Iterator[DocumentListing]:
        for r in self._db.execute(
            "SELECT doc_id, title, url, published, source, n_chunks, updated_at FROM documents "
            "ORDER BY doc_id"
        ):
            yield DocumentListing(
                doc_id=r[0], title=r[1], url=r[2], published=r[3], source=r[4], chunks=r[5], updated_at=r[6]
            )

    def stats(self) -> dict[str, int]:
        docs = self._db.execute("SELECT count(*) FROM documents").fetchone()[0]
        chunks = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return {"documents": docs, "chunks": chunks, "vectors": self._collection.count()}

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

    def close(self) -> None:
        self._db.close()
        self._lockfile.close()
