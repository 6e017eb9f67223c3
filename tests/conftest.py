"""Shared fixtures: a real index of the bundled sample corpus, built once per session with
the real bundled embedder, and copies of it for tests that write."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from assistant.api.security import hash_key
from assistant.index.embeddings import EmbeddingCache
from assistant.service import AnswerService, open_store
from assistant.settings import Settings
from ingest.loaders import load_paths
from ingest.pipeline import IngestPipeline

from .fakes.platforms import ZALO_BOT_TOKEN, FakeSlack, FakeZalo

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SHARED = ROOT.parent / "shared"


# The test tiers are the folders (markers registered in pyproject.toml, run with --strict-markers):
#   tests/unit         no index, no network, no subprocess: `make test-unit`, seconds;
#   tests/integration  the session's real sample index, a Chroma store, local fake platforms;
#   tests/e2e          real `cchc serve` processes, subprocesses, browsers, load and crash tests.
# Each test carries its folder's marker, so `-m unit` and `tests/unit` name the same tests. A test
# may lift itself to a heavier tier with that tier's marker, and a test in tests/unit that uses
# an index fixture below is lifted to integration (a few rule modules hold one or two tests over
# the real index); a marker lighter than the folder is a mistake and fails collection.
_INDEX_FIXTURES = {
    "embed_cache_dir", "sample_index", "writable_index", "service", "server_dir", "server",
    "fake_slack", "fake_zalo",
}
TIERS = ("unit", "integration", "e2e")
TESTS = Path(__file__).resolve().parent


def _folder_tier(item: pytest.Item) -> str:
    parts = Path(str(item.path)).resolve().relative_to(TESTS).parts
    if len(parts) < 2 or parts[0] not in TIERS:
        raise pytest.UsageError(f"{item.nodeid}: a test module lives in tests/unit, tests/integration or tests/e2e")
    return parts[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = _folder_tier(item)
        marked = [t for t in TIERS if item.get_closest_marker(t)]
        lighter = [t for t in marked if TIERS.index(t) < TIERS.index(folder)]
        if lighter:
            raise pytest.UsageError(f"{item.nodeid} is marked {lighter[0]} but lives in tests/{folder}: move it")
        needs = ["integration"] if _INDEX_FIXTURES & set(getattr(item, "fixturenames", ())) else []
        tier = max([folder, *marked, *needs], key=TIERS.index)
        if tier not in marked:
            item.add_marker(getattr(pytest.mark, tier))


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


def service_over(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path, name: str, docs: list[dict]) -> AnswerService:
    """An answer service over ``docs`` (records of the JSONL format), indexed with the real
    embedder through the session's embedding cache."""
    src = tmp_path_factory.mktemp(name) / f"{name}.jsonl"
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    data_dir = tmp_path_factory.mktemp(f"{name}-index")
    build(data_dir, cache_dir, [src])
    return AnswerService(Settings(data_dir=data_dir))


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


# Platform credentials of the test deployment (the fakes check them).
SLACK_SECRET, SLACK_TOKEN = "test-signing-secret", "xoxb-test-token"
ZALO_APP_ID, ZALO_SECRET, ZALO_OA_KEY = "1234567890", "zalo-app-secret", "zalo-oa-secret-key"
ZALO_BOT_SECRET = "zalo-bot-webhook-secret"
ZALO_MESSAGE_LIMIT = 300  # small, so that answers are split as long ones are in production


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(SLACK_TOKEN)
    fake.base = fake.start(free_port())  # type: ignore[attr-defined]
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo(ZALO_SECRET, refresh_token="refresh-0")
    fake.base = fake.start(free_port())  # type: ignore[attr-defined]
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def server_dir(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("server") / "index"
    shutil.copytree(sample_index, data_dir)
    return data_dir


ADMIN_KEY = "cchc_test-admin-key-0123456789abcdef"


class ServerURL(str):
    """The base URL, carrying the server's process id for tests that signal it."""

    pid: int


@contextmanager
def running_server(data_dir: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[ServerURL]:
    """A real `cchc serve` (uvicorn) process on 127.0.0.1; yields its base URL."""
    port = free_port()
    log_path = data_dir.parent / f"server-{port}.log"
    env = {**os.environ, "CCHC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--no-sample", "--data-dir", str(data_dir),
         "--host", "127.0.0.1", "--port", str(port), *args],
        # A file, not a pipe: a pipe nobody reads blocks the server once it fills.
        stdout=log_path.open("w"), stderr=subprocess.STDOUT, text=True, env=env,
    )
    base = ServerURL(f"http://127.0.0.1:{port}")
    base.pid = proc.pid
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("server did not start in 60 s")
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def admin_server(sample_index: Path, where: Path, env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ()) -> Iterator[ServerURL]:
    """A server over a fresh copy of the sample index, with the test admin key and no
    practical rate limit (the tests talk to it from one address); ``env`` overrides."""
    data_dir = where / "index"
    shutil.copytree(sample_index, data_dir)
    base_env = {"CCHC_ADMIN_API_KEYS": hash_key(ADMIN_KEY), "CCHC_RATE_LIMIT": "100000/minute"}
    with running_server(data_dir, {**base_env, **(env or {})}, args) as base:
        yield base


@pytest.fixture(scope="session")
def server(server_dir: Path, fake_slack: FakeSlack, fake_zalo: FakeZalo) -> Iterator[str]:
    """The shared test deployment over a copy of the sample index, with Slack and Zalo
    connected to the local fake platforms and an admin key."""
    env = {
        "CCHC_ADMIN_API_KEYS": hash_key(ADMIN_KEY),
        "CCHC_RATE_LIMIT": "100000/minute",  # the whole suite talks to it from one address
        "CCHC_SLACK_SIGNING_SECRET": SLACK_SECRET,
        "CCHC_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "CCHC_SLACK_API_BASE": f"{fake_slack.base}/api/",  # type: ignore[attr-defined]
        "CCHC_ZALO_APP_ID": ZALO_APP_ID,
        "CCHC_ZALO_APP_SECRET": ZALO_SECRET,
        "CCHC_ZALO_OA_SECRET_KEY": ZALO_OA_KEY,
        # An access token the platform no longer accepts: the first reply must refresh it.
        "CCHC_ZALO_OA_ACCESS_TOKEN": "access-expired",
        "CCHC_ZALO_REFRESH_TOKEN": "refresh-0",
        "CCHC_ZALO_API_BASE": fake_zalo.base,  # type: ignore[attr-defined]
        "CCHC_ZALO_OAUTH_BASE": fake_zalo.base,  # type: ignore[attr-defined]
        "CCHC_ZALO_MESSAGE_LIMIT": str(ZALO_MESSAGE_LIMIT),
        "CCHC_ZALO_BOT_TOKEN": ZALO_BOT_TOKEN,
        "CCHC_ZALO_BOT_SECRET_TOKEN": ZALO_BOT_SECRET,
        "CCHC_ZALO_BOT_API_BASE": fake_zalo.base,  # type: ignore[attr-defined]
    }
    with running_server(server_dir, env) as base:
        yield base
