"""The index contract: what ingest writes and the assistant reads, in one place.

Changing anything here changes what a stored index means: bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from assistant.index.textnorm import index_form

SCHEMA_VERSION = 1
COLLECTION = "cchc_chunks"

# Chroma's defaults (M=16, ef_search=10) lose a tenth of the true top-10 on 10k+ chunks;
# these values keep ANN recall@10 near exact search (bench/retrieval_anchors.py measures it:
# hnsw_recall@10_vs_exact).
HNSW = {
    "space": "cosine",
    "ef_construction": 200,
    "max_neighbors": 32,
    "ef_search": 128,
}


def passage_text(title: str, chunk: str) -> str:
    """What the embedder and the keyword index see for a chunk: the title gives context
    (most chunks never name the article's subject), then the verbatim chunk."""
    title = title.strip()
    if title and not chunk.lstrip().startswith(title):
        return index_form(f"{title}\n{chunk}")
    return index_form(chunk)


def query_text(question: str) -> str:
    return index_form(question)
