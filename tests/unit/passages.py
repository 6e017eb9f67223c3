"""Passages for the answerer's unit tests: a keyword index over a few texts and one hit per
text, each its own document (no embedder, no store)."""

from __future__ import annotations

from assistant.index.keywords import KeywordIndex, tokenize
from assistant.index.records import StoredChunk
from assistant.retrieval import Hit


def keyword_hits(
    texts: dict[str, str], title: str = "Báo cáo", published: str | None = "2024-01-05"
) -> tuple[list[Hit], KeywordIndex]:
    """One hit per text (chunk and document id = its key) and the index over all of them."""
    index = KeywordIndex.build(list(texts), [tokenize(t) for t in texts.values()], 1)
    hits = [
        Hit(StoredChunk(k, k, 0, 0, len(t), t, title, None, published, None), 1.0) for k, t in texts.items()
    ]
    return hits, index
