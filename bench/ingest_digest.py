"""What an ingest leaves in the index, as JSON: the registry's documents, chunks (offsets,
keyword tokens, provinces, dates), accent vocabulary and facts, the vectors' metadata and the
keyword index's hits, read back from the stores (not from the pipeline's internals), so two
versions of the pipeline can be compared on the same documents.

    .venv/bin/python -m bench.ingest_digest --docs ../shared/corpus/general.jsonl --limit 1000 --out /tmp/a.json
    .venv/bin/python -m bench.ingest_digest ... --out /tmp/b.json && cmp /tmp/a.json /tmp/b.json

``tests/fixtures/ingest_golden.json`` is this digest of the bundled sample plus the test's own
documents (``tests/integration/test_ingest_batching.py`` regenerates and compares it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.embeddings import IndexEmbeddings
from assistant.index.store import IndexStore
from ingest.loaders import SourceDocument, load_paths
from ingest.pipeline import IngestPipeline


class ZeroEmbeddings(IndexEmbeddings):
    """A zero-cost embedder, so what is timed is the pipeline around it (what a GPU box's
    embedder leaves us): each text gets one of a fixed pool of random unit vectors, picked by
    a CRC of the text. Distinct vectors, not one constant: HNSW inserts of identical vectors
    are ten times slower than of real ones (every neighbour ties), which would time Chroma's
    worst case instead of ours."""

    def __init__(self, dim: int = 384, pool: int = 4096) -> None:
        self.dim = dim
        self.model_id = f"zero:{dim}"
        rows = np.random.default_rng(20).normal(size=(pool, dim)).astype(np.float32)
        self._pool = rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._pool[[zlib.crc32(t.encode("utf-8")) % len(self._pool) for t in texts]]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def digest(data_dir: Path, store: IndexStore, full_tokens: bool = False) -> dict[str, Any]:
    """The stored state of an index, in a stable order."""
    db = sqlite3.connect(str(data_dir / "registry.sqlite"))
    docs = [
        {"doc_id": r[0], "content_hash": r[1], "title": r[2], "extra": json.loads(r[3] or "{}"),
         "text_sha": _sha(r[4]), "n_chunks": r[5], "simhash": r[6], "dup_of": r[7]}
        for r in db.execute(
            "SELECT doc_id, content_hash, title, extra, text, n_chunks, simhash, dup_of FROM documents ORDER BY doc_id"
        )
    ]
    chunks = []
    for r in db.execute(
        'SELECT chunk_id, doc_id, ord, start, "end", tokens, provinces, date_min, date_max, anchors FROM chunks '
        "ORDER BY doc_id, ord"
    ):
        row = {"chunk_id": r[0], "doc_id": r[1], "ord": r[2], "start": r[3], "end": r[4],
               "n_tokens": len(r[5].split()), "tokens_sha": _sha(r[5]), "provinces": r[6],
               "dates": [r[7], r[8]], "anchors": r[9]}
        if full_tokens:
            row["tokens"] = r[5]
        chunks.append(row)
    vocab = [list(r) for r in db.execute("SELECT folded, accented, n FROM accent_vocab ORDER BY folded, accented")]
    fact_tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'fact%'")]
    facts = {}
    for table in sorted(fact_tables):
        rows = [json.dumps(list(r), ensure_ascii=False) for r in db.execute(f"SELECT * FROM {table}")]
        facts[table] = {"rows": len(rows), "sha": _sha("\n".join(sorted(rows)))}
    pending = db.execute("SELECT count(*) FROM keyword_pending").fetchone()[0]
    db.close()
    got = store._collection.get(include=["metadatas"])  # noqa: SLF001 — the bench reads the store's own collection
    vectors = sorted(
        [{"id": i, "meta": dict(sorted(m.items()))} for i, m in zip(got["ids"], got["metadatas"])],
        key=lambda v: v["id"],
    )
    index = store.keyword_index()
    keyword_hits = {}
    for c in chunks[:: max(1, len(chunks) // 40)]:
        # The chunk's first tokens as a query: what the keyword index returns for them.
        query = db_tokens(data_dir, c["chunk_id"])[:4]
        keyword_hits[c["chunk_id"]] = [[h, round(s, 4)] for h, s in index.search(query, 5)] if query else []
    return {
        "documents": docs,
        "chunks": chunks,
        "accent_vocab": {"rows": len(vocab), "sha": _sha(json.dumps(vocab, ensure_ascii=False)),
                         "sample": vocab[:: max(1, len(vocab) // 50)]},
        "facts": facts,
        "vectors": {"n": len(vectors), "sha": _sha(json.dumps(vectors, ensure_ascii=False)),
                    "ids_match_registry": sorted(c["chunk_id"] for c in chunks) == [v["id"] for v in vectors]},
        "keyword_pending": pending,
        "keyword_hits": keyword_hits,
    }


def db_tokens(data_dir: Path, chunk_id: str) -> list[str]:
    db = sqlite3.connect(str(data_dir / "registry.sqlite"))
    row = db.execute("SELECT tokens FROM chunks WHERE chunk_id=?", (chunk_id,)).fetchone()
    db.close()
    return row[0].split() if row else []


def ingest_and_digest(docs: list[SourceDocument], full_tokens: bool = False, batch_docs: int | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "index"
        store = IndexStore(data_dir, ZeroEmbeddings())
        pipeline = IngestPipeline(store, None) if batch_docs is None else IngestPipeline(store, None, batch_docs=batch_docs)
        report = pipeline.run(docs)
        out = {"report": report.as_dict(), **digest(data_dir, store, full_tokens)}
        store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=Path, nargs="+", required=True)
    ap.add_argument("--limit", type=int, default=1000, help="first N documents of each file")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--full-tokens", action="store_true", help="store every chunk's tokens, not only a hash")
    a = ap.parse_args()
    docs: list[SourceDocument] = []
    for path in a.docs:
        docs += [d for d in load_paths([path]) if isinstance(d, SourceDocument)][: a.limit]
    out = ingest_and_digest(docs, a.full_tokens)
    a.out.write_text(json.dumps(out, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    print(json.dumps({"documents": len(out["documents"]), "chunks": len(out["chunks"]), "out": str(a.out)}))


if __name__ == "__main__":
    main()
