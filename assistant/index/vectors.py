"""The index's vectors: one Chroma collection (embedded in the data dir, or a Chroma server),
written and read by chunk id. Chroma holds no truth of its own: a vector counts only when the
registry has its chunk (``store.py``), so an orphan is harmless until ``check`` removes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.contract import COLLECTION, HNSW
from assistant.index.embeddings import IndexEmbeddings
from assistant.index.records import IndexMismatchError


def _client(data_dir: Path, chroma_url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        from urllib.parse import urlparse

        u = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=u.hostname or "127.0.0.1",
            port=u.port or (443 if u.scheme == "https" else 8000),
            ssl=u.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings)


class Vectors:
    def __init__(self, data_dir: Path, embedder: IndexEmbeddings, chroma_url: str | None = None) -> None:
        self.client = _client(data_dir, chroma_url)
        self.collection = self.client.get_or_create_collection(
            COLLECTION,
            configuration={"hnsw": HNSW},
            metadata={"embed_model": embedder.model_id, "dim": embedder.dim},
            embedding_function=None,
        )
        stored = (self.collection.metadata or {}).get("embed_model")
        if stored and stored != embedder.model_id:
            raise IndexMismatchError(
                f"the Chroma collection was built with {stored!r}; this process embeds with "
                f"{embedder.model_id!r}. Re-ingest into a new data dir or set CCHC_EMBEDDER={stored}."
            )
        self._max_batch: int | None = None
        self._count: tuple[str, int] | None = None

    def max_batch(self) -> int:
        # Chroma refuses a call over its maximum batch size (a server's may be smaller).
        if self._max_batch is None:
            try:
                self._max_batch = max(1, int(self.client.get_max_batch_size()))
            except Exception:  # an old server without the endpoint
                self._max_batch = 1000
        return self._max_batch

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        step = self.max_batch()
        for i in range(0, len(ids), step):
            self.collection.upsert(
                ids=list(ids[i : i + step]),
                embeddings=vectors[i : i + step],
                metadatas=list(metadatas[i : i + step]),
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        step = self.max_batch()
        for i in range(0, len(chunk_ids), step):
            self.collection.delete(ids=list(chunk_ids[i : i + step]))

    def ids(self) -> Iterator[str]:
        """Every vector's id, page by page."""
        offset = 0
        while True:
            ids = self.collection.get(include=[], limit=5000, offset=offset)["ids"]
            if not ids:
                return
            yield from ids
            offset += len(ids)

    def total(self) -> int:
        return int(self.collection.count())

    def count(self, generation: str) -> int:
        """The collection's size, asked again only when the registry's generation moved: Chroma's
        count() costs a round trip per question, and it only changes with the registry."""
        if self._count is None or self._count[0] != generation:
            self._count = (generation, self.total())
        return self._count[1]

    def search(
        self, vector: np.ndarray, k: int, generation: str, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the ``k`` nearest vectors ``where`` lets through."""
        n = self.count(generation)
        if n == 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(k, n),
            where=where,
            include=["distances"],
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]
