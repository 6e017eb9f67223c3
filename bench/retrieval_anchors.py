"""Retrieval anchors side by side with the pipeline: same chunks, same run.

    python -m bench.retrieval_anchors --qa ../shared/eval/reform_dev.jsonl \
        --docs ../shared/corpus/reform.jsonl --distractors ../shared/corpus/general.jsonl --n 1000

Prints document-level recall@1/5/10 and MRR@10 for
  * bm25-syllables: bm25s over lower-cased syllables (no folding, bigrams or glossary),
  * dense-exact:    e5-small-q4, brute-force cosine over all chunks,
  * rrf:            reciprocal rank fusion (k=60) of the two,
  * ordinal-rrf:    the assistant's retriever with plain ordinal ranks in its fusion
                    (``rrf_gap_*`` = 0), the same run's baseline for ranks in score gaps,
  * no-rerank:      the assistant's retriever without its rerank stage,
  * pipeline:       the assistant's retriever (Chroma HNSW, folded tokens + bigrams, glossary,
                    accent restoration, place ranking, the configured reranker),
and the ANN recall@10 of Chroma's HNSW against exact search on the same vectors.
Passage vectors come from the embedding cache in --data-dir, so a rerun costs no embedding.

With ``--keyword-parity`` it runs the pipeline twice over one index, same process, same
chunks: with the keyword index (tantivy) and with the bm25s index it replaced, built from
the same registry tokens (``bench/legacy_keywords.py``), and prints the two and their deltas.
"""

from __future__ import annotations

import argparse
import json
import re
import time

import bm25s
import numpy as np

from assistant.conversation import standalone
from assistant.evaluation import _read_jsonl, _retrieval_metrics, build_index
from assistant.index.contract import passage_text, query_text
from assistant.index.embeddings import EmbeddingCache, embed_with_cache, embedder_from
from assistant.index.keywords import KeywordIndex, tokenize
from assistant.index.textnorm import clean_document_text
from assistant.retrieval import Filters, NoReranker, QueryAnalyzer
from assistant.schemas import Turn
from assistant.service import retriever_for
from assistant.settings import Settings
from bench.common import eval_set_arguments
from bench.legacy_keywords import LegacyKeywordIndex
from ingest.chunking import chunk_text


def syllables(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def doc_rank(ranked_docs: list[str], gold: set[str]) -> int | None:
    return next((i for i, d in enumerate(ranked_docs, 1) if d in gold), None)


def rrf(*rankings: list[int], k: int = 60) -> list[int]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for r, idx in enumerate(ranking, 1):
            scores[idx] = scores.get(idx, 0.0) + 1 / (k + r)
    return sorted(scores, key=lambda i: -scores[i])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    eval_set_arguments(ap)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keyword-parity", action="store_true", help="pipeline on tantivy vs on bm25s, same run")
    ap.add_argument(
        "--keyword-only",
        action="store_true",
        help="with --keyword-parity: the keyword retriever alone (no embedding), tantivy vs bm25s",
    )
    args = ap.parse_args()

    settings = Settings(data_dir=args.data_dir)
    questions = [q for q in _read_jsonl(args.qa, args.limit) if q.get("gold_doc_ids")]
    docs = _read_jsonl(args.docs)
    if args.distractors:
        known = {d["doc_id"] for d in docs}
        docs += [d for d in _read_jsonl(args.distractors, args.n) if d["doc_id"] not in known]

    if args.keyword_parity and args.keyword_only:
        keyword_only_parity(args, settings, questions, docs)
        return
    if args.keyword_parity:
        keyword_parity(args, settings, questions, docs)
        return

    chunk_docs: list[str] = []
    texts: list[str] = []
    for d in docs:
        text = clean_document_text(d["text"])
        for c in chunk_text(text, settings.chunk_chars, settings.chunk_overlap_chars):
            chunk_docs.append(d["doc_id"])
            texts.append(passage_text(clean_document_text(d.get("title") or ""), c.text))
    embedder = embedder_from(settings)
    vectors = embed_with_cache(embedder, texts, EmbeddingCache(settings.embed_cache_path))

    bm25 = bm25s.BM25()
    bm25.index([syllables(t) for t in texts], show_progress=False)

    store = build_index(settings, docs, quiet=True)
    retriever = retriever_for(store, settings)  # exactly what the service runs
    unranked = retriever_for(store, settings)
    unranked.reranker = NoReranker()  # the same run's baseline for the rerank stage
    ordinal = retriever_for(store, settings.model_copy(update={"rrf_gap_dense": 0.0, "rrf_gap_keyword": 0.0}))

    def docs_of(indices: list[int]) -> list[str]:
        return list(dict.fromkeys(chunk_docs[i] for i in indices))

    ranks: dict[str, list[int | None]] = {
        m: [] for m in ("bm25-syllables", "dense-exact", "rrf", "ordinal-rrf", "no-rerank", "pipeline")
    }
    ann_overlap: list[float] = []
    timings: dict[str, float] = dict.fromkeys(ranks, 0.0)
    for q in questions:
        question = standalone(q["question"], [Turn(**t) for t in q.get("history") or []])
        gold = set(q["gold_doc_ids"])
        t0 = time.perf_counter()
        kw_scores = bm25.get_scores(
            [t for t in syllables(query_text(question)) if t in bm25.vocab_dict] or [""]
        )
        kw = list(np.argsort(-kw_scores)[:50])
        t1 = time.perf_counter()
        qv = embedder.embed_queries([query_text(question)])[0]
        exact = list(np.argsort(-(vectors @ qv))[:50])
        t2 = time.perf_counter()
        timings["bm25-syllables"] += t1 - t0
        timings["dense-exact"] += t2 - t1
        ranks["bm25-syllables"].append(doc_rank(docs_of(kw), gold))
        ranks["dense-exact"].append(doc_rank(docs_of(exact), gold))
        ranks["rrf"].append(doc_rank(docs_of(rrf(kw, exact)), gold))
        t3 = time.perf_counter()
        _, hits = ordinal.retrieve(question, 10)
        timings["ordinal-rrf"] += time.perf_counter() - t3
        ranks["ordinal-rrf"].append(doc_rank(list(dict.fromkeys(h.chunk.doc_id for h in hits)), gold))
        t3 = time.perf_counter()
        _, hits = unranked.retrieve(question, 10)
        timings["no-rerank"] += time.perf_counter() - t3
        ranks["no-rerank"].append(doc_rank(list(dict.fromkeys(h.chunk.doc_id for h in hits)), gold))
        t3 = time.perf_counter()
        _, hits = retriever.retrieve(question, 10)
        timings["pipeline"] += time.perf_counter() - t3
        ranks["pipeline"].append(doc_rank(list(dict.fromkeys(h.chunk.doc_id for h in hits)), gold))
        # ANN vs exact on the same vectors: Chroma's top-10 chunk ids against brute force.
        ann = store.dense_search(qv, 10)
        exact_ids = {store_id for store_id in _exact_ids(store, exact[:10], chunk_docs)}
        if exact_ids:
            ann_overlap.append(len({cid for cid, _ in ann} & exact_ids) / len(exact_ids))

    report = {
        "set": args.qa.name,
        "questions": len(questions),
        "docs": len(docs),
        "chunks": len(texts),
        "methods": {m: _retrieval_metrics(r) for m, r in ranks.items()},
        "ms_per_query": {m: round(1000 * t / max(1, len(questions)), 1) for m, t in timings.items()},
        "hnsw_recall@10_vs_exact": round(float(np.mean(ann_overlap)), 4) if ann_overlap else None,
    }
    if args.json:
        print(json.dumps(report))
        return
    best = {
        k: max(report["methods"][m][k] for m in ("bm25-syllables", "dense-exact", "rrf"))
        for k in report["methods"]["rrf"]
    }
    print(
        f"{report['set']}: {report['questions']} questions, {report['docs']} docs, {report['chunks']} chunks"
    )
    print(f"{'method':16} {'R@1':>7} {'R@5':>7} {'R@10':>7} {'MRR@10':>7} {'ms/q':>7}")
    for m, r in report["methods"].items():
        print(
            f"{m:16} {r['recall@1']:7.3f} {r['recall@5']:7.3f} {r['recall@10']:7.3f} {r['mrr@10']:7.3f} {report['ms_per_query'][m]:7.1f}"
        )
    p = report["methods"]["pipeline"]
    print("pipeline / best anchor: " + ", ".join(f"{k} ×{p[k] / best[k]:.3f}" for k in best if best[k]))
    print(f"HNSW recall@10 vs exact search: {report['hnsw_recall@10_vs_exact']}")


def keyword_parity(
    args: argparse.Namespace, settings: Settings, questions: list[dict], docs: list[dict]
) -> None:
    store = build_index(settings, docs, quiet=True)
    legacy = LegacyKeywordIndex.from_registry(store.data_dir / "registry.sqlite")
    retriever = retriever_for(store, settings)
    engines = {"pipeline": store.keyword_index, "pipeline-bm25s": lambda: legacy}
    ranks: dict[str, list[int | None]] = {m: [] for m in engines}
    timings: dict[str, float] = dict.fromkeys(engines, 0.0)
    for q in questions:
        question = standalone(q["question"], [Turn(**t) for t in q.get("history") or []])
        gold = set(q["gold_doc_ids"])
        for name, source in engines.items():
            store.keyword_index = source  # what the retriever and its reranker read
            t0 = time.perf_counter()
            _, hits = retriever.retrieve(question, 10)
            timings[name] += time.perf_counter() - t0
            ranks[name].append(doc_rank(list(dict.fromkeys(h.chunk.doc_id for h in hits)), gold))
    store.keyword_index = engines["pipeline"]
    methods = {m: _retrieval_metrics(r) for m, r in ranks.items()}
    report = {
        "set": args.qa.name, "questions": len(questions), "docs": len(docs), "chunks": len(legacy),
        "methods": methods,
        "delta": {k: round(methods["pipeline"][k] - methods["pipeline-bm25s"][k], 4) for k in methods["pipeline"]},
        "ms_per_query": {m: round(1000 * t / max(1, len(questions)), 1) for m, t in timings.items()},
    }  # fmt: skip
    print(json.dumps(report))


def keyword_only_parity(
    args: argparse.Namespace, settings: Settings, questions: list[dict], docs: list[dict]
) -> None:
    """The keyword retriever's own ranking (the tokens the pipeline indexes and asks with) on
    tantivy and on bm25s: no vectors, so it runs on any set in seconds."""
    chunk_ids: list[str] = []
    chunk_docs: dict[str, str] = {}
    token_lists: list[list[str]] = []
    for d in docs:
        title = clean_document_text(d.get("title") or "")
        for c in chunk_text(
            clean_document_text(d["text"]), settings.chunk_chars, settings.chunk_overlap_chars
        ):
            cid = f"{len(chunk_ids)}"
            chunk_ids.append(cid)
            chunk_docs[cid] = d["doc_id"]
            token_lists.append(tokenize(passage_text(title, c.text)))
    engines = {"keyword": KeywordIndex.build(chunk_ids, token_lists, 1),
               "keyword-bm25s": LegacyKeywordIndex.build(chunk_ids, token_lists)}  # fmt: skip
    analyse = QueryAnalyzer()
    ranks: dict[str, list[int | None]] = {m: [] for m in engines}
    overlap: list[float] = []
    for q in questions:
        query = analyse(standalone(q["question"], [Turn(**t) for t in q.get("history") or []]), Filters())
        gold = set(q["gold_doc_ids"])
        top: dict[str, list[str]] = {}
        for name, index in engines.items():
            top[name] = [cid for cid, _ in index.search(query.tokens, 50)]
            ranks[name].append(doc_rank(list(dict.fromkeys(chunk_docs[c] for c in top[name])), gold))
        if top["keyword-bm25s"][:10]:
            overlap.append(
                len(set(top["keyword"][:10]) & set(top["keyword-bm25s"][:10]))
                / len(top["keyword-bm25s"][:10])
            )
    methods = {m: _retrieval_metrics(r) for m, r in ranks.items()}
    print(json.dumps({
        "set": args.qa.name, "questions": len(questions), "docs": len(docs), "chunks": len(chunk_ids),
        "methods": methods,
        "delta": {k: round(methods["keyword"][k] - methods["keyword-bm25s"][k], 4) for k in methods["keyword"]},
        "top10_chunk_overlap": round(float(np.mean(overlap)), 4) if overlap else None,
    }))  # fmt: skip


def _exact_ids(store, indices: list[int], chunk_docs: list[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """Chunk ids in the store of brute-force hits, matched by (doc, order within doc)."""
    out: set[str] = set()
    for i in map(int, indices):
        doc = chunk_docs[i]
        out |= store.chunk_ids_where("c.doc_id = ? AND c.ord = ?", [doc, i - chunk_docs.index(doc)])
    return out


if __name__ == "__main__":
    main()
