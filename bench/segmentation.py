"""Keyword tokenizers compared on the same chunks: BM25 recall and speed.

    python -m bench.segmentation --qa ../shared/eval/reform_dev.jsonl --docs ../shared/corpus/reform.jsonl

* syllables:        lower-cased syllables (what bm25s would see with a fixed tokenizer),
* folded+bigrams:   the project's tokenizer (accent folding, syllable bigrams, numbers),
* underthesea:      underthesea.word_tokenize words (needs `pip install underthesea`), folded.
* pyvi:             pyvi.ViTokenizer words (needs `pip install pyvi`), folded.
"""

from __future__ import annotations

import argparse
import re
import time

import bm25s
import numpy as np

from assistant.conversation import standalone
from assistant.evaluation import _read_jsonl, _retrieval_metrics
from assistant.index.contract import passage_text
from assistant.index.keywords import tokenize
from assistant.index.textnorm import clean_document_text, fold_accents, index_form
from assistant.schemas import Turn
from bench.common import eval_set_arguments
from ingest.chunking import chunk_text


def syllables(text: str) -> list[str]:
    return re.findall(r"\w+", index_form(text).lower())


def underthesea_words(text: str) -> list[str]:
    from underthesea import word_tokenize

    return [fold_accents(w).replace(" ", "_") for w in word_tokenize(index_form(text)) if re.search(r"\w", w)]


def pyvi_words(text: str) -> list[str]:
    from pyvi import ViTokenizer

    return [fold_accents(w) for w in ViTokenizer.tokenize(index_form(text)).split() if re.search(r"\w", w)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    eval_set_arguments(ap)
    args = ap.parse_args()
    questions = [q for q in _read_jsonl(args.qa) if q.get("gold_doc_ids")]
    docs = _read_jsonl(args.docs)
    if args.distractors:
        docs += _read_jsonl(args.distractors, args.n)
    owners, texts = [], []
    for d in docs:
        text = clean_document_text(d["text"])
        for c in chunk_text(text):
            owners.append(d["doc_id"])
            texts.append(passage_text(clean_document_text(d.get("title") or ""), c.text))
    tokenizers = {"syllables": syllables, "folded+bigrams": tokenize}
    try:
        import underthesea  # noqa: F401

        tokenizers["underthesea"] = underthesea_words
    except ImportError:
        print("underthesea not installed: skipped")
    try:
        import pyvi  # noqa: F401

        tokenizers["pyvi"] = pyvi_words
    except ImportError:
        print("pyvi not installed: skipped")
    print(f"{len(questions)} questions, {len(texts)} chunks")
    print(f"{'tokenizer':16} {'R@1':>6} {'R@5':>6} {'MRR@10':>7} {'chunks/s':>9}")
    for name, tok in tokenizers.items():
        t0 = time.perf_counter()
        corpus = [tok(t) for t in texts]
        speed = len(texts) / (time.perf_counter() - t0)
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        ranks = []
        for q in questions:
            question = standalone(q["question"], [Turn(**t) for t in q.get("history") or []])
            qt = [t for t in tok(question) if t in bm25.vocab_dict] or [""]
            order = np.argsort(-bm25.get_scores(qt))[:50]
            docs_ranked = list(dict.fromkeys(owners[i] for i in order))
            gold = set(q["gold_doc_ids"])
            ranks.append(next((i for i, d in enumerate(docs_ranked, 1) if d in gold), None))
        m = _retrieval_metrics(ranks)
        print(f"{name:16} {m['recall@1']:6.3f} {m['recall@5']:6.3f} {m['mrr@10']:7.3f} {speed:9.0f}")


if __name__ == "__main__":
    main()
