"""`cchc eval`: a fresh temporary index, every question through the full pipeline, metrics.

Retrieval is scored at document level (a hit is any chunk of a gold document); answers by
whether the answer text contains a gold answer after NFC and whitespace folding, and by
whether its headline states it (``scoring.py``). Passage
vectors come from the persistent embedding cache of ``--data-dir``, so a second run over
the same documents costs no embedding.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant.evaluation.scoring import score
from assistant.schemas import Turn
from assistant.settings import Settings


def _read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        lines = (line for line in f if line.strip())
        return [json.loads(line) for line in itertools.islice(lines, limit)]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[idx], 1)


def _retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    out = {f"recall@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in (1, 5, 10)}
    out["mrr@10"] = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    return {k: round(v, 4) for k, v in out.items()}


def _index_dir(index_dir: Path | None, docs: list[dict[str, Any]]) -> Path:
    """A fresh temporary folder, or ``index_dir`` kept between runs over the same documents
    (ingest is idempotent, so a second run costs one lookup a document). A folder built from
    other documents is emptied first: an eval index holds exactly the eval's documents."""
    if index_dir is None:
        return Path(tempfile.mkdtemp(prefix="cchc-eval-"))
    digest = hashlib.sha256(json.dumps(docs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    stamp = index_dir / "eval-docs.sha256"
    if index_dir.exists() and (not stamp.exists() or stamp.read_text().strip() != digest):
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    return index_dir


def build_index(settings: Settings, docs: list[dict[str, Any]], quiet: bool, index_dir: Path | None = None) -> Any:
    from tqdm import tqdm

    from assistant.index.embeddings import EmbeddingCache, embedder_from
    from assistant.index.store import IndexStore
    from ingest.loaders import LoadError, record_to_document
    from ingest.pipeline import IngestPipeline

    store = IndexStore(_index_dir(index_dir, docs), embedder_from(settings))
    cache = EmbeddingCache(settings.embed_cache_path)
    pipeline = IngestPipeline(store, cache, settings.chunk_chars, settings.chunk_overlap_chars)
    items: list[Any] = []
    for i, d in enumerate(docs):
        try:
            items.append(record_to_document(d, f"doc {i}"))
        except LoadError as exc:
            items.append(exc)
    bar = tqdm(total=len(items), unit="doc", desc="index", disable=quiet)
    report = pipeline.run(items, on_document=lambda *_: bar.update(1))
    bar.close()
    if report.errors and not quiet:
        print(f"{len(report.errors)} documents skipped, e.g. {report.errors[0]}")
    return store


def run_eval(
    settings: Settings,
    qa_path: Path,
    docs_path: Path,
    distractors: Path | None = None,
    n_distractors: int = 1000,
    k: int = 10,
    limit: int | None = None,
    quiet: bool = False,
    index_dir: Path | None = None,
) -> dict[str, Any]:
    from tqdm import tqdm

    from assistant.service import AnswerService

    questions = _read_jsonl(qa_path, limit)
    docs = _read_jsonl(docs_path)
    if distractors:
        known = {d["doc_id"] for d in docs}
        docs += [d for d in _read_jsonl(distractors, n_distractors) if d["doc_id"] not in known]
    started = time.perf_counter()
    store = build_index(settings, docs, quiet, index_dir)
    index_seconds = time.perf_counter() - started
    eval_settings = settings.model_copy(update={"retrieval_k": max(k, 10)})
    service = AnswerService(eval_settings, store)

    ranks: list[int | None] = []
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    latencies: list[float] = []
    rows: list[dict[str, Any]] = []
    for q in tqdm(questions, unit="q", desc="ask", disable=quiet):
        history = [Turn(**t) for t in q.get("history") or []]
        t0 = time.perf_counter()
        resp, hits, why = service.answer_with_hits(q["question"], history)
        latencies.append((time.perf_counter() - t0) * 1000)
        gold = set(q.get("gold_doc_ids") or [])
        rank = next((i for i, h in enumerate(hits, 1) if h.chunk.doc_id in gold), None) if gold else None
        first_quote = resp.citations[0].quote if resp.citations else None
        s = score(q, resp.answer, resp.answerable, first_quote)
        row = {
            "qid": q.get("qid"),
            "type": q.get("type") or "untyped",
            "rank": rank,
            "answerable_gold": s.answerable_gold,
            "declined": s.declined,
            "correct": s.correct,
            "lead_correct": s.lead_correct,
            "wrong_lead": s.wrong_lead,
            "reason": s.reason(),
            "lead": s.lead[:160],
            "mode": resp.mode,
            "why": list(why),
        }
        rows.append(row)
        by_type[row["type"]].append(row)
        if gold:
            ranks.append(rank)

    report: dict[str, Any] = {
        "n": len(rows),
        "n_docs": len(docs),
        "n_chunks": store.stats()["chunks"],
        **_retrieval_metrics(ranks),
        **_answer_metrics(rows),
        "latency_ms_p50": _percentile(latencies, 0.5),
        "latency_ms_p95": _percentile(latencies, 0.95),
        "index_seconds": round(index_seconds, 1),
        "mode": "llm" if settings.llm not in ("", "none") else "extractive",
        "answers_by_mode": {m: sum(1 for r in rows if r["mode"] == m) for m in ("extractive", "llm")},
        "embedder": store.embedder.model_id,
        "per_type": {},
    }
    for t, group in sorted(by_type.items()):
        with_gold = [r["rank"] for r in group if r["answerable_gold"]]
        report["per_type"][t] = {
            "n": len(group),
            **(_retrieval_metrics(with_gold) if with_gold else {}),
            **_answer_metrics(group),
        }
    report["misses"] = [
        {k: r[k] for k in ("qid", "type", "reason", "lead", "rank", "why")} for r in rows if r["reason"]
    ]
    return report


def _share(rows: list[dict[str, Any]], key: str) -> float | None:
    return round(sum(bool(r[key]) for r in rows) / len(rows), 4) if rows else None


def _answer_metrics(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """The answer figures of DESIGN.md over ``rows`` (all questions, or one type's)."""
    answerable = [r for r in rows if r["answerable_gold"]]
    unanswerable = [r for r in rows if not r["answerable_gold"]]
    return {
        "answer_accuracy": _share(answerable, "correct"),
        "lead_accuracy": _share(answerable, "lead_correct"),
        # Over all questions: a wrong bold figure, or any bold figure where nothing answers.
        "wrong_lead_rate": _share(rows, "wrong_lead"),
        "abstain_accuracy": _share(unanswerable, "declined"),
        "false_abstain_rate": _share(answerable, "declined"),
    }


def print_report(report: dict[str, Any], misses: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"cchc eval — {report['n']} questions, {report['n_docs']} docs, {report['n_chunks']} chunks")
    cols = ["type", "n", "recall@1", "recall@5", "mrr@10", "answer_accuracy", "lead_accuracy", "wrong_lead_rate",
            "abstain_accuracy"]
    for c in cols:
        table.add_column(c)
    for t, m in report["per_type"].items():
        table.add_row(t, *[str(m.get(c, "")) for c in cols[1:]])
    table.add_row("ALL", *[str(report.get(c, "")) for c in cols[1:]])
    console.print(table)
    summary = {k: v for k, v in report.items() if k not in ("per_type", "misses")}
    console.print_json(json.dumps(summary))
    if misses:
        for m in report["misses"]:
            console.print(f"[bold]{m['qid']}[/bold] ({m['type']}, gold rank {m['rank']}): {m['reason']}", highlight=False)
            if m.get("why"):
                # The signals that weighed the statement quoted (or the best one, if none was).
                console.print("    " + "; ".join(m["why"]), highlight=False, markup=False)
