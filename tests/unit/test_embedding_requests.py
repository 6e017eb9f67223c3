"""How the ingest asks an embedder for vectors: in requests of the backend's size, several in
flight where the backend batches them (an embeddings server), each vector back in its text's
row and in the cache, whatever order the requests finish in."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from assistant.index.embeddings import EmbeddingCache, IndexEmbeddings, embed_with_cache
from assistant.settings import Settings


class SlowServer(IndexEmbeddings):
    """A vector that names its text; longer texts answer sooner, so requests finish out of order."""

    model_id, dim, batch_size = "fake:slow", 4, 3

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.in_flight = self.most_in_flight = 0
        self.requests: list[int] = []
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.requests.append(len(texts))
        time.sleep(0.05 / max(len(texts[0]), 1))
        with self._lock:
            self.in_flight -= 1
        return np.asarray([[len(t), t.count("a"), t.count("b"), 1.0] for t in texts], dtype=np.float32)


TEXTS = ["a" * n + "b" * (n % 3) for n in (9, 1, 4, 7, 2, 8, 3, 6, 5, 10, 11)]
EXPECTED = np.asarray([[len(t), t.count("a"), t.count("b"), 1.0] for t in TEXTS], dtype=np.float32)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_each_vector_lands_in_its_texts_row(concurrency: int):
    server = SlowServer(concurrency)
    got = embed_with_cache(server, TEXTS, None)
    np.testing.assert_array_equal(got, EXPECTED)
    assert sorted(server.requests) == [2, 3, 3, 3]  # requests of the backend's size, no text twice
    if concurrency == 1:
        assert server.most_in_flight == 1
    else:
        assert 1 < server.most_in_flight <= concurrency


def test_concurrent_requests_fill_the_cache_and_report_progress_once_per_text(tmp_path: Path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    seen: list[int] = []
    embed_with_cache(SlowServer(4), TEXTS, cache, seen.append)
    assert sum(seen) == len(TEXTS)
    again = SlowServer(4)
    np.testing.assert_array_equal(embed_with_cache(again, TEXTS, cache), EXPECTED)
    assert again.requests == []  # every vector came from the cache
    cache.close()


def test_requests_in_flight_are_a_checked_setting():
    assert Settings().embedder_concurrency == 4
    with pytest.raises(ValidationError, match="embedder_concurrency"):
        Settings(embedder_concurrency=0)
