"""The index contract: what ingest writes and the assistant reads, in one place.

Changing anything here changes what a stored index means: bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.index.textnorm import fold_whitespace, index_form, normalize_tone_marks

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


def passage_text(title: str, chunk: str, chunk_tone_marked: str | None = None) -> str:
    """What the embedder and the keyword index see for a chunk: the title gives context
    (most chunks never name the article's subject), then the verbatim chunk.

    ``chunk_tone_marked``: ``normalize_tone_marks(chunk)`` where the caller has it (ingest reads
    it off the whole document, ``textnorm.ToneMarked``). The same text: a newline neither
    composes with what follows it nor is part of a word, so title and chunk normalise apart."""
    title = title.strip()
    if chunk_tone_marked is None:
        return (
            index_form(f"{title}\n{chunk}")
            if title and not chunk.lstrip().startswith(title)
            else index_form(chunk)
        )
    if title and not chunk.lstrip().startswith(title):
        return fold_whitespace(f"{_tone_marked_title(title)}\n{chunk_tone_marked}")
    return fold_whitespace(chunk_tone_marked)


@lru_cache(maxsize=256)
def _tone_marked_title(title: str) -> str:
    # Cached: every chunk of a document repeats its title.
    return normalize_tone_marks(title)


def query_text(question: str) -> str:
    return index_form(question)
