"""The index's SQLite registry: documents, chunks, facts, the accent vocabulary and the notes of
the write protocol, and every read of them. The source of truth of the index (``store.py``):
a chunk exists when the registry has it, whatever Chroma or the keyword index hold.

Pure SQL over one connection with transactions of its own (``with registry.db``), so the
write protocol in ``store.py`` decides what a transaction spans; the tables are declared in
``records.py`` (the index's schema) and here (the notes, which only the protocol reads).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.databases import open_sqlite
from assistant.index import anchors, factstore
from assistant.index.accents import vocabulary_rows
from assistant.index.contract import SCHEMA_VERSION
from assistant.index.facts import Fact, FactQuery
from assistant.index.records import (
    REGISTRY_SCHEMA,
    STORED_CHUNK_COLUMNS,
    DocumentListing,
    DocumentRecord,
    DocumentRef,
    IndexMismatchError,
    StoredChunk,
    provinces_column,
    stored_chunk,
)

if TYPE_CHECKING:
    from assistant.index.embeddings import IndexEmbeddings
    from assistant.index.records import ChunkRecord

# The write protocol's notes, each written in the registry transaction that makes it due:
# documents whose keyword entries are to be (re)written, vectors whose chunks are gone.
NOTES_SCHEMA = """
CREATE TABLE IF NOT EXISTS keyword_pending (doc_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS vector_stale (chunk_id TEXT PRIMARY KEY);
"""
# SQLite's default limit on host parameters is 999 (older builds): ids go in parts of this many.
PART = 500


def _parts(ids: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), PART):
        yield list(ids[i : i + PART])


def _marks(part: Sequence[str]) -> str:
    return ",".join("?" * len(part))


class Registry:
    def __init__(self, path: Path) -> None:
        # Transactions of its own (``with self.db``): the write protocol spans Chroma and tantivy.
        self.db = open_sqlite(path, timeout=60, autocommit=False)
        self.db.executescript(REGISTRY_SCHEMA)
        self.db.executescript(factstore.FACTS_SCHEMA)  # older registries gain it; doctor --repair fills it
        self.db.executescript(NOTES_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Columns added after a registry was created (additive changes only)."""
        with self.db:
            for table, column, kind in (
                ("documents", "simhash", "INTEGER"),
                ("documents", "dup_of", "TEXT"),
                ("chunks", "date_min", "INTEGER"),
                ("chunks", "date_max", "INTEGER"),
                ("chunks", "anchors", "TEXT"),  # NULL: written before anchors (anchors.py)
            ):
                have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            # "Also reported by" looks copies up by their first copy at every answer.
            self.db.execute("CREATE INDEX IF NOT EXISTS documents_dup_of ON documents(dup_of)")

    def close(self) -> None:
        self.db.close()

    # -- meta: identity and generations -----------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def check_identity(self, embedder: IndexEmbeddings, data_dir: Path) -> None:
        """Stamp a new registry with the embedder and schema; refuse one built otherwise."""
        model, dim, schema = self.meta("embed_model"), self.meta("dim"), self.meta("schema")
        if model is None:
            with self.db:
                self.set_meta("embed_model", embedder.model_id)
                self.set_meta("dim", str(embedder.dim))
                self.set_meta("schema", str(SCHEMA_VERSION))
            return
        if model != embedder.model_id or int(dim or 0) != embedder.dim:
            raise IndexMismatchError(
                f"index in {data_dir} was built with {model!r} ({dim}-d); this process "
                f"embeds with {embedder.model_id!r} ({embedder.dim}-d). Querying it "
                f"would return garbage: use another data dir or set CCHC_EMBEDDER={model}."
            )
        if int(schema or 0) != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"index schema {schema} in {data_dir}, this version reads {SCHEMA_VERSION}: "
                "re-ingest into a new data dir."
            )

    def generation(self) -> str:
        """Changes with every document written or deleted: what readers' caches are keyed by."""
        return self.meta("registry_generation") or "0"

    def bump_generation(self) -> None:
        self.set_meta("registry_generation", str(int(self.generation()) + 1))

    # -- writes (inside the caller's transaction) -------------------------------------------

    def delete_rows(self, sql: str, ids: Sequence[str]) -> None:
        """``sql`` with one ``IN ({})`` over ``ids``, run part by part."""
        for part in _parts(ids):
            self.db.execute(sql.format(_marks(part)), part)

    def write_documents(
        self,
        docs: Sequence[tuple[DocumentRecord, Sequence[ChunkRecord], Sequence[Fact]]],
        vocab: Mapping[str, int],
    ) -> None:
        """Replace the rows of these documents (their chunks, facts and the documents), and add
        to the accent vocabulary (counts by accented syllable or pair: ``accents.vocabulary``)."""
        self.delete_rows("DELETE FROM chunks WHERE doc_id IN ({})", [d.doc_id for d, _, _ in docs])
        for d, _, doc_facts in docs:
            factstore.write(self.db, d.doc_id, doc_facts)
        self.db.executemany(
            "INSERT OR REPLACE INTO documents (doc_id, content_hash, title, url, published,"
            " source, extra, text, n_chunks, updated_at, simhash, dup_of)"
            " VALUES (?,?,?,?,?,?,?,?,?, datetime('now'),?,?)",
            [
                (
                    d.doc_id, d.content_hash, d.title, d.url, d.published, d.source,
                    json.dumps(d.extra, ensure_ascii=False), d.text, len(chunks), d.simhash, d.dup_of,
                )
                for d, chunks, _ in docs
            ],
        )  # fmt: skip
        self.db.executemany(
            'INSERT INTO chunks (chunk_id, doc_id, ord, start, "end", tokens, provinces,'
            " date_min, date_max, anchors) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (c.chunk_id, c.doc_id, c.ord, c.start, c.end, " ".join(c.tokens),
                 provinces_column(c.provinces), c.dates[0] if c.dates else None,
                 c.dates[1] if c.dates else None, anchors.dumps(c.anchors))
                for _, chunks, _ in docs
                for c in chunks
            ],
        )  # fmt: skip
        if vocab:
            # Counts only grow: a word seen once is still a valid restoration.
            self.db.executemany(
                "INSERT INTO accent_vocab VALUES (?,?,?) ON CONFLICT(folded, accented) "
                "DO UPDATE SET n = n + excluded.n",
                vocabulary_rows(vocab),
            )

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove these documents' rows, chunks and facts."""
        self.delete_rows("DELETE FROM documents WHERE doc_id IN ({})", doc_ids)
        self.delete_rows("DELETE FROM chunks WHERE doc_id IN ({})", doc_ids)
        for doc_id in doc_ids:
            factstore.delete(self.db, doc_id)

    def note_stale_vectors(self, chunk_ids: Sequence[str]) -> None:
        """Inside the registry transaction that drops these chunks: their vectors are due for
        deletion. A crash before the delete leaves the note, replayed by the next writer."""
        self.db.executemany("INSERT OR IGNORE INTO vector_stale VALUES (?)", [(c,) for c in chunk_ids])

    def stale_vectors(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT chunk_id FROM vector_stale")]

    def note_keyword_changes(self, doc_ids: Sequence[str]) -> None:
        """Inside the registry transaction that changes these documents: their keyword entries are due."""
        self.db.executemany("INSERT OR IGNORE INTO keyword_pending VALUES (?)", [(d,) for d in doc_ids])

    # -- reads ------------------------------------------------------------------------------

    def content_hash(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def chunk_ids_of(self, doc_ids: Sequence[str]) -> list[str]:
        out: list[str] = []
        for part in _parts(doc_ids):
            out += [
                r[0]
                for r in self.db.execute(
                    f"SELECT chunk_id FROM chunks WHERE doc_id IN ({_marks(part)})", part
                )
            ]
        return out

    def document_ids_in(self, doc_ids: Sequence[str]) -> list[str]:
        """Those of ``doc_ids`` the registry holds."""
        out: list[str] = []
        for part in _parts(doc_ids):
            out += [
                r[0]
                for r in self.db.execute(
                    f"SELECT doc_id FROM documents WHERE doc_id IN ({_marks(part)})", part
                )
            ]
        return out

    def chunk_documents(self) -> dict[str, str]:
        """chunk_id -> doc_id of every chunk."""
        return {r[0]: r[1] for r in self.db.execute("SELECT chunk_id, doc_id FROM chunks")}

    def has_chunks(self) -> bool:
        return self.db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None

    def document_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        """Chunks known to the registry (orphan vectors are silently absent)."""
        out: dict[str, StoredChunk] = {}
        for part in _parts(chunk_ids):
            rows = self.db.execute(
                f"SELECT {', '.join(STORED_CHUNK_COLUMNS.values())} "
                f"FROM chunks c JOIN documents d USING (doc_id) WHERE c.chunk_id IN ({_marks(part)})",
                part,
            ).fetchall()
            for r in rows:
                chunk = stored_chunk(r)
                out[chunk.chunk_id] = chunk
        return out

    def accent_forms(self, folded: list[str]) -> dict[str, tuple[str, int]]:
        """The most frequent accented form of each folded word or word pair, and its count."""
        out: dict[str, tuple[str, int]] = {}
        for i in range(0, len(folded), PART):
            part = list(dict.fromkeys(folded[i : i + PART]))
            rows = self.db.execute(
                f"SELECT folded, accented, n FROM accent_vocab WHERE folded IN ({_marks(part)})", part
            ).fetchall()
            for f, a, n in rows:
                if n > out.get(f, ("", 0))[1]:
                    out[f] = (a, n)
        return out

    def facts(self, query: FactQuery) -> list[Fact]:
        """Facts the documents state, newest period first (see ``factstore.query``)."""
        return factstore.query(self.db, query)

    def simhashes(self) -> list[tuple[str, int]]:
        return [
            (r[0], r[1])
            for r in self.db.execute("SELECT doc_id, simhash FROM documents WHERE simhash IS NOT NULL")
        ]

    def duplicates(self, doc_id: str) -> list[DocumentRef]:
        """Other documents carrying the same story (near-duplicates found at ingest)."""
        row = self.db.execute("SELECT dup_of FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            return []
        root = row[0] or doc_id
        rows = self.db.execute(
            "SELECT doc_id, title, url, published, source FROM documents "
            "WHERE (doc_id=? OR dup_of=?) AND doc_id != ? ORDER BY published",
            (root, root, doc_id),
        ).fetchall()
        return [DocumentRef(doc_id=r[0], title=r[1], url=r[2], published=r[3], source=r[4]) for r in rows]

    def cluster(self, doc_id: str) -> str:
        row = self.db.execute("SELECT dup_of FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return (row[0] if row and row[0] else None) or doc_id

    def chunk_ids_where(self, sql: str, params: Sequence[Any]) -> set[str]:
        return {
            r[0]
            for r in self.db.execute(
                f"SELECT c.chunk_id FROM chunks c JOIN documents d USING (doc_id) WHERE {sql}", params
            )
        }

    def document_fields(self, keys: Sequence[str]) -> list[tuple[Any, ...]]:
        """(doc_id, *values) of the metadata ``keys`` for every document that has any of them."""
        paths = [f"json_extract(extra, '$.{k}')" for k in keys if k.isidentifier()]
        held = paths[0] if len(paths) == 1 else f"coalesce({', '.join(paths)})"
        rows = self.db.execute(
            f"SELECT doc_id, {', '.join(paths)} FROM documents WHERE {held} IS NOT NULL"
        ).fetchall()
        return [tuple(r) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self.db.execute(
            "SELECT doc_id, title, text, content_hash, url, published, source, extra, simhash, dup_of "
            "FROM documents WHERE doc_id=?",
            (doc_id,),
        ).fetchone()
        if not row:
            return None
        return DocumentRecord(
            doc_id=row[0], title=row[1], text=row[2], content_hash=row[3], url=row[4], published=row[5],
            source=row[6], extra=json.loads(row[7] or "{}"), simhash=row[8], dup_of=row[9],
        )  # fmt: skip

    def documents(self) -> Iterator[DocumentListing]:
        for r in self.db.execute(
            "SELECT doc_id, title, url, published, source, n_chunks, updated_at FROM documents ORDER BY doc_id"
        ):
            yield DocumentListing(
                doc_id=r[0], title=r[1], url=r[2], published=r[3], source=r[4], chunks=r[5], updated_at=r[6]
            )
