"""Shared fixtures: a real index of the bundled sample corpus, built once per session with
the real bundled embedder, and copies of it for tests that write."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.index.embeddings import EmbeddingCache
from assistant.service import AnswerService, open_store
from assistant.settings import Settings
from ingest.loaders import load_paths
from ingest.pipeline import IngestPipeline

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpus/eval sets come with the project workspace, not the repo")
    return path


@pytest.fixture(scope="session")
def embed_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embed-cache")


def build(data_dir: Path, cache_dir: Path, paths: list[Path]) -> Settings:
    settings = Settings(data_dir=data_dir)
    store = open_store(settings)
    cache = EmbeddingCache(cache_dir / "embeddings.sqlite")
    report = IngestPipeline(store, cache).run(load_paths(paths))
    assert not report.errors, report.errors
    store.close()
    return settings


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embed_cache_dir: Path) -> Path:
    """A read-only data dir holding the sample corpus."""
    data_dir = tmp_path_factory.mktemp("sample-index")
    build(data_dir, embed_cache_dir, sorted(SAMPLE.glob("*.jsonl")))
    return data_dir


@pytest.fixture
def writable_index(sample_index: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(sample_index, target)
    return target


@pytest.fixture(scope="session")
def service(sample_index: Path) -> AnswerService:
    return AnswerService(Settings(data_dir=sample_index))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `cchc serve` (uvicorn) process on 127.0.0.1 over a copy of the sample index."""
    data_dir = tmp_path_factory.mktemp("server") / "index"
    shutil.copytree(sample_index, data_dir)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--no-sample", "--data-dir", str(data_dir),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("server did not start in 60 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
