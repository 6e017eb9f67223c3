"""A bounded load run (loopback): concurrent clients while an ingest job runs — no errors,
latency reported; and SIGTERM drains the requests in flight. `bench/load.py` runs longer."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.load import run_load, synthetic_documents

from ..conftest import ADMIN_KEY, admin_server, running_server

Q = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


@pytest.fixture(scope="module")
def load_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    with admin_server(sample_index, tmp_path_factory.mktemp("load")) as base:
        yield base


def test_concurrent_questions_during_an_ingest_all_succeed(load_server):
    result = run_load(
        load_server, clients=8, seconds=12, admin_key=ADMIN_KEY, ingest_docs=synthetic_documents(6)
    )
    summary = result.summary()
    print("load:", summary)
    assert summary["errors"] == {} and summary["ok"] >= 8
    assert summary["ingest"] == {"status": "succeeded", "documents": 6, "chunks": 6}
    docs = httpx.get(f"{load_server}/v1/documents").json()
    assert sum(d["doc_id"].startswith("load-") for d in docs["documents"]) == 6


def test_sigterm_drains_requests_in_flight(sample_index: Path, tmp_path: Path):
    import os

    data_dir = tmp_path / "index"
    shutil.copytree(sample_index, data_dir)
    with running_server(data_dir, {"CCHC_RATE_LIMIT": ""}) as base:
        pid = base.pid
        results: list[int] = []
        ready = threading.Barrier(5)

        def ask() -> None:
            with httpx.Client(timeout=60) as http:
                http.get(f"{base}/healthz")  # connected before the signal
                ready.wait()
                results.append(http.post(f"{base}/v1/ask", json={"question": Q}).status_code)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        ready.wait()
        time.sleep(0.2)  # the questions are in the server, being answered
        os.kill(pid, signal.SIGTERM)
        for t in threads:
            t.join()
        assert results == [200] * 4  # accepted before the signal: answered, not cut off
