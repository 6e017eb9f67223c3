"""`cchc doctor`: consistency between the registry, the vectors and the keyword index, and
the repair of what can be repaired without the source documents.

What can go wrong follows from the write protocol (``store.py``): orphan vectors (a crash
between the vector upsert and the registry commit, or before stale vectors were deleted), a
stale keyword index (notes left in ``keyword_pending``), facts or anchors of chunks written by
an older version. Chunks without a vector cannot be re-created here: their documents are listed
for re-ingest. The caller holds the write lock, so a writer's vectors-before-registry step is
not taken for an orphan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.index import anchors, factstore
from assistant.index.keyword_sync import KeywordSync
from assistant.index.registry import Registry
from assistant.index.vectors import Vectors


def check(
    registry: Registry,
    vectors: Vectors,
    keywords: KeywordSync,
    rebuild_keywords: Callable[[bool], object],
    repair: bool,
) -> dict[str, Any]:
    """The report of ``IndexStore.check``; with ``repair``, drop vectors the registry does not
    know and bring the keyword index up to date (``rebuild_keywords(full)``)."""
    db = registry.db
    known = registry.chunk_documents()
    seen = set(vectors.ids())
    orphans = sorted(seen - set(known))
    missing_docs = sorted({known[c] for c in set(known) - seen})
    health = keywords.health()
    # Nothing pending yet a count that differs from the registry's: the index lost or gained
    # chunks outside the contract (a file restored by hand, a bug); only a rebuild is sure.
    miscount = not health["keyword_pending"] and health["keyword_chunks"] != len(known)
    stale = bool(health["keyword_pending"]) or health["keyword_unreadable"] or miscount
    if repair:
        if orphans:
            vectors.delete(orphans)
        with db:  # every noted stale vector is an orphan: deleted above
            db.execute("DELETE FROM vector_stale")
        if stale:
            rebuild_keywords(health["keyword_unreadable"] or miscount)
            health = {**keywords.health(), "keyword_repaired_from": health}
    facts = factstore.check(db, repair)
    # Chunks from before anchors (legal path, page): filled from the stored text on repair.
    unanchored = anchors.missing(db)
    if repair and unanchored:
        anchors.backfill(db)
    return {
        "documents": registry.document_count(),
        "chunks": len(known),
        "vectors": len(seen) - (len(orphans) if repair else 0),
        "orphan_vectors": len(orphans),
        "documents_missing_vectors": missing_docs,
        "keyword_index_stale": stale,
        **health,
        "repaired": repair,
        **facts,
        "chunks_without_anchors": unanchored,
        "consistent": (
            not orphans and not missing_docs and not stale and (repair or facts["facts_consistent"])
        ),
    }
